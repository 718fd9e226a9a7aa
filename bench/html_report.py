"""How the HTML report copes with a big delivery: file size, render time, and in Chromium the
time to first rows, to filter, to search, to draw more rows and to expand an asset.

    .venv/bin/python bench/html_report.py                 # 10,000 assets, with thumbnails
    .venv/bin/python bench/html_report.py --assets 2000 --no-thumbnails

The document is synthetic but shaped like a real scan: a realistic spread of statuses, a few
signals and metadata values per asset, C2PA histories with an ingredient on one asset in
five, and (unless --no-thumbnails) a 160-pixel JPEG thumbnail made by the scanner's own
thumbnail code on every image and video. Needs Debian's chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import base64
import io
import random
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, ImageFilter

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scanner.model import (  # noqa: E402
    ApprovalMatch,
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
    Reason,
    ScanResult,
    Signal,
    ToolInfo,
)
from scanner.report.document import to_document  # noqa: E402
from scanner.report.html import render_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
STATUS_WEIGHTS = {"violation": 5, "error": 1, "review": 8, "approved": 6, "clean": 80}
DISTINCT_THUMBNAILS = 300


def thumbnails(count: int, seed: int) -> list[str]:
    """Pictures whose thumbnails weigh what real ones do (about 4.4 KB as data: URIs for the
    corpus stills), through the scanner's own thumbnailer."""
    try:
        from scanner.fingerprint.picture import thumbnail_uri
    except ImportError:  # fall back to the same settings: 160 px, JPEG quality 70

        def thumbnail_uri(image: Image.Image) -> str:
            thumb = image.copy()
            thumb.thumbnail((160, 160), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            thumb.save(buffer, "JPEG", quality=70, optimize=True)
            return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()

    rng = random.Random(seed)
    out = []
    for _ in range(count):
        noise = Image.effect_noise((160, 90), rng.uniform(30, 70)).convert("RGB")
        tint = Image.new("RGB", (160, 90), tuple(rng.randrange(256) for _ in range(3)))
        blurred = noise.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.7)))
        picture = Image.blend(blurred, tint, 0.4)
        out.append(thumbnail_uri(picture))
    return out


def c2pa_history(n: int, ai: bool) -> C2paReport:
    parent = C2paManifest(
        label=f"urn:c2pa:{n:06d}-parent",
        title=f"plate_{n:06d}.exr",
        claim_generator="Nuke 16.0",
        signer_name="Facility VFX",
        actions=(C2paAction("c2pa.created", DST + "digitalCapture", "ARRI ALEXA 35"),),
    )
    active = C2paManifest(
        label=f"urn:c2pa:{n:06d}",
        title=f"shot_{n:06d}.jpg",
        claim_generator="Adobe Photoshop 27.0",
        signer_name="Adobe Inc.",
        signer_issuer="Adobe Product Services G3",
        signed_at="2026-10-01T10:00:00+00:00",
        actions=(
            C2paAction("c2pa.opened", software_agent="Adobe Photoshop 27.0"),
            C2paAction(
                "c2pa.edited",
                DST + ("compositeWithTrainedAlgorithmicMedia" if ai else "humanEdits"),
                "Adobe Firefly" if ai else "Adobe Photoshop 27.0",
                description="Generative Fill" if ai else "",
            ),
        ),
        ingredients=(C2paIngredient(parent.title, "parentOf", "image/x-exr", "", parent.label),),
        assertion_labels=("c2pa.actions.v2", "c2pa.hash.data", "c2pa.ingredient.v3"),
    )
    return C2paReport(
        credentials="valid",
        state="Valid",
        active_manifest=active.label,
        manifests=(active, parent),
        informational_codes=("signingCredential.untrusted",),
    )


def synthetic_scan(count: int, with_thumbnails: bool, seed: int = 7) -> ScanResult:
    rng = random.Random(seed)
    thumbs = thumbnails(DISTINCT_THUMBNAILS, seed) if with_thumbnails else [""]
    statuses = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=count)
    tools = ("Adobe Firefly", "Midjourney", "Stable Diffusion (ComfyUI)", "Runway", "Sora")
    assets = []
    for n, status in enumerate(statuses):
        reel, kind = n % 40, ("image", "image", "image", "video", "audio")[n % 5]
        fmt, mime = {"image": ("JPEG", "image/jpeg"), "video": ("MOV", "video/quicktime"),
                     "audio": ("WAV", "audio/wav")}[kind]  # fmt: skip
        ai = status in ("violation", "approved") or (status == "review" and n % 2 == 0)
        approved = status == "approved"
        tool = tools[n % len(tools)] if ai else ""
        signals = (
            (Signal("c2pa.dst.trained", "ai-generated", "definitive", "c2pa",
                    "c2pa.actions.v2/digitalSourceType", DST + "trainedAlgorithmicMedia", tool),)
            if ai else ()
        )  # fmt: skip
        evidence = (
            Evidence("exif", "Software", tool or "Adobe Photoshop 27.0 (Macintosh)"),
            Evidence("xmp", "xmp:CreatorTool", tool or "Adobe Photoshop 27.0"),
            Evidence("xmp", "dc:description", f"Episode 101 shot {n:06d}, " + "wide plate " * 12),
        )
        reasons = {
            "violation": (Reason("unapproved-ai", "no approval covers this asset"),),
            "error": (Reason("unreadable", "file ends inside a segment"),),
            "review": (Reason("possible-ai", "composite digital source type"),),
            "approved": (Reason("approved", "GENAI-0042 covers it"),),
            "clean": (),
        }[status]
        assets.append(
            AssetResult(
                AssetAnalysis(
                    path=f"ep101/reel{reel:02d}/sh{n // 40:04d}/{n:06d}_comp_v003.{fmt.lower()}",
                    size=rng.randrange(200_000, 80_000_000),
                    sha256=f"{rng.getrandbits(256):064x}",
                    media_type=mime,
                    kind=kind,
                    format=fmt,
                    assessment=Assessment(
                        ai="generated" if ai else "none",
                        credentials="valid" if n % 5 == 0 else "absent",
                        generators=(tool,) if tool else (),
                        signals=signals,
                    ),
                    evidence=evidence,
                    c2pa=c2pa_history(n, ai) if n % 5 == 0 else None,
                    fingerprints=(FrameHash(0.0, f"{rng.getrandbits(64):016x}", "0" * 16),),
                    thumbnail=thumbs[n % len(thumbs)] if kind != "audio" else "",
                ),
                Finding(
                    status=status,
                    reasons=reasons,
                    approval="GENAI-0042" if approved else "",
                    matches=(ApprovalMatch("GENAI-0042", "sha256"),) if approved else (),
                ),
            )
        )
    return ScanResult(
        delivery="/deliveries/ep101",
        scanned_at="2026-11-02T09:30:00+00:00",
        tool=ToolInfo("provscan", "bench", "bench"),
        assets=tuple(assets),
        register="register.csv",
        as_of="2026-11-01",
    )


