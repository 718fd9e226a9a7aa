"""A vendor cannot hide an AI marker past a reader's limit (issue 12, item 1).

Each case of the issue is built here the way a vendor would build it. Every one came out
`clean` (exit 0) before; now the reader either reaches the marker (the asset is AI material)
or says which limit stopped it (the asset is `not-inspected`, an error): never clean.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from fixtures import past_caps
from fixtures.hostile import scan_command
from scanner.discover.media import MediaFile
from scanner.discover.sniff import sniff
from scanner.engine.analyse import AnalyseOptions, analyse
from scanner.extract import c2pa as c2pa_reader
from scanner.model import AssetAnalysis
from scanner.policy.areas import DEFAULT_POLICY
from scanner.policy.decide import decide
from tests.c2pa_helpers import IPTC, created, jpeg_bytes, sign


def analysed(path: Path) -> AssetAnalysis:
    data = path.read_bytes()
    found = sniff(data[:65536])
    assert found is not None
    media = MediaFile(path, path.name, found.media_type, found.format, found.kind, len(data))
    return analyse(media, AnalyseOptions(fingerprints=False))


def status_and_codes(analysis: AssetAnalysis) -> tuple[str, list[str]]:
    finding = decide(
        analysis, area="final", matches=(), approvals_by_id={}, as_of=date(2026, 11, 1)
    )
    return finding.status, [r.code for r in finding.reasons]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def the_257th_action() -> bytes:
    actions = [{"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture"}]
    actions += [{"action": "c2pa.edited"}] * 255
    actions += [{"action": "c2pa.edited", "digitalSourceType": IPTC + "trainedAlgorithmicMedia"}]
    manifest = created("digitalCapture", name="Editor")
    manifest["assertions"] = [{"label": "c2pa.actions", "data": {"actions": actions}}]
    return sign(manifest, jpeg_bytes())


# --- the marker is now reached -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data",
    [
        ("a1111_after_500_chunks.png", lambda: past_caps.png_parameters_after_text_chunks(600)),
        ("dst_after_500_xmp.jpg", lambda: past_caps.jpeg_xmp_after_junk_properties(600)),
        ("dst_in_second_xmp.jpg", past_caps.jpeg_xmp_in_second_packet),
    ],
)
def test_a_marker_past_an_old_cap_is_found(tmp_path: Path, name: str, data) -> None:  # noqa: ANN001
    analysis = analysed(write(tmp_path, name, data()))
    assert analysis.assessment.ai == "generated", analysis.assessment
    assert status_and_codes(analysis) == ("violation", ["unapproved-ai"])


def test_the_257th_c2pa_action_counts(tmp_path: Path) -> None:
    analysis = analysed(write(tmp_path, "a257.jpg", the_257th_action()))
    assert analysis.assessment.ai == "composite"
    # The report keeps 256 of them and says so; the decision saw all 257.
    (cut,) = analysis.truncated
    assert cut.startswith("C2PA manifest ") and cut.endswith("actions: 256 of 257 kept")
    assert status_and_codes(analysis) == ("violation", ["unapproved-ai", "evidence-truncated"])


@pytest.mark.slow
def test_an_ai_ingredient_past_the_64th_manifest_counts(tmp_path: Path) -> None:
    plain = created("digitalCapture", name="Camera")
    ingredients = [
        (
            {"title": f"plate{i}.jpg", "relationship": "componentOf"},
            sign(plain, jpeg_bytes((i, 9, 9))),
            "image/jpeg",
        )
        for i in range(69)
    ]
    generated = sign(created("trainedAlgorithmicMedia", name="GenAI"), jpeg_bytes((5, 200, 5)))
    ingredients.append(
        ({"title": "genai.jpg", "relationship": "componentOf"}, generated, "image/jpeg")
    )
    data = sign(
        created("digitalCapture", name="Compositor"), jpeg_bytes(), ingredients=tuple(ingredients)
    )
    analysis = analysed(write(tmp_path, "composite.jpg", data))
    assert analysis.assessment.ai == "composite"
    assert analysis.assessment.generators == ("GenAI",)
    # The report keeps 64 manifests and says it cut the rest; the decision saw all 71.
    assert analysis.truncated == ("C2PA manifests: 64 of 71 kept",)
    assert status_and_codes(analysis) == ("violation", ["unapproved-ai", "evidence-truncated"])


# --- the reader stops at a limit and says so -------------------------------------------------


@pytest.mark.parametrize(
    "name, data, limit",
    [
        (
            "bombs_first.png",
            lambda: past_caps.png_parameters_after_bombs(40),
            "decompression budget",
        ),
        (
            "100k_boxes.mp4",
            lambda: past_caps.mp4_xmp_after_boxes(100_001),
            "more than 100,000 boxes",
        ),
        (
            "100k_properties.png",
            lambda: past_caps.png_xmp_after_junk_properties(100_001),
            "100,000 properties",
        ),
    ],
)
def test_a_marker_past_a_current_limit_makes_the_asset_not_inspected(
    tmp_path: Path,
    name: str,
    data,
    limit: str,  # noqa: ANN001
) -> None:
    analysis = analysed(write(tmp_path, name, data()))
    assert analysis.not_inspected
    status, codes = status_and_codes(analysis)
    assert status == "error" and "not-inspected" in codes and "no-ai-signal" not in codes
    finding = decide(
        analysis, area="final", matches=(), approvals_by_id={}, as_of=date(2026, 11, 1)
    )
    detail = next(r.detail for r in finding.reasons if r.code == "not-inspected")
    assert "limit reached" in detail and limit in detail


def test_a_store_over_the_read_limit_is_not_inspected_not_valid(
    tmp_path: Path, monkeypatch
) -> None:  # noqa: ANN001
    """The SDK's builder refuses manifest JSON over about 1 MB, so a real store over the 64 MiB
    provscan reads can only come from ~70 chained generations: the limit is lowered here to
    exercise the same path on a real signed file."""
    monkeypatch.setattr(c2pa_reader, "MAX_STORE_JSON_CHARS", 2_000)
    path = write(tmp_path, "big_store.jpg", sign(created("trainedAlgorithmicMedia"), jpeg_bytes()))
    analysis = analysed(path)
    assert analysis.not_inspected and analysis.assessment.ai == "none"
    status, codes = status_and_codes(analysis)
    assert status == "error" and codes[0] == "not-inspected"
    assert "its claims (AI or capture) were not read" in analysis.c2pa.error


def test_the_adversarial_files_in_one_delivery_fail_the_gate(tmp_path: Path) -> None:
    """The issue's delivery of such files exited 0; every one of them now fails the gate."""
    delivery = tmp_path / "delivery" / "final"
    delivery.mkdir(parents=True)
    files = {
        "a1111.png": past_caps.png_parameters_after_text_chunks(600),
        "bombs.png": past_caps.png_parameters_after_bombs(40),
        "junk_xmp.jpg": past_caps.jpeg_xmp_after_junk_properties(600),
        "second_xmp.jpg": past_caps.jpeg_xmp_in_second_packet(),
        "boxes.mp4": past_caps.mp4_xmp_after_boxes(100_001),
        "properties.png": past_caps.png_xmp_after_junk_properties(100_001),
        "action_257.jpg": the_257th_action(),
    }
    for name, data in files.items():
        (delivery / name).write_bytes(data)
    out = tmp_path / "out"
    done = subprocess.run(scan_command(delivery.parent, out), capture_output=True, timeout=600)
    assert done.returncode == 1, done.stderr.decode()
    doc = json.loads((out / "provscan.json").read_text())
    statuses = {a["path"]: a["status"] for a in doc["assets"]}
    assert set(statuses) == {f"final/{name}" for name in files}
    assert "clean" not in statuses.values(), statuses


