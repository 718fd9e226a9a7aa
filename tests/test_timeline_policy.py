"""The policy's final = "cut": the policy file (final, timelines), and scans of deliveries
built here: a previs shot in temp/ that made the locked cut, an archival still in the cut, a
temporary-scope approval, a cut with no timeline, timelines without cut mode."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures import factory
from scanner.cli import cli
from scanner.errors import ConfigError
from scanner.policy.areas import area_for
from scanner.policy.load import parse_policy

AS_OF = "2026-11-01"
HEADER = (
    "request_id,status,scope,paths,sha256,c2pa_manifest,reference,tools,talent_likeness,"
    "personal_data,third_party_ip,union_work,written_approval_ref,archival_use,approved_by,"
    "approved_on,expires_on,notes\n"
)


def test_final_cut_alone_or_among_patterns(tmp_path: Path) -> None:
    alone = parse_policy('[areas]\nfinal = "cut"\ntemporary = ["temp/**"]\n', "p.toml")
    assert (alone.final_cut, alone.final) == (True, ())
    assert (area_for("x/y.mov", alone), area_for("temp/a.png", alone)) == ("unused", "temporary")
    mixed = parse_policy('[areas]\nfinal = ["cut", "masters/**"]\n', "p.toml")
    assert (mixed.final_cut, mixed.final, area_for("masters/a.mxf", mixed)) == (
        True,
        ("masters/**",),
        "final",
    )
    globs = parse_policy('[areas]\nfinal = ["final/**"]\n', "p.toml")
    assert (globs.final_cut, area_for("x/y.mov", globs)) == (False, "final")


def test_timelines_in_the_policy_sit_beside_it(tmp_path: Path) -> None:
    text = 'timelines = ["lock.edl", { path = "/abs/reel2.edl", rate = "29.97" }]\n'
    policy = parse_policy(text, str(tmp_path / "p.toml"), base=tmp_path)
    assert [(t.path, t.rate, t.rate_from, t.origin) for t in policy.timelines] == [
        (str(tmp_path / "lock.edl"), None, "", "policy"),
        ("/abs/reel2.edl", Fraction(30000, 1001), "policy", "policy"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('timelines = "lock.edl"\n', "must be a list"),
        ("timelines = [3]\n", "entry 1 must be a path"),
        ('timelines = [{ path = "a.edl", speed = 2 }]\n', "unknown key 'speed'"),
        ('timelines = [{ path = "a.edl", rate = "fast" }]\n', "not a frame rate"),
        ('[areas]\nfinal = ["cut", 3]\n', "must be a list of glob strings"),
    ],
)
def test_bad_timeline_entries_name_the_file(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_policy(text, "p.toml")


EDL = """TITLE: lock
001  PREVIS   V     C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00
* FROM CLIP: temp/previs/shot_ai.jpg
002  ARCHIVE  V     C        00:00:00:00 00:00:01:00 01:00:01:00 01:00:02:00
* FROM CLIP: archival/photo_ai.jpg
003  PLATE    V     C        00:00:00:00 00:00:01:00 01:00:02:00 01:00:03:00
* FROM CLIP: final/plate_ai.jpg
"""


@pytest.fixture
def delivery(tmp_path: Path) -> Path:
    root = tmp_path / "delivery"
    xmp = factory.xmp_packet(digital_source_type_term="trainedAlgorithmicMedia")
    for rel, seed in (
        ("temp/previs/shot_ai.jpg", 1),
        ("archival/photo_ai.jpg", 2),
        ("final/plate_ai.jpg", 3),
        ("final/unused_ai.jpg", 4),
        ("temp/previs/other_ai.jpg", 5),
    ):
        factory.plain_jpeg(root / rel, seed, xmp=xmp)
    return root


def _scan(tmp_path: Path, delivery: Path, policy: str, register: str = "", *more: str) -> dict:
    (tmp_path / "policy.toml").write_text(policy, encoding="utf-8")
    (tmp_path / "lock.edl").write_text(EDL, encoding="utf-8")
    (tmp_path / "register.csv").write_text(HEADER + register, encoding="utf-8")
    out = tmp_path / "out"
    args = [
        "scan",
        str(delivery),
        "--policy",
        str(tmp_path / "policy.toml"),
        "--approvals",
        str(tmp_path / "register.csv"),
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "-o",
        str(out),
        "--no-cache",
        "-q",
        "--no-fingerprints",
        *more,
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output
    doc = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    return {a["path"]: a for a in doc["assets"]}


CUT_POLICY = (
    'timelines = [{ path = "lock.edl", rate = 24 }]\n'
    '[areas]\nfinal = ["cut"]\ntemporary = ["temp/**"]\narchival = ["archival/**"]\n'
)


def _codes(asset: dict) -> list[str]:
    return [r["code"] for r in asset["reasons"]]


def test_the_cut_decides_what_is_final(tmp_path: Path, delivery: Path) -> None:
    assets = _scan(tmp_path, delivery, CUT_POLICY)
    previs = assets["temp/previs/shot_ai.jpg"]  # sits in temp/, plays in the cut: it ships
    assert (previs["area"], previs["status"], _codes(previs)) == (
        "final",
        "violation",
        ["ai-in-final-cut"],
    )
    assert (
        "plays in lock.edl V event 001 at 01:00:00:00-01:00:01:00"
        in (previs["reasons"][0]["detail"])
    )
    archival = assets["archival/photo_ai.jpg"]  # archival keeps its own rules, says where
    assert (archival["area"], _codes(archival)) == ("archival", ["unapproved-ai", "ai-in-archival"])
    assert archival["cut"][0]["record_in"] == "01:00:01:00"
    unused = assets["final/unused_ai.jpg"]
    assert (unused["area"], unused["status"], _codes(unused)) == ("unused", "clean", ["not-in-cut"])
    other = assets["temp/previs/other_ai.jpg"]  # temporary, in no cut: still temporary
    assert (other["area"], _codes(other)) == ("temporary", ["temporary-material"])


def test_a_temporary_scope_approval_does_not_let_ai_into_the_cut(
    tmp_path: Path, delivery: Path
) -> None:
    register = (
        "GENAI-1,approved,temporary,final/plate_ai.jpg,,,,,no,no,no,no,,no,D. Chen,2026-01-01,,\n"
        "GENAI-2,approved,final,temp/previs/shot_ai.jpg,,,,,no,no,no,no,WA-1,no,S. O,2026-01-01,,\n"
    )
    assets = _scan(tmp_path, delivery, CUT_POLICY, register)
    plate = assets["final/plate_ai.jpg"]
    assert _codes(plate)[:2] == ["ai-in-final-cut", "temporary-in-final"]
    assert "GENAI-1 is no granted final-scope approval" in plate["reasons"][0]["detail"]
    approved = assets["temp/previs/shot_ai.jpg"]
    assert (approved["status"], approved["approval"]) == ("approved", "GENAI-2")


def test_a_policy_that_makes_the_cut_final_needs_a_cut(tmp_path: Path, delivery: Path) -> None:
    (tmp_path / "policy.toml").write_text('[areas]\nfinal = "cut"\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["scan", str(delivery), "--policy", str(tmp_path / "policy.toml"), "--no-cache", "-q"]
    )
    assert result.exit_code == 2
    assert 'the policy makes the cut final (final = "cut"), but there is no cut' in result.output


def test_timelines_without_cut_mode_only_report_where_assets_play(
    tmp_path: Path, delivery: Path
) -> None:
    policy = '[areas]\nfinal = ["**"]\ntemporary = ["temp/**"]\n'
    assets = _scan(
        tmp_path,
        delivery,
        policy,
        "",
        "--timeline",
        str(tmp_path / "lock.edl"),
        "--timeline-rate",
        "24",
    )
    previs = assets["temp/previs/shot_ai.jpg"]
    assert (previs["area"], _codes(previs)) == ("temporary", ["temporary-material"])
    assert [u["event"] for u in previs["cut"]] == ["001"]
    assert _codes(assets["final/unused_ai.jpg"]) == ["unapproved-ai"]


def test_the_deliverys_own_policy_may_name_the_deliverys_timeline(
    tmp_path: Path, delivery: Path
) -> None:
    (delivery / "lock.edl").write_text(EDL, encoding="utf-8")
    (delivery / "provscan.toml").write_text(CUT_POLICY, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "scan",
            str(delivery),
            "--policy-from-delivery",
            "--as-of",
            AS_OF,
            "--format",
            "json",
            "-o",
            str(out),
            "--no-cache",
            "-q",
            "--no-fingerprints",
        ],
    )
    assert result.exit_code == 1, result.output
    doc = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    assert (doc["policy_origin"], doc["timelines"][0]["origin"]) == ("delivery", "delivery")
