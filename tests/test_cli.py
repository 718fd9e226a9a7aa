"""The CLI surface: version, help with examples, rules, usage errors, no writes in a delivery."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from scanner import __version__
from scanner.cli import cli

ROOT = Path(__file__).resolve().parents[1]
STILL = ROOT / "fixtures" / "delivery" / "final" / "stills" / "camera_001.jpg"


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == f"provscan, version {__version__}"
    assert result.output.splitlines()[1].startswith("rule catalog ")


def test_help_has_examples_for_every_command() -> None:
    assert "Examples:" in run("--help").output
    commands = (["scan"], ["report"], ["approvals", "check"], ["init"], ["waivers", "check"],
                ["waivers", "draft"])  # fmt: skip
    for command in commands:
        result = run(*command, "--help")
        assert result.exit_code == 0
        assert "Example" in result.output and "provscan " in result.output, command


def test_rules_lists_the_catalog_with_stable_ids() -> None:
    data = json.loads(run("rules", "--format", "json").output)
    ids = [r["id"] for r in data["rules"]]
    assert len(ids) == len(set(ids)) > 50
    assert {"C2PA-DST-TRAINED", "XMP-DST-TRAINED", "PNG-A1111-PARAMS"} <= set(ids)
    text = run("rules").output
    assert text.startswith(f"rule catalog {data['catalog_version']}: {len(ids)} rules")


def test_reports_and_cache_are_refused_inside_the_delivery(tmp_path: Path) -> None:
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    shutil.copy(STILL, delivery / "still.jpg")
    inside_out = run("scan", str(delivery), "-o", str(delivery / "reports"), "-q")
    assert inside_out.exit_code == 2 and "inside the delivery" in inside_out.output
    inside_cache = run("scan", str(delivery), "--cache", str(delivery / "c.sqlite3"), "-q")
    assert inside_cache.exit_code == 2 and "inside the delivery" in inside_cache.output
    assert sorted(p.name for p in delivery.iterdir()) == ["still.jpg"]


def test_several_formats_need_an_output_folder(tmp_path: Path) -> None:
    result = run("scan", str(STILL.parent), "--format", "json", "--format", "csv", "--no-cache")
    assert result.exit_code == 2 and "need -o/--output" in result.output


def test_one_format_goes_to_stdout_and_the_summary_to_stderr(tmp_path: Path) -> None:
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    shutil.copy(STILL, delivery / "still.jpg")
    result = CliRunner().invoke(
        cli, ["scan", str(delivery), "--no-cache", "--format", "json"], catch_exceptions=False
    )
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["schema"] == "provscan/1" and [a["path"] for a in doc["assets"]] == ["still.jpg"]
    assert "1 assets, 0 skipped" in result.stderr


def test_report_rejects_a_file_that_is_not_a_scan(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"schema": "something/else"}', encoding="utf-8")
    result = run("report", str(bogus), "--format", "html")
    assert result.exit_code == 2 and "not a provscan scan" in result.output


def _scan_json(delivery: Path, out: Path, *extra: str) -> tuple[int, dict]:
    result = run("scan", str(delivery), "--no-cache", "-q", "--format", "json", "-o", str(out),
                 *extra)  # fmt: skip
    return result.exit_code, json.loads((out / "provscan.json").read_text(encoding="utf-8"))


def test_bounds_are_set_from_the_command_line(tmp_path: Path) -> None:
    from fixtures.hostile import png_memory_bomb

    delivery = tmp_path / "delivery"
    delivery.mkdir()
    shutil.copy(STILL, delivery / "still.jpg")
    (delivery / "bomb.png").write_bytes(png_memory_bomb())
    with open(delivery / "master.jpg", "wb") as handle:  # an 8 GiB sparse "JPEG": slow to hash
        handle.write(STILL.read_bytes()[:4096])
        handle.truncate(8 << 30)

    code, doc = _scan_json(delivery, tmp_path / "out", "--time-bound", "1",
                           "--memory-bound", "256")  # fmt: skip
    by_path = {a["path"]: a for a in doc["assets"]}
    assert code == 3
    assert by_path["still.jpg"]["status"] == "clean"
    bomb = [p["message"] for p in by_path["bomb.png"]["problems"] if p["fatal"]]
    assert bomb == ["analysis exceeded the 256 MiB memory bound"]
    master = [p["message"] for p in by_path["master.jpg"]["problems"] if p["fatal"]]
    assert master == ["analysis exceeded the 1 s time bound"]
