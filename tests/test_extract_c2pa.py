"""The C2PA extractor on real files: the shared corpus and files signed here with a throwaway CA."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.discover.media import MediaFile
from scanner.extract import c2pa as c2pa_extract
from scanner.extract.c2pa import context_for, decide_credentials, reader_mime
from scanner.extract.interface import MAX_VALUE_CHARS, Extracted, ExtractOptions
from tests.c2pa_helpers import (
    IPTC,
    anchor,
    created,
    jpeg_bytes,
    make_ca,
    media,
    png_bytes,
    session_ca,
    sign,
    write,
)
from tests.extract_helpers import opened

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
extract = opened(c2pa_extract.extract)
RS = "contentauth+c2pa-rs/sdk/tests/fixtures"
NO_TRUST = ExtractOptions()


def corpus_file(rel: str, mime: str = "image/jpeg", fmt: str = "JPEG", kind: str = "image"):
    path = CORPUS / rel
    if not path.is_file():
        pytest.skip(f"corpus not available: {path}")
    return MediaFile(path, rel, mime, fmt, kind, path.stat().st_size)


def fields(result) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for ev in result.evidence:
        assert ev.source == "c2pa"
        out.setdefault(ev.field, []).append(ev.value)
    return out


# --- corpus --------------------------------------------------------------------------------


def test_firefly_jpeg_reads_valid_with_trained_source_type():
    result = extract(corpus_file(f"{RS}/cai.jpg"), NO_TRUST)
    report = result.c2pa
    assert report.credentials == "valid"
    assert report.state == "Valid"
    assert report.failure_codes == ("signingCredential.untrusted",)
    assert report.active_manifest == "urn:uuid:f3d5636b-1d82-49e4-9abe-632fa9b0d47d"
    (manifest,) = report.manifests
    assert manifest.signer_issuer == "Adobe Inc."
    assert manifest.signer_name == "Adobe Firefly C2PA Stage"
    assert manifest.claim_generator == "Adobe_Firefly adobe_c2pa/0.12.4+sven2 c2pa-rs/0.32.7"
    (action,) = manifest.actions
    assert action.action == "c2pa.created"
    assert action.digital_source_type == IPTC + "trainedAlgorithmicMedia"
    assert action.software_agent == "Adobe Firefly"
    assert action.assertion == "c2pa.actions.v2"
    base = "manifest[urn:uuid:f3d5636b-1d82-49e4-9abe-632fa9b0d47d]/c2pa.actions.v2/actions[0]"
    found = fields(result)
    assert found[f"{base}.digitalSourceType"] == [IPTC + "trainedAlgorithmicMedia"]
    assert found[f"{base}.softwareAgent"] == ["Adobe Firefly"]
    assert found[f"{base}.parameters[com.adobe.firefly.operation]"] == ["text_to_image"]
    assert result.problems == ()


def test_adobe_third_party_model_parameters_in_both_manifests():
    result = extract(corpus_file(f"{RS}/repro-sundae-ice-cream.png", "image/png", "PNG"), NO_TRUST)
    report = result.c2pa
    assert [m.label for m in report.manifests] == [
        "urn:uuid:b5820ce6-3e0f-4e6e-8ad5-e52ccbbe97b6",
        "urn:uuid:7b53519d-d98d-4fd4-9823-39121199fe38",
    ]
    (ingredient,) = report.manifests[0].ingredients
    assert ingredient.relationship == "parentOf"
    assert ingredient.manifest_label == "urn:uuid:7b53519d-d98d-4fd4-9823-39121199fe38"
    for m in report.manifests:
        (action,) = m.actions
        assert action.action == "c2pa.opened"
        assert action.digital_source_type == IPTC + "trainedAlgorithmicMedia"
        assert action.software_agent == "Gemini Flash"  # com.adobe.details: no softwareAgent
        base = f"manifest[{m.label}]/c2pa.actions.v2/actions[0]"
        found = fields(result)
        assert found[f"{base}.parameters[com.adobe.digitalSourceType]"] == [
            IPTC + "trainedAlgorithmicMedia"
        ]
        assert found[f"{base}.parameters[com.adobe.details]"] == ["Gemini Flash"]


def test_remote_manifest_is_reported_not_fetched():
    started = time.monotonic()
    result = extract(corpus_file(f"{RS}/cloud.jpg"), NO_TRUST)
    assert time.monotonic() - started < 5
    report = result.c2pa
    url = (
        "https://cai-manifests.adobe.com/manifests/"
        "adobe-urn-uuid-5f37e182-3687-462e-a7fb-573462780391"
    )
    assert report.credentials == "remote"
    assert report.remote_url == url
    # With fetching on, the SDK tries and says "could not fetch"; off, it refuses up front.
    assert "must fetch remote manifests" in report.error
    assert [(e.field, e.value) for e in result.evidence] == [("remote_manifest", url)]
    assert report.manifests == ()


def test_prerelease_store_is_invalid_with_the_reason():
    result = extract(corpus_file(f"{RS}/prerelease.jpg"), NO_TRUST)
    assert result.c2pa.credentials == "invalid"
    assert "prerelease content detected" in result.c2pa.error
    assert [p.fatal for p in result.problems] == [False]
    assert result.evidence == ()


@pytest.mark.parametrize(
    ("name", "code"),
    [("XCA.jpg", "assertion.dataHash.mismatch"), ("E-sig-CA.jpg", "claimSignature.mismatch")],
)
def test_integrity_failures_make_credentials_invalid(name, code):
    result = extract(corpus_file(f"{RS}/{name}"), NO_TRUST)
    assert result.c2pa.credentials == "invalid"
    assert result.c2pa.state == "Invalid"
    assert result.c2pa.failure_codes == ("signingCredential.untrusted", code)
    assert c2pa_extract.integrity_failures(result.c2pa) == (code,)
    assert [a.action for a in result.c2pa.manifests[0].actions] == [
        "c2pa.opened",
        "c2pa.color_adjustments",
    ]


def test_missing_ingredient_manifest_is_invalid_and_kept_on_the_ingredient():
    rel = "c2pa-org+public-testfiles/image/jpeg/adobe-20220124-E-clm-CAICAI.jpg"
    report = extract(corpus_file(rel), NO_TRUST).c2pa
    assert report.credentials == "invalid"
    assert "ingredient.manifest.missing" in report.failure_codes
    active = report.manifests[0]
    assert active.label == report.active_manifest
    placed = [i for i in active.ingredients if i.title == "CAI.jpg"][0]
    assert placed.relationship == "componentOf"
    assert placed.manifest_label == "contentbeef:urn:uuid:8bb8ad50-ef2f-4f75-b709-a0e302d58019"
    assert placed.validation_codes == ("ingredient.manifest.missing",)
    # The manifest it should have pointed at is still in the store and still summarised.
    assert report.manifests[1].label == "contentauth:urn:uuid:8bb8ad50-ef2f-4f75-b709-a0e302d58019"


@pytest.mark.parametrize(
    ("rel", "mime", "fmt", "codes"),
    [
        (
            "c2pa-org+public-testfiles/image/jpeg/nikon-20221019-building.jpeg",
            "image/mpo",  # a multi-picture JPEG: read as JPEG
            "MPO",
            ("signingCredential.untrusted", "signingCredential.expired"),
        ),
        (
            f"{RS}/IMG_0003_aca.png",
            "image/png",
            "PNG",
            ("signingCredential.untrusted", "signingCredential.expired"),
        ),
        (
            "contentauth+c2pa-rs/sdk/src/identity/tests/fixtures/claim_aggregation/"
            "adobe_connected_identities.jpg",
            "image/jpeg",
            "JPEG",
            ("signingCredential.untrusted", "cawg.ica.did_unavailable"),
        ),
    ],
)
def test_signer_and_identity_problems_alone_do_not_make_invalid(rel, mime, fmt, codes):
    report = extract(corpus_file(rel, mime, fmt), NO_TRUST).c2pa
    assert report.state == "Invalid"  # what the SDK says, kept
    assert report.failure_codes == codes
    assert report.credentials == "valid"


def test_bmff_video_with_two_manifests():
    result = extract(corpus_file(f"{RS}/video1.mp4", "video/mp4", "MP4", "video"), NO_TRUST)
    report = result.c2pa
    assert report.credentials == "valid"
    assert len(report.manifests) == 2
    parent = report.manifests[0].ingredients[0]
    assert (parent.relationship, parent.manifest_label) == ("parentOf", report.manifests[1].label)
    assert report.manifests[1].signer_issuer == "Media Publisher Company"


def test_training_mining_entries_become_evidence():
    rel = (
        "contentauth+c2pa-rs/sdk/src/identity/tests/fixtures/claim_aggregation/"
        "adobe_connected_identities.jpg"
    )
    found = fields(extract(corpus_file(rel), NO_TRUST))
    root = "manifest[urn:uuid:19e83793-4427-4161-b682-a53b975a6f72]"
    assert found[f"{root}/c2pa.training-mining/entries[c2pa.ai_generative_training].use"] == [
        "allowed"
    ]
    assert found[f"{root}/c2pa.soft-binding__1.alg"] == ["com.adobe.icn.dense"]


@pytest.mark.parametrize(
    ("rel", "mime"),
    [
        (f"{RS}/earth_apollo17.jpg", "image/jpeg"),
        (f"{RS}/sample1.wav", "audio/wav"),
        (f"{RS}/video1_no_manifest.mp4", "video/mp4"),
    ],
)
def test_no_manifest_means_no_report(rel, mime):
    result = extract(corpus_file(rel, mime), NO_TRUST)
    assert (result.c2pa, result.evidence, result.problems) == (None, (), ())


# --- files signed here ---------------------------------------------------------------------


def test_trust_anchor_turns_valid_into_trusted(tmp_path):
    ca = session_ca()
    asset = write(tmp_path, "ai.jpg", sign(created("trainedAlgorithmicMedia"), jpeg_bytes()))
    assert extract(asset, NO_TRUST).c2pa.credentials == "valid"
    trusted = extract(asset, ExtractOptions(trust_anchors_pem=anchor(ca))).c2pa
    assert (trusted.credentials, trusted.state, trusted.failure_codes) == ("trusted", "Trusted", ())
    other = anchor(make_ca())
    assert extract(asset, ExtractOptions(trust_anchors_pem=other)).c2pa.credentials == "valid"


def test_contexts_are_built_once_per_trust_configuration():
    pem = anchor(session_ca())
    assert context_for(pem) is context_for(pem)
    assert context_for("") is context_for("")
    assert context_for(pem) is not context_for("")


def test_chatgpt_shape_parent_manifest_is_walked(tmp_path):
    ai = sign(created("trainedAlgorithmicMedia", {"name": "GPT-4o"}), png_bytes(), "image/png")
    outer = {
        "claim_generator_info": [{"name": "ChatGPT"}],
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [{"action": "c2pa.opened", "parameters": {"ingredientIds": ["p"]}}]
                },
            }
        ],
    }
    parent = ({"title": "image.png", "relationship": "parentOf", "label": "p"}, ai, "image/png")
    data = sign(outer, ai, "image/png", ingredients=(parent,))
    result = extract(write(tmp_path, "chatgpt.png", data, "image/png"), NO_TRUST)
    active, inner = result.c2pa.manifests
    assert active.label == result.c2pa.active_manifest
    assert [a.action for a in active.actions] == ["c2pa.opened"]
    assert active.ingredients[0].manifest_label == inner.label
    assert [(a.action, a.software_agent) for a in inner.actions] == [("c2pa.created", "GPT-4o")]
    found = fields(result)
    assert found[f"manifest[{inner.label}]/c2pa.actions.v2/actions[0].softwareAgent"] == ["GPT-4o"]


def test_v1_claim_templates_and_software_agent_index_are_merged(tmp_path):
    manifest = {
        "claim_version": 1,
        "claim_generator_info": [{"name": "TemplateApp"}],
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {
                    "actions": [
                        {"action": "c2pa.created"},
                        {"action": "c2pa.edited", "softwareAgentIndex": 1},
                    ],
                    "templates": [
                        {"action": "*", "digitalSourceType": IPTC + "trainedAlgorithmicMedia"},
                        {"action": "c2pa.edited", "description": "generative fill"},
                    ],
                    "softwareAgents": [{"name": "Agent0"}, {"name": "FillModel", "version": "3"}],
                },
            }
        ],
    }
    data = sign(manifest, jpeg_bytes(), verify_after_sign=False)
    result = extract(write(tmp_path, "t.jpg", data), NO_TRUST)
    (m,) = result.c2pa.manifests
    assert m.claim_generator == "TemplateApp"
    assert [
        (a.action, a.digital_source_type, a.software_agent, a.description) for a in m.actions
    ] == [
        ("c2pa.created", IPTC + "trainedAlgorithmicMedia", "", ""),
        ("c2pa.edited", IPTC + "trainedAlgorithmicMedia", "FillModel", "generative fill"),
    ]
    base = f"manifest[{m.label}]/c2pa.actions.v2/actions[1]"
    found = fields(result)
    assert found[f"{base}.digitalSourceType.from"] == ["templates[0]"]
    assert found[f"{base}.softwareAgent"] == ["FillModel"]
    assert found[f"{base}.softwareAgent.version"] == ["3"]
    assert found[f"{base}.softwareAgent.from"] == ["softwareAgents[1]"]
    assert found[f"{base}.description"] == ["generative fill"]


def test_legacy_and_metadata_assertions_become_evidence(tmp_path):
    manifest = created(
        "digitalCreation",
        "Some Tool 1.0",
        name="LegacyApp",
    )
    manifest["assertions"] += [
        {
            "label": "com.adobe.generative-ai",
            "data": {"description": "Firefly beta", "prompt": "a cat"},
        },
        {
            "label": "stds.iptc",
            "data": {
                "Iptc4xmpExt:DigitalSourceType": {"@id": IPTC + "trainedAlgorithmicMedia"},
                "Iptc4xmpExt:AISystemUsed": ["Midjourney v6", "upscaler"],
                "dc:title": "not collected",
            },
        },
        {
            "label": "c2pa.metadata",
            "data": {
                "@context": {"Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"},
                "Iptc4xmpExt:DigitalSourceType": IPTC + "compositeSynthetic",
            },
        },
    ]
    result = extract(write(tmp_path, "legacy.jpg", sign(manifest, jpeg_bytes())), NO_TRUST)
    root = f"manifest[{result.c2pa.active_manifest}]"
    found = fields(result)
    assert found[f"{root}/com.adobe.generative-ai"] == ["Firefly beta"]
    assert found[f"{root}/com.adobe.generative-ai/prompt"] == ["a cat"]
    assert found[f"{root}/stds.iptc/Iptc4xmpExt:DigitalSourceType"] == [
        IPTC + "trainedAlgorithmicMedia"
    ]
    assert found[f"{root}/stds.iptc/Iptc4xmpExt:AISystemUsed"] == ["Midjourney v6", "upscaler"]
    assert found[f"{root}/c2pa.metadata/Iptc4xmpExt:DigitalSourceType"] == [
        IPTC + "compositeSynthetic"
    ]
    assert not any("dc:title" in f for f in found)
    assert result.c2pa.manifests[0].assertion_labels == (
        "c2pa.actions.v2",
        "com.adobe.generative-ai",
        "stds.iptc",
        "c2pa.metadata",
    )


def test_the_reader_hands_values_whole_and_the_analysis_caps_them(tmp_path):
    """The rules must see a whole value (a marker after the 8,192nd character counts); the
    report keeps it capped, with a visible mark."""
    from scanner.engine.analyse import AnalyseOptions, analyse

    manifest = created("trainedAlgorithmicMedia", "x" * 50_000)
    asset = write(tmp_path, "big.jpg", sign(manifest, jpeg_bytes()))
    result = extract(asset, NO_TRUST)
    (agent,) = [e.value for e in result.evidence if e.field.endswith(".softwareAgent")]
    assert agent == "x" * 50_000
    assert len(result.c2pa.manifests[0].actions[0].software_agent) < MAX_VALUE_CHARS + 40
    analysed = analyse(asset, AnalyseOptions(fingerprints=False))
    (kept,) = [e.value for e in analysed.evidence if e.field.endswith(".softwareAgent")]
    assert kept.startswith("x" * MAX_VALUE_CHARS)
    assert kept.endswith(f"[cut at {MAX_VALUE_CHARS} of 50000 chars]")
    assert analysed.truncated == ()  # a cut value is not a cut report: the value says so


def test_tampered_pixels_invalid_but_claims_still_read(tmp_path):
    data = bytearray(sign(created("trainedAlgorithmicMedia", "Gen"), jpeg_bytes()))
    data[-100] ^= 0xFF  # inside the entropy-coded image data, before EOI
    result = extract(write(tmp_path, "tampered.jpg", bytes(data)), NO_TRUST)
    assert result.c2pa.credentials == "invalid"
    assert result.c2pa.failure_codes == (
        "signingCredential.untrusted",
        "assertion.dataHash.mismatch",
    )
    assert (
        result.c2pa.manifests[0].actions[0].digital_source_type.endswith("trainedAlgorithmicMedia")
    )


def test_broken_jumbf_header_is_an_unreadable_store(tmp_path):
    data = bytearray(sign(created("trainedAlgorithmicMedia"), jpeg_bytes()))
    app11 = data.find(b"\xff\xeb")
    for i in range(8):
        data[app11 + 20 + i] ^= 0xFF
    result = extract(write(tmp_path, "jumbf.jpg", bytes(data)), NO_TRUST)
    assert result.c2pa.credentials == "invalid"
    assert result.c2pa.error == "unreadable manifest store: Verify: expected JUMD"
    # Fatal: the broken store said trainedAlgorithmicMedia; the asset must be an error.
    assert [(p.source, p.fatal) for p in result.problems] == [("c2pa", True)]


def test_container_the_sdk_cannot_parse_is_a_fatal_problem(tmp_path):
    data = sign(created("trainedAlgorithmicMedia"), png_bytes(), "image/png")
    result = extract(write(tmp_path, "cut.png", data[:-12], "image/png"), NO_TRUST)  # no IEND
    assert result.c2pa is None
    (problem,) = result.problems
    assert problem.fatal and problem.source == "c2pa"
    assert "could not parse" in problem.message


def test_unsupported_or_unknown_types_are_not_read(tmp_path):
    path = tmp_path / "clip.mxf"
    path.write_bytes(b"\x06\x0e\x2b\x34" + b"\x00" * 100)
    assert extract(media(path, "application/mxf", "MXF", "video"), NO_TRUST) == Extracted()
    assert reader_mime("application/mxf") == ""
    assert reader_mime("image/mpo") == "image/jpeg"
    assert reader_mime("VIDEO/MP4") == "video/mp4"
    assert reader_mime("") == ""


@pytest.mark.parametrize(
    ("state", "failures", "successes", "expected"),
    [
        ("Valid", ["signingCredential.untrusted"], [], "valid"),
        ("Trusted", [], [], "trusted"),
        ("Invalid", ["signingCredential.expired", "signingCredential.untrusted"], [], "valid"),
        ("Invalid", ["signingCredential.expired"], ["signingCredential.trusted"], "trusted"),
        ("Invalid", ["cawg.ica.did_unavailable"], [], "valid"),
        ("Invalid", ["timeStamp.mismatch", "claimSignature.outsideValidity"], [], "valid"),
        ("Invalid", ["assertion.bmffHash.mismatch"], [], "invalid"),
        ("Trusted", ["ingredient.manifest.mismatch"], [], "invalid"),
        # Signer-certificate problems are not tampering (issue 14): valid, with review reasons.
        ("Invalid", ["signingCredential.ocsp.revoked"], [], "valid"),
        ("Invalid", ["signingCredential.untrusted", "signingCredential.invalid"], [], "valid"),
        ("Invalid", ["signingCredential.invalid", "assertion.dataHash.mismatch"], [], "invalid"),
        ("Invalid", ["some.future.code"], [], "invalid"),
        ("Invalid", [], [], "invalid"),
        ("", [], [], "invalid"),
    ],
)
def test_credentials_decision(state, failures, successes, expected):
    assert decide_credentials(state, failures, successes) == expected


NETWORK_SYSCALL = re.compile(r"\b(connect|sendto|sendmsg|sendmmsg)\(.*sa_family=AF_INET6?\b")
READ_ONE = """
import json, sys
from pathlib import Path
import c2pa
from scanner.discover.media import MediaFile
from scanner.extract.c2pa import extract
from scanner.extract.interface import ExtractOptions
path = Path(sys.argv[2])
if sys.argv[1] == "scanner":
    media = MediaFile(path, path.name, "image/jpeg", "JPEG", "image", 1)
    with open(path, "rb") as handle:
        result = extract(media, handle, ExtractOptions())
    print(result.c2pa.failure_codes)