def test_the_c2pa_sdk_is_not_walked_through_a_box_flood(tmp_path: Path) -> None:
    """60,000 empty boxes: our reader walks them and finds the XMP marker, but the C2PA SDK
    (whose time grows with the square of the box count: 100,000 took 119 s) is not asked; the
    credentials are then unknown, and the asset says so."""
    analysis = analysed(write(tmp_path, "flood.mp4", past_caps.mp4_xmp_after_boxes(60_000)))
    assert analysis.assessment.ai == "generated"
    (c2pa_limit,) = [p for p in analysis.problems if p.source == "c2pa"]
    assert c2pa_limit.incomplete and "more than 50,000 boxes" in c2pa_limit.message
    assert status_and_codes(analysis) == ("violation", ["unapproved-ai", "not-inspected"])


# --- the gatekeeper's policy may make not-inspected a review, never clean --------------------


def test_the_policy_may_make_not_inspected_a_review(tmp_path: Path) -> None:
    from scanner.policy.load import parse_policy

    policy = parse_policy('[gate]\nnot_inspected = "review"\n', "policy.toml")
    path = write(tmp_path, "100k_boxes.mp4", past_caps.mp4_xmp_after_boxes(100_001))
    analysis = analysed(path)
    finding = decide(
        analysis,
        area="final",
        matches=(),
        approvals_by_id={},
        as_of=date(2026, 11, 1),
        overrides=policy.overrides,
    )
    assert (finding.status, [r.code for r in finding.reasons]) == ("review", ["not-inspected"])


@pytest.mark.parametrize(
    "text, message",
    [
        ('[gate]\nnot_inspected = "clean"\n', '\'gate.not_inspected\' must be "error" or "review"'),
        ('[gate]\nunreadable = "review"\n', "unknown key 'gate.unreadable'"),
    ],
)
def test_the_policy_cannot_make_not_inspected_pass(text: str, message: str) -> None:
    from scanner.errors import ConfigError
    from scanner.policy.load import parse_policy

    with pytest.raises(ConfigError, match=message):
        parse_policy(text, "policy.toml")


def test_glob_matching_past_its_bound_makes_the_asset_not_inspected(tmp_path: Path) -> None:
    """Matching an asset's path against the globs has a time bound too (a backstop: globs are
    linear); past it, which area and approval apply is unknown, and the asset says so."""
    from scanner.scan import ScanConfig, scan_delivery

    delivery = tmp_path / "delivery"
    delivery.mkdir()
    (delivery / "a.png").write_bytes(past_caps.png_parameters_after_text_chunks(0))
    config = ScanConfig(policy=DEFAULT_POLICY, as_of=date(2026, 11, 1), match_seconds=-1.0)
    with scan_delivery(delivery, config) as result:
        (asset,) = result.assets
    assert asset.finding.status == "violation"  # the AI it holds is still seen
    codes = [r.code for r in asset.finding.reasons]
    assert codes == ["unapproved-ai", "not-inspected"]
    detail = asset.finding.reasons[1].detail
    assert detail.startswith("policy: limit reached:") and "a.png" in detail
