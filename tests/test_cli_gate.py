"""The gate end to end: `provscan scan` on deliveries generated here, one test per reason code
and per exit code, asserting status, reasons and the approval used.

Real files only: C2PA-signed stills from the fixture CA, generator metadata written the way the
tools write it, truncated and empty files. Registers are written as CSV text in each test.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures import factory
from scanner.cli import cli

AS_OF = "2026-11-01"
HEADER = (
    "request_id,status,scope,paths,sha256,c2pa_manifest,tools,talent_likeness,"
    "written_approval_ref,archival_use,approved_by,approved_on,expires_on"
)
POLICY = '[areas]\nfinal = ["final/**"]\ntemporary = ["temp/**"]\narchival = ["archival/**"]\n'


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory):
    return factory.make_ca(tmp_path_factory.mktemp("ca"))


class Scan:
    def __init__(self, exit_code: int, output: str, doc: dict | None) -> None:
        self.exit_code = exit_code
        self.output = output
        self.doc = doc

    def asset(self, path: str) -> dict:
        assert self.doc is not None, self.output
        for asset in self.doc["assets"]:
            if asset["path"] == path:
                return asset
        raise AssertionError(f"{path} not in the report: {[a['path'] for a in self.doc['assets']]}")

    def verdict(self, path: str) -> tuple[str, list[str], str | None]:
        asset = self.asset(path)
        return asset["status"], [r["code"] for r in asset["reasons"]], asset["approval"]


@pytest.fixture
def scan(tmp_path: Path, ca) -> Callable[..., Scan]:
    # The gatekeeper trusts the vendor's CA (as the demo does): these tests are about the
    # register and the policy, not about who signed (tests/test_signers.py is).
    anchors = tmp_path / "vendor-root.pem"
    anchors.write_bytes(ca.root_pem)

    def run(delivery: Path, rows: list[str], *extra: str, policy: bool = True) -> Scan:
        register = tmp_path / "register.csv"
        register.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        policy_file = tmp_path / "policy.toml"  # the gatekeeper's: outside the delivery
        if policy:
            policy_file.write_text(POLICY, encoding="utf-8")
        out = tmp_path / "out"
        args = ["scan", str(delivery), "--approvals", str(register), "--as-of", AS_OF,
                *(["--policy", str(policy_file)] if policy_file.exists() else []),
                "--format", "json", "-o", str(out), "--no-cache", "-j", "1", "-q",
                "--trust-anchors", str(anchors), *extra]  # fmt: skip
        result = CliRunner().invoke(cli, args)
        report = out / "provscan.json"
        doc = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
        return Scan(result.exit_code, result.output, doc)

    return run


@pytest.fixture
def delivery(tmp_path: Path) -> Path:
    root = tmp_path / "delivery"
    root.mkdir()
    return root


def firefly_still(delivery: Path, ca, rel: str = "final/stills/hero.jpg", seed: int = 7) -> Path:
    return factory.ai_still(delivery / rel, ca, seed=seed)


# --- exit 0 ------------------------------------------------------------------------------------


def test_clean_delivery_exits_0(scan, delivery: Path) -> None:
    factory.camera_jpeg(delivery / "final/stills/cam.jpg", 101, factory.CAMERA_CANON,
                        "2026:03:14 10:22:01")  # fmt: skip
    result = scan(delivery, [])
    assert result.exit_code == 0, result.output
    assert result.verdict("final/stills/cam.jpg") == ("clean", ["no-ai-signal"], None)


def test_approved_ai_exits_0_and_names_the_approval(scan, delivery: Path, ca) -> None:
    firefly_still(delivery, ca)
    result = scan(
        delivery,
        ["GENAI-1,approved,final,final/stills/hero*.jpg,,,Adobe Firefly,,WA-1,,Jo,2026-01-01,"],
    )
    assert result.exit_code == 0, result.output
    assert result.verdict("final/stills/hero.jpg") == ("approved", ["approved"], "GENAI-1")
    assert result.asset("final/stills/hero.jpg")["matches"] == [
        {"request_id": "GENAI-1", "matched_by": "path", "detail": "final/stills/hero*.jpg"}
    ]
    assert result.doc["unused_approvals"] == []


def test_ai_in_temporary_area_is_clean(scan, delivery: Path) -> None:
    factory.comfyui_png(delivery / "temp/previs/frame.png")
    result = scan(delivery, [])
    assert result.exit_code == 0, result.output
    assert result.verdict("temp/previs/frame.png") == ("clean", ["temporary-material"], None)


# --- exit 1: one test per violation reason -----------------------------------------------------


def test_unapproved_ai(scan, delivery: Path) -> None:
    factory.a1111_png(delivery / "final/stills/sd.png")
    result = scan(delivery, [])
    assert result.exit_code == 1
    assert result.verdict("final/stills/sd.png") == ("violation", ["unapproved-ai"], None)


def test_approval_not_granted_for_pending_denied_and_revoked(scan, delivery: Path) -> None:
    factory.a1111_png(delivery / "final/stills/a1111.png")
    factory.comfyui_png(delivery / "final/stills/comfyui.png")
    factory.xmp_only_ai_jpeg(delivery / "final/stills/xmp.jpg")
    result = scan(
        delivery,
        [
            "GENAI-3,denied,final,final/stills/a1111.png,,,,,,,,,",
            "GENAI-4,pending,final,final/stills/comfyui.png,,,,,,,,,",
            "GENAI-5,revoked,final,final/stills/xmp.jpg,,,,,WA-5,,,,",
        ],
    )
    assert result.exit_code == 1
    for path, rid, status in [
        ("final/stills/a1111.png", "GENAI-3", "denied"),
        ("final/stills/comfyui.png", "GENAI-4", "pending"),
        ("final/stills/xmp.jpg", "GENAI-5", "revoked"),
    ]:
        assert result.verdict(path) == ("violation", ["approval-not-granted"], rid)
        assert result.asset(path)["reasons"][0]["detail"] == f"{rid} is {status}"


def test_approval_expired_and_as_of_reproduces_an_earlier_scan(scan, delivery: Path) -> None:
    factory.exif_software_generator_jpeg(delivery / "final/stills/fooocus.jpg")
    rows = ["GENAI-6,approved,final,final/stills/*.jpg,,,Fooocus,,WA-6,,,2026-01-05,2026-06-30"]
    result = scan(delivery, rows)
    assert result.exit_code == 1
    assert result.verdict("final/stills/fooocus.jpg") == (
        "violation",
        ["approval-expired"],
        "GENAI-6",
    )
    earlier = scan(delivery, rows, "--as-of", "2026-06-30")
    assert earlier.exit_code == 0, earlier.output
    assert earlier.verdict("final/stills/fooocus.jpg") == ("approved", ["approved"], "GENAI-6")


def test_tool_not_approved(scan, delivery: Path, ca) -> None:
    firefly_still(delivery, ca)
    result = scan(delivery, ["GENAI-7,approved,final,final/**,,,Midjourney,,WA-7,,,,"])
    assert result.exit_code == 1
    assert result.verdict("final/stills/hero.jpg") == (
        "violation",
        ["tool-not-approved"],
        "GENAI-7",
    )


def test_temporary_scope_in_final_without_written_approval(scan, delivery: Path, ca) -> None:
    firefly_still(delivery, ca)
    result = scan(delivery, ["GENAI-8,approved,temporary,final/**;temp/**,,,,,,,,,"])
    assert result.exit_code == 1
    assert result.verdict("final/stills/hero.jpg") == (
        "violation",
        ["temporary-in-final", "missing-written-approval"],
        "GENAI-8",
    )


def test_ai_in_archival_unless_the_approval_allows_archival_use(scan, delivery: Path, ca) -> None:
    factory.archival_ai_still(delivery / "archival/photo_1971.jpg", ca, factory.ai_xmp(),
                              seed=82, tool="Adobe Firefly")  # fmt: skip
    factory.archival_jpeg(delivery / "archival/photo_1962.jpg", 81)
    result = scan(delivery, ["GENAI-9,approved,final,archival/*.jpg,,,,,WA-9,no,,,"])
    assert result.exit_code == 1
    assert result.verdict("archival/photo_1971.jpg") == ("violation", ["ai-in-archival"], "GENAI-9")
    assert result.verdict("archival/photo_1962.jpg") == ("clean", ["no-ai-signal"], None)
    assert result.asset("archival/photo_1971.jpg")["area"] == "archival"

    allowed = scan(delivery, ["GENAI-9,approved,final,archival/*.jpg,,,,,WA-9,yes,,,"])
    assert allowed.exit_code == 0, allowed.output
    assert allowed.verdict("archival/photo_1971.jpg") == ("approved", ["approved"], "GENAI-9")


# --- review: exit 0, or 1 with --strict --------------------------------------------------------


def test_credentials_invalid_is_review_and_strict_fails_it(scan, delivery: Path, ca) -> None:
    hero = firefly_still(delivery, ca)
    factory.tampered_copy(hero, delivery / "final/stills/hero_tampered.jpg")
    hero.unlink()
    rows = ["GENAI-1,approved,final,final/stills/hero*.jpg,,,Adobe Firefly,,WA-1,,,,"]
    result = scan(delivery, rows)
    assert result.exit_code == 0, result.output
    assert result.verdict("final/stills/hero_tampered.jpg") == (
        "review",
        ["credentials-invalid", "approved"],
        "GENAI-1",
    )
    assert scan(delivery, rows, "--strict").exit_code == 1


# --- exit 3 and exit 2 -------------------------------------------------------------------------


def test_unreadable_files_exit_3(scan, delivery: Path, tmp_path: Path) -> None:
    source = factory.plain_jpeg(tmp_path / "whole.jpg", 71)
    factory.truncated_copy(source, delivery / "final/broken/truncated.jpg", keep=0.5)
    factory.empty(delivery / "final/broken/empty.png")
    factory.plain_jpeg(delivery / "final/stills/ok.jpg", 72)
    result = scan(delivery, [])
    assert result.exit_code == 3, result.output
    for path in ("final/broken/truncated.jpg", "final/broken/empty.png"):
        status, codes, approval = result.verdict(path)
        assert (status, approval) == ("error", None)
        assert codes == ["unreadable"]


def test_a_violation_beats_unreadable_for_the_exit_code(scan, delivery: Path) -> None:
    factory.empty(delivery / "final/broken/empty.png")
    factory.a1111_png(delivery / "final/stills/sd.png")
    assert scan(delivery, []).exit_code == 1


def test_bad_register_exits_2_and_scans_nothing(scan, delivery: Path) -> None:
    factory.a1111_png(delivery / "final/stills/sd.png")
    result = scan(delivery, ["GENAI-1,approved,final,final/**,,,,,,,,2026-02-30,"])
    assert result.exit_code == 2
    assert "row 2, field 'approved_on'" in result.output
    assert result.doc is None


@pytest.mark.parametrize("flag", ["--known-ai", "--archive-source"])
def test_a_fingerprint_library_without_fingerprints_exits_2(
    scan, delivery: Path, tmp_path: Path, flag: str
) -> None:
    """A library is matched by fingerprints: with --no-fingerprints it checked nothing and the
    scan passed (found in review)."""
    factory.plain_jpeg(delivery / "final/stills/plate.jpg", 3)
    factory.plain_jpeg(tmp_path / "library" / "plate.jpg", 3)
    result = scan(delivery, [], flag, str(tmp_path / "library"), "--no-fingerprints")
    assert result.exit_code == 2
    assert f"{flag} compares fingerprints: drop --no-fingerprints" in result.output
    assert result.doc is None


def test_bad_policy_file_exits_2(scan, delivery: Path, tmp_path: Path) -> None:
    factory.a1111_png(delivery / "final/stills/sd.png")
    (tmp_path / "policy.toml").write_text('[areas]\nfinale = ["x/**"]\n', encoding="utf-8")
    result = scan(delivery, [], policy=False)
    assert result.exit_code == 2
    assert "policy.toml: unknown key 'areas.finale'" in result.output
    assert result.doc is None


# --- matching scenarios through the CLI --------------------------------------------------------


def test_reexport_glob_hash_move_and_other_tool(scan, delivery: Path, ca, tmp_path: Path) -> None:
    """The acceptance scenarios: a re-export stays approved by glob, the same bytes moved are
    matched by hash, and the approval for one tool does not cover another tool's output."""
    approved = factory.ai_still(tmp_path / "hero_v001.jpg", ca, seed=7)
    digest = hashlib.sha256(approved.read_bytes()).hexdigest()
    factory.ai_still(delivery / "final/stills/hero_v002.jpg", ca, seed=17)  # re-export
    moved = delivery / "final/posters/key_art.jpg"
    moved.parent.mkdir(parents=True)
    moved.write_bytes(approved.read_bytes())
    factory.ai_still(delivery / "final/stills/hero_v003.jpg", ca, "Midjourney",
                     tool_version="6.1", seed=27)  # fmt: skip
    result = scan(
        delivery,
        [f"GENAI-1,approved,final,final/stills/hero_v*.jpg,{digest},,Adobe Firefly,,WA-1,,,,"],
    )
    assert result.verdict("final/stills/hero_v002.jpg") == ("approved", ["approved"], "GENAI-1")
    assert result.asset("final/stills/hero_v002.jpg")["matches"][0]["matched_by"] == "path"
    assert result.verdict("final/posters/key_art.jpg") == ("approved", ["approved"], "GENAI-1")
    assert result.asset("final/posters/key_art.jpg")["matches"][0]["matched_by"] == "sha256"
    assert result.verdict("final/stills/hero_v003.jpg") == (
        "violation",
        ["tool-not-approved"],
        "GENAI-1",
    )
    assert result.exit_code == 1