else:  # control: the SDK with only fetch/OCSP off, as DESIGN.md first described it
    ctx = c2pa.Context.from_dict({"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}})
    reader = c2pa.Reader.try_create("image/jpeg", open(path, "rb"), context=ctx)
    print(json.loads(reader.json())["validation_state"])
"""


def _network_calls(mode: str, path: Path, tmp_path: Path) -> list[str]:
    trace = tmp_path / f"{mode}.trace"
    subprocess.run(
        ["strace", "-f", "-e", "trace=network", "-o", str(trace), sys.executable, "-c", READ_ONE,
         mode, str(path)],
        check=True, capture_output=True, timeout=120, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    return [ln for ln in trace.read_text().splitlines() if NETWORK_SYSCALL.search(ln)]


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_cawg_identity_check_makes_no_dns_lookup(tmp_path):
    path = corpus_file(
        "contentauth+c2pa-rs/sdk/src/identity/tests/fixtures/claim_aggregation/"
        "adobe_connected_identities.jpg"
    ).path
    if not _network_calls("control", path, tmp_path):
        pytest.skip("no resolver here: the control cannot show a look-up")
    assert _network_calls("scanner", path, tmp_path) == []


def test_files_too_big_to_hash_in_memory_are_read_unverified(tmp_path, monkeypatch):
    data = sign(created("trainedAlgorithmicMedia", "BigGen"), jpeg_bytes())
    asset = write(tmp_path, "big.jpg", data)
    monkeypatch.setattr(c2pa_extract, "MAX_VERIFIED_BYTES", len(data) - 1)
    result = extract(asset, NO_TRUST)
    report = result.c2pa
    assert (report.credentials, report.state, report.failure_codes) == ("invalid", "", ())
    assert report.error.startswith("C2PA signature and hashes not verified: the file (0 MiB)")
    assert [(p.message, p.fatal) for p in result.problems] == [(report.error, False)]
    assert report.manifests[0].actions[0].software_agent == "BigGen"  # the claims still count
    monkeypatch.setattr(c2pa_extract, "MAX_VERIFIED_BYTES", len(data))
    assert extract(asset, NO_TRUST).c2pa.credentials == "valid"


def test_a_trusted_ingredient_does_not_make_the_asset_trusted(tmp_path):
    trusted_ca, other_ca = session_ca(), make_ca()
    parent = sign(created("trainedAlgorithmicMedia"), jpeg_bytes(), ca=trusted_ca)
    outer = {
        "claim_generator_info": [{"name": "Editor"}],
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [{"action": "c2pa.opened", "parameters": {"ingredientIds": ["p"]}}]
                },
            }
        ],
    }
    data = sign(
        outer,
        parent,
        ingredients=(
            ({"title": "p.jpg", "relationship": "parentOf", "label": "p"}, parent, "image/jpeg"),
        ),
        ca=other_ca,
    )
    report = extract(write(tmp_path, "mixed.jpg", data), ExtractOptions(anchor(trusted_ca))).c2pa
    assert report.state == "Valid"
    assert report.failure_codes == ("signingCredential.untrusted",)
    assert report.credentials == "valid"


def test_an_sdk_that_cannot_list_its_types_fails_every_asset_loudly(tmp_path, monkeypatch):
    """A failure to ask the SDK which types it reads used to be cached as "reads nothing", so
    every file silently came out credentials `absent`. Now each asset says why it could not be
    read for credentials (fatal: an error finding), and the next asset asks the SDK again."""
    from fixtures.factory import camera_jpeg
    from scanner.engine.analyse import AnalyseOptions, analyse

    path = tmp_path / "a.jpg"
    camera_jpeg(path, 1, {"Make": "Canon"}, "2026:01:02 03:04:05")
    media_file = media(path, "image/jpeg", "JPEG", "image")
    calls = []

    def broken() -> list[str]:
        calls.append(1)
        raise RuntimeError("library mismatch")

    monkeypatch.setattr(c2pa_extract, "_supported", None)
    monkeypatch.setattr(c2pa_extract.c2pa_sdk.Reader, "get_supported_mime_types", broken)
    for _ in range(2):
        result = analyse(media_file, AnalyseOptions(fingerprints=False))
        fatal = [p for p in result.problems if p.fatal and p.source == "c2pa"]
        assert fatal and "library mismatch" in fatal[0].message, result.problems
    assert len(calls) == 2
    monkeypatch.setattr(c2pa_extract, "_supported", None)  # let the real SDK answer again