MEASURE = """async (what) => {
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const t0 = performance.now();
  if (what === 'filter') {
    const s = document.getElementById('f-status'); s.value = 'violation';
    s.dispatchEvent(new Event('change'));
  } else if (what === 'search') {
    document.getElementById('f-q').value = 'sh0123';
    document.getElementById('filters').dispatchEvent(new Event('submit', {cancelable: true}));
  } else if (what === 'clear') {
    document.getElementById('f-status').value = '';
    document.getElementById('f-q').value = '';
    document.getElementById('filters').dispatchEvent(new Event('submit', {cancelable: true}));
  } else if (what === 'chip') {
    document.querySelector('#reason-chips .chip').click();
  } else if (what === 'more') {
    document.getElementById('more').click();
  } else if (what === 'expand') {
    document.querySelector('button.expand').click();
  }
  await frame();
  return performance.now() - t0;
}"""


def measure_in_chromium(path: Path, runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    results: dict[str, list[float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            requests: list[str] = []
            errors: list[str] = []
            page.on("request", lambda r, requests=requests: requests.append(r.url))
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            start = time.perf_counter()
            page.goto(path.resolve().as_uri())
            page.wait_for_selector("html[data-ready='true']", timeout=120_000)
            wall = (time.perf_counter() - start) * 1000
            ready = page.evaluate("performance.getEntriesByName('provscan-ready')[0].startTime")
            first_rows = page.evaluate("document.querySelectorAll('#assets > tbody').length")
            samples = {
                "load: wall clock to first rows": wall,
                "load: navigation to first rows": ready,
            }
            fixes = page.evaluate("document.querySelectorAll('#fix-list > li').length")
            for what in ("filter", "clear", "search", "clear", "chip", "chip", "more", "expand"):
                key = {"filter": "filter to violation", "search": "free-text search",
                       "clear": "clear filters", "more": "draw 200 more rows",
                       "chip": "reason chip on/off (both lists)",
                       "expand": "expand one asset"}[what]  # fmt: skip
                samples.setdefault(key, 0.0)
                samples[key] = max(samples[key], page.evaluate(MEASURE, what))
            heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
            samples["JS heap (MiB)"] = heap / 2**20
            for key, value in samples.items():
                results.setdefault(key, []).append(value)
            assert first_rows == 200, first_rows
            assert fixes == 100, fixes  # what must be fixed: its first page
            assert requests == [path.resolve().as_uri()], requests
            assert not errors, errors
            page.close()
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--no-thumbnails", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = parser.parse_args()

    result = synthetic_scan(args.assets, not args.no_thumbnails)
    start = time.perf_counter()
    doc = to_document(result)
    html = render_html(doc)
    render_ms = (time.perf_counter() - start) * 1000
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"report-{args.assets}{'-nothumbs' if args.no_thumbnails else ''}.html"
    path.write_text(html, encoding="utf-8", newline="")
    size = path.stat().st_size
    thumbs = sum(len(a["thumbnail"]) for a in doc["assets"])
    print(f"assets: {args.assets}   thumbnails: {'no' if args.no_thumbnails else 'yes'}")
    print(f"file: {path}  {size / 2**20:.1f} MiB ({size / args.assets / 1024:.1f} KiB per asset;"
          f" thumbnails {thumbs / 2**20:.1f} MiB)")  # fmt: skip
    print(f"python: to_document + render_html {render_ms:.0f} ms")
    timings = measure_in_chromium(path, args.runs)
    print(f"chromium ({args.runs} runs, median [min-max]):")
    for key, values in timings.items():
        unit = "" if "MiB" in key else " ms"
        print(f"  {key:<34} {statistics.median(values):8.0f}{unit}"
              f"   [{min(values):.0f}-{max(values):.0f}]")  # fmt: skip


if __name__ == "__main__":
    main()