def test_c2pa_manifest_match_wins_over_a_denied_glob(scan, delivery: Path, ca) -> None:
    hero = firefly_still(delivery, ca)
    label = factory.read_store(hero)["active_manifest"]
    result = scan(
        delivery,
        [
            "GENAI-1,denied,final,final/**,,,,,,,,,",
            f"GENAI-2,approved,final,,,{label},,,WA-2,,,,",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.verdict("final/stills/hero.jpg") == ("approved", ["approved"], "GENAI-2")
    matches = result.asset("final/stills/hero.jpg")["matches"]
    assert [(m["request_id"], m["matched_by"]) for m in matches] == [
        ("GENAI-2", "c2pa_manifest"),
        ("GENAI-1", "path"),
    ]


def test_unused_approvals_are_listed_once(scan, delivery: Path, ca) -> None:
    firefly_still(delivery, ca)
    factory.plain_jpeg(delivery / "final/stills/plain.jpg", 5)
    result = scan(
        delivery,
        [
            "GENAI-1,approved,final,final/stills/hero.jpg,,,,,WA-1,,,,",
            "GENAI-2,approved,final,final/trailer/**,,,,,WA-2,,,,",
            "GENAI-3,pending,final,final/stills/plain.jpg,,,,,,,,,",
        ],
    )
    assert result.doc["unused_approvals"] == ["GENAI-2", "GENAI-3"]


# --- the sample delivery: the demo shows every status ------------------------------------------

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "fixtures" / "delivery"
# the locked cut's three reels (the sample policy makes the cut final)
SAMPLE_CUT = [
    *(arg for name in ("reel1.edl", "reel2.xml", "reel3.otio")
      for arg in ("--timeline", str(REPO / "fixtures" / "timelines" / name))),
    "--timeline-rate", "24",
]  # fmt: skip
SAMPLE_VERDICTS = {
    "final/stills/ai_still.jpg": ("approved", ["approved"], "GENAI-0001"),
    "final/stills/ai_still_tampered.jpg": (
        "review", ["credentials-invalid", "approved"], "GENAI-0001",
    ),
    "final/video/iptc_xmp.mov": ("approved", ["approved"], "GENAI-0002"),
    "final/stills/a1111.png": ("violation", ["approval-not-granted"], "GENAI-0003"),
    "final/stills/comfyui.png": ("violation", ["approval-not-granted"], "GENAI-0004"),
    "final/stills/xmp_only_ai.jpg": ("violation", ["approval-not-granted"], "GENAI-0005"),
    "final/stills/exif_generator.jpg": ("violation", ["approval-expired"], "GENAI-0006"),
    "final/stills/composite_with_ai.jpg": ("violation", ["tool-not-approved"], "GENAI-0007"),
    # the policy makes the cut final: the Sora animatic is in no reel (and final/video/ is in
    # no final pattern), the Runway shot plays in reel 1 with no approval
    "final/video/ai_h264.mp4": ("clean", ["not-in-cut"], "GENAI-0008"),
    "final/video/ai_prores.mov": ("violation", ["ai-in-final-cut"], None),
    "archival/photo_1971_ai.jpg": ("violation", ["ai-in-archival"], "GENAI-0009"),
    "archival/photo_1962.jpg": ("clean", ["no-ai-signal"], None),
    "temp/previs/previs_ai.png": ("clean", ["temporary-material"], "GENAI-0010"),
    "temp/previs/moodboard_ai.jpg": ("clean", ["temporary-material"], "GENAI-0010"),
    "final/broken/truncated.jpg": ("error", ["unreadable"], None),
    "final/broken/empty.png": ("error", ["unreadable"], None),
    # studio formats (issue 15): each frame sequence is one asset; a ComfyUI graph in two EXR
    # frames' headers; the rest is read and clean (the DPX frame cut from a known-AI plate
    # needs --known-ai: see DEMO_VERDICTS)
    "final/vfx/sh010/sh010_comp_v003.[1001-1008].exr": ("violation", ["unapproved-ai"], None),
    "final/vfx/sh020/sh020_plate.[1001-1006].dpx": ("clean", ["no-ai-signal"], None),
    "final/masters/ep104_master.mxf": ("clean", ["no-ai-signal"], None),
    "final/stills/keyart_layers.psd": ("clean", ["no-ai-signal"], None),
    "final/audio/stems/DX_stem_bwf.wav": ("clean", ["no-ai-signal"], None),
    "final/stills/camera_001.jpg": ("clean", ["no-ai-signal"], None),
    # without --known-ai / --archive-source nothing gives these away: see the demo test below
    "final/stills/plate_reexport.jpg": ("clean", ["no-ai-signal"], None),
    "final/video/reel_with_ai_shot.mp4": ("clean", ["no-ai-signal"], None),
    "archival/photo_1966_retouched.jpg": ("clean", ["no-ai-signal"], None),
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("register", ["approvals.csv", "approvals.yaml", "approvals.json"])
def test_sample_delivery_shows_every_status(register: str, tmp_path: Path) -> None:
    if not (SAMPLE / "final").is_dir():
        pytest.skip("the sample delivery has not been generated")
    out = tmp_path / "out"
    args = ["scan", str(SAMPLE), "--approvals", str(REPO / "fixtures" / register), "--as-of",
            AS_OF, "--policy", str(REPO / "fixtures" / "policy.toml"), *SAMPLE_CUT,
            "--format", "json", "-o", str(out), "--no-cache", "-q",
            "--trust-anchors", str(REPO / "fixtures" / "ca" / "root.pem")]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    doc = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    assets = {a["path"]: a for a in doc["assets"]}
    for path, expected in SAMPLE_VERDICTS.items():
        asset = assets[path]
        assert (asset["status"], [r["code"] for r in asset["reasons"]], asset["approval"]) == (
            expected
        ), path
    assert doc["unused_approvals"] == ["GENAI-0011"]
    assert {a["status"] for a in doc["assets"]} == {"clean", "approved", "violation", "review",
                                                   "error"}  # fmt: skip


# With the production's known-AI library and the original archival scans (what `make demo` does)
DEMO_VERDICTS = {
    **SAMPLE_VERDICTS,
    "final/stills/plate_reexport.jpg": ("violation", ["unapproved-ai", "temporary-in-final"], None),
    "final/video/reel_with_ai_shot.mp4": (
        "violation", ["ai-in-final-cut", "temporary-in-final"], None,
    ),
    "final/vfx/sh020/sh020_plate.[1001-1006].dpx": (
        "violation", ["unapproved-ai", "temporary-in-final"], None,
    ),
    "archival/photo_1962.jpg": ("clean", ["archival-verified", "no-ai-signal"], None),
    "archival/photo_1966_retouched.jpg": ("review", ["archival-altered", "no-ai-signal"], None),
    "archival/photo_1971_ai.jpg": (
        "violation", ["ai-in-archival", "archival-unverified"], "GENAI-0009",
    ),
}  # fmt: skip


def demo_scan_args() -> list[str]:
    """The arguments of `provscan scan` in the Makefile's demo target, as make passes them."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    command = next(line for line in recipe.splitlines() if "/provscan scan " in line)
    return ["scan", *shlex.split(command.split("/provscan scan ", 1)[1])]


@pytest.mark.slow
def test_demo_command_catches_known_ai_and_checks_the_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (SAMPLE / "final").is_dir() or not (REPO / "fixtures" / "known_ai").is_dir():
        pytest.skip("the sample delivery has not been generated")
    args = demo_scan_args()
    assert args[args.index("--known-ai") + 1] == "fixtures/known_ai"
    assert args[args.index("--archive-source") + 1] == "fixtures/archive_source"
    out = tmp_path / "out"
    args[args.index("-o") + 1] = str(out)
    monkeypatch.chdir(REPO)  # the Makefile's paths are relative to the repo root
    result = CliRunner().invoke(cli, [*args, "--no-cache", "-q"])
    assert result.exit_code == 1, result.output
    doc = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    assets = {a["path"]: a for a in doc["assets"]}
    for path, expected in DEMO_VERDICTS.items():
        asset = assets[path]
        assert (asset["status"], [r["code"] for r in asset["reasons"]], asset["approval"]) == (
            expected
        ), path
    # issue 15: the EXR shot with a ComfyUI graph in two frames and the DPX plate with a frame
    # cut from a known-AI plate are one asset each (violations); the two AppleDouble `._` files
    # are skipped as OS droppings. Issue 16: ai_h264.mp4 is in no cut (not-in-cut).
    assert doc["summary"]["by_status"] == {
        "violation": 11, "error": 2, "review": 2, "waived": 0, "approved": 2, "clean": 21,
    }  # fmt: skip
    droppings = [s["path"] for s in doc["skipped"] if s["reason"].startswith("OS file:")]
    assert droppings == ["final/stills/._camera_001.jpg",
                         "final/vfx/sh010/._sh010_comp_v003.1001.exr"]  # fmt: skip

    # found by fingerprint alone: no metadata says AI, the library file is named
    fingerprinted = {
        path: [e for e in asset["evidence"] if e["field"].startswith("known-ai:")]
        for path, asset in assets.items()
    }
    still = "final/stills/plate_reexport.jpg"
    reel = "final/video/reel_with_ai_shot.mp4"
    plate = "final/vfx/sh020/sh020_plate.[1001-1006].dpx"  # a known-AI plate cut in at 1004
    assert {path for path, found in fingerprinted.items() if found} == {still, reel, plate}
    [dpx_hit] = fingerprinted[plate]
    assert dpx_hit["field"] == "known-ai:previs/sc12_harbour_plate_v003.png"
    assert dpx_hit["value"].endswith(", at frame 1004")  # named by its frame number
    assert assets[plate]["sequence"]["ai_frames"] == [1004]
    assert "in frame 1004;" in assets[plate]["reasons"][0]["detail"]
    [plate_hit] = fingerprinted[still]
    assert (plate_hit["source"], plate_hit["field"]) == (
        "fingerprint", "known-ai:previs/sc12_harbour_plate_v003.png",
    )  # fmt: skip
    assert re.fullmatch(r"phash distance \d+, dhash distance \d+", plate_hit["value"])
    [reel_hit] = fingerprinted[reel]
    assert reel_hit["field"] == "known-ai:concept/keeper_concept_07.png"
    assert re.fullmatch(r"phash distance \d+, dhash distance \d+, at 00:00:01\.0",
                        reel_hit["value"])  # fmt: skip
    assert (assets[still]["ai"], assets[reel]["ai"]) == ("generated", "composite")
    for path, meaning in ((still, "ai-generated"), (reel, "ai-composite")):
        signals = [(s["rule_id"], s["meaning"], s["strength"]) for s in assets[path]["signals"]]
        assert signals == [("FP-KNOWN-AI", meaning, "strong")], path  # the only signal
    # the concept frame cut into the reel at 1 s plays at record 03:00:01:00 of reel 3
    assert assets[reel]["reasons"][0]["detail"] == (
        "contains AI material (composite); no approval covers it; plays in reel3.otio V1 event 1 "
        "at 03:00:00:00-03:00:03:00; known-AI material at record 03:00:01:00 "
        "(concept/keeper_concept_07.png)"
    )
    for path, hit in ((still, plate_hit), (reel, reel_hit)):
        detail = assets[path]["reasons"][1]["detail"]
        assert detail == (
            f"matches known generated/temp material: "
            f"{hit['field'].removeprefix('known-ai:')} ({hit['value']})"
        )

    # archival: verified against its original, altered from its original, no original at all
    archival = {
        path: assets[path]["archival"]
        for path in ("archival/photo_1962.jpg", "archival/photo_1966_retouched.jpg",
                     "archival/photo_1971_ai.jpg")
    }  # fmt: skip
    outcomes = {
        path: (a["outcome"], a["source"], a["changed_tiles"]) for path, a in archival.items()
    }
    assert outcomes == {
        "archival/photo_1962.jpg": ("verified", "harbour_1962_scan0417.jpg", []),
        # the patch covers tiles 11, 14 and 15 of the 4x4 grid (and half of tile 10)
        "archival/photo_1966_retouched.jpg": ("altered", "quayside_1966_scan0932.jpg",
                                              [11, 14, 15]),
        "archival/photo_1971_ai.jpg": ("unverified", "", []),
    }  # fmt: skip
    assert archival["archival/photo_1962.jpg"]["distance"] <= 8
    assert 0 < archival["archival/photo_1966_retouched.jpg"]["distance"] <= 20
    for path in ("archival/photo_1962.jpg", "archival/photo_1966_retouched.jpg"):
        assert archival[path]["source_thumbnail"].startswith("data:image/jpeg;base64,")
    assert archival["archival/photo_1971_ai.jpg"]["source_thumbnail"] == ""
    # nothing outside the archival area is checked against the archive
    assert {p for p, a in assets.items() if a.get("archival")} == set(archival)
    _check_demo_cut(doc, assets, out)


def _check_demo_cut(doc: dict, assets: dict, out: Path) -> None:
    """The locked cut (make demo passes its three reels): every event where its file puts it,
    the three AI shots of final/video as the policy's final = "cut" judges them, the strip."""
    from fixtures.timelines import EXPECTED_EVENTS, KNOWN_AI_RECORD

    found = [
        (Path(t["source"]).name, e["track"], e["clip"], e["record_in"], e["record_out"],
         (e["assets"] or [""])[0])
        for t in doc["timelines"] for e in t["events"]
    ]  # fmt: skip
    assert found == list(EXPECTED_EVENTS)
    prores, iptc, sora = (assets[f"final/video/{n}"] for n in ("ai_prores.mov", "iptc_xmp.mov",
                                                                "ai_h264.mp4"))  # fmt: skip
    assert prores["reasons"][0]["code"] == "ai-in-final-cut"
    assert (
        "plays in reel1.edl V event 002 at 01:00:02:00-01:00:03:12"
        in (prores["reasons"][0]["detail"])
    )
    assert (iptc["status"], iptc["approval"]) == ("approved", "GENAI-0002")
    assert [(u["record_in"], u["record_out"]) for u in iptc["cut"]] == [
        ("02:00:00:00", "02:00:02:00")
    ]
    assert ([r["code"] for r in sora["reasons"]], sora["area"], sora["cut"]) == (
        ["not-in-cut"],
        "unused",
        [],
    )
    reel = assets["final/video/reel_with_ai_shot.mp4"]["cut"]
    assert [u["known_ai"] for u in reel] == [[f"{KNOWN_AI_RECORD} (concept/keeper_concept_07.png)"]]
    missing = [e for t in doc["timelines"] for e in t["events"] if "missing-media" in e["reasons"]]
    assert [(e["clip"], e["status"]) for e in missing] == [("sc40_beam_animatic", "review")]
    page = (out / "provscan.html").read_text(encoding="utf-8")
    assert page.count('<article class="timeline"') == 3
    assert re.search(
        r'<a href="#assets-h" class="to-asset" data-path="final/video/ai_prores.mov">'
        r'<rect class="seg ai st-violation"',
        page,
    )
    assert re.search(r'data-path="final/video/iptc_xmp.mov"><rect class="seg ai st-approved"', page)
    rows = (out / "provscan-cut.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 1 + len(EXPECTED_EVENTS)


# --- the review reasons beyond credentials-invalid ---------------------------------------------

CORPUS = REPO.parent / "shared" / "corpus"


def test_credentials_remote_is_review(scan, delivery: Path) -> None:
    cloud = CORPUS / "contentauth+c2pa-rs/sdk/tests/fixtures/cloud.jpg"
    if not cloud.is_file():
        pytest.skip("the shared corpus is not here")
    target = delivery / "final/stills/cloud.jpg"
    target.parent.mkdir(parents=True)
    target.write_bytes(cloud.read_bytes())
    result = scan(delivery, [])
    assert result.exit_code == 0, result.output
    assert result.verdict("final/stills/cloud.jpg") == (
        "review",
        ["credentials-remote", "no-ai-signal"],
        None,
    )
    detail = result.asset("final/stills/cloud.jpg")["reasons"][0]["detail"]
    assert detail.startswith("manifest at https://cai-manifests.adobe.com/")
    assert scan(delivery, [], "--strict").exit_code == 1


def test_ai_possible_is_review(scan, delivery: Path) -> None:
    xmp = factory.xmp_packet(digital_source_type_term="screenCapture")
    factory.plain_jpeg(delivery / "final/stills/grab.jpg", 12, xmp=xmp)
    result = scan(delivery, [])
    assert result.exit_code == 0, result.output
    assert result.verdict("final/stills/grab.jpg") == ("review", ["ai-possible"], None)


def test_tool_unknown_is_review(scan, delivery: Path) -> None:
    factory.xmp_only_ai_jpeg(delivery / "final/stills/xmp.jpg")
    result = scan(delivery, ["GENAI-1,approved,final,final/**,,,Adobe Firefly,,WA-1,,,,"])
    assert result.exit_code == 0, result.output
    assert result.verdict("final/stills/xmp.jpg") == ("review", ["tool-unknown"], "GENAI-1")


def test_archival_stills_checked_against_the_archive_source(
    scan, delivery: Path, tmp_path: Path
) -> None:
    from PIL import Image, ImageDraw

    archive = tmp_path / "archive"
    original = factory.archival_jpeg(archive / "scan_1962.jpg", 81)
    factory.archival_jpeg(delivery / "archival/photo_1962.jpg", 81)  # the same scan
    with Image.open(original) as opened:
        altered = opened.convert("RGB")
    ImageDraw.Draw(altered).rectangle((40, 40, 260, 200), fill=(250, 250, 250))
    factory.plain_jpeg(delivery / "archival/photo_1962_retouched.jpg", 0, image=altered)
    factory.archival_jpeg(delivery / "archival/photo_1980.jpg", 99)  # not in the archive
    result = scan(delivery, [], "--archive-source", str(archive))
    assert result.verdict("archival/photo_1962.jpg") == (
        "clean",
        ["archival-verified", "no-ai-signal"],
        None,
    )
    assert result.verdict("archival/photo_1962_retouched.jpg") == (
        "review",
        ["archival-altered", "no-ai-signal"],
        None,
    )
    assert result.verdict("archival/photo_1980.jpg") == (
        "review",
        ["archival-unverified", "no-ai-signal"],
        None,
    )
    assert result.exit_code == 0, result.output
