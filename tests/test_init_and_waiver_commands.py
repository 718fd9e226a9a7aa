"""`provscan init` (a starter register, guide, policy and waiver file), `provscan waivers
check` and `provscan waivers draft`, run as the installed command in real subprocesses; the
starter files must load as they are written."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from fixtures import factory
from fixtures.hostile import provscan_command
from scanner.approvals import load_register
from scanner.cli.init_command import STARTER_FILES
from scanner.policy.load import load_policy_file
from scanner.policy.waiver_file import load_waivers


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*provscan_command(), *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def test_init_writes_the_starter_files_and_says_what_next(tmp_path: Path) -> None:
    delivery = tmp_path / "ep101"
    delivery.mkdir()
    done = run("init", "gate", "--delivery", str(delivery), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "wrote gate/register.csv",
        "wrote gate/register-guide.md",
        "wrote gate/policy.toml",
        "wrote gate/waivers.yaml",
        "",
        "next:",
        "  1. edit gate/register.csv (see gate/register-guide.md) and gate/policy.toml",
        f"  2. provscan approvals check gate/register.csv --delivery {delivery}",
        f"  3. provscan scan {delivery} --approvals gate/register.csv --policy gate/policy.toml "
        "--format json --format html -o review/",
    ]
    gate = tmp_path / "gate"
    assert sorted(p.name for p in gate.iterdir()) == sorted(STARTER_FILES)
    # each loads as written
    register = load_register(gate / "register.csv")
    assert [(a.request_id, a.status) for a in register.approvals] == [("GENAI-0001", "pending")]
    policy = load_policy_file(gate / "policy.toml")
    assert (policy.final, policy.temporary, policy.archival) == (("**",), (), ())
    assert (policy.overrides, policy.waivable) == ({"not-inspected": "error"}, ())
    assert load_waivers(gate / "waivers.yaml").waivers == ()
    assert run("approvals", "check", str(gate / "register.csv")).returncode == 0


def test_the_guide_names_every_register_column() -> None:
    from importlib import resources

    from scanner.approvals.fields import FIELDS

    guide = resources.files("scanner.cli").joinpath("starter", "register-guide.md").read_text()
    header = resources.files("scanner.cli").joinpath("starter", "register.csv").read_text()
    assert header.splitlines()[0].split(",") == list(FIELDS)
    assert set(re.findall(r"`([a-z_0-9]+)`", guide)) >= set(FIELDS)


def test_init_never_overwrites_and_writes_nothing_then(tmp_path: Path) -> None:
    (tmp_path / "policy.toml").write_text("# mine\n", encoding="utf-8")
    (tmp_path / "waivers.yaml").symlink_to(tmp_path / "nowhere")
    done = run("init", str(tmp_path))
    assert done.returncode == 2
    assert f"not overwriting {tmp_path}/policy.toml, {tmp_path}/waivers.yaml: nothing was " \
        "written" in done.stderr  # fmt: skip
    assert (tmp_path / "policy.toml").read_text() == "# mine\n"
    assert not (tmp_path / "register.csv").exists()


def test_init_refuses_a_folder_inside_the_delivery(tmp_path: Path) -> None:
    delivery = tmp_path / "ep101"
    delivery.mkdir()
    done = run("init", str(delivery / "gate"), "--delivery", str(delivery))
    assert done.returncode == 2
    assert "is inside the delivery" in done.stderr
    assert not (delivery / "gate").exists()


def test_init_defaults_to_the_current_folder(tmp_path: Path) -> None:
    done = run("init", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote register.csv\n")
    assert "  2. provscan approvals check ./register.csv --delivery DELIVERY" in done.stdout


# --- waivers draft and check -------------------------------------------------------------------


@pytest.fixture(scope="module")
def stored_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A delivery with a truncated JPEG (error) and a plain photo, and its stored JSON scan."""
    base = tmp_path_factory.mktemp("scan")
    delivery = base / "ep101"
    whole = factory.plain_jpeg(base / "whole.jpg", 71)
    factory.truncated_copy(whole, delivery / "final/broken/shot\n010.jpg", keep=0.5)
    factory.plain_jpeg(delivery / "final/stills/plate.jpg", 72)
    out = base / "out"
    done = run("scan", str(delivery), "--format", "json", "-o", str(out), "--no-cache", "-q")
    assert done.returncode == 3, done.stderr
    return delivery, out / "provscan.json"


def test_a_draft_names_each_finding_and_loads_only_once_filled_in(
    stored_scan: tuple[Path, Path], tmp_path: Path
) -> None:
    delivery, scan_json = stored_scan
    done = run("waivers", "draft", str(scan_json))
    assert done.returncode == 0, done.stderr
    draft = done.stdout
    # the file name's line break is shown, not obeyed: the comment stays one line
    assert "  # error: final/broken/shot\\x0a010.jpg: unreadable: " in draft
    tree = yaml.safe_load(draft)
    truncated = delivery / "final/broken/shot\n010.jpg"
    import hashlib

    digest = hashlib.sha256(truncated.read_bytes()).hexdigest()
    assert tree == {
        "version": 1,
        "waivers": [
            {"sha256": digest, "path": "final/broken/shot\n010.jpg", "reason": "unreadable",
             "reviewer": "", "reviewed_on": "", "why": ""}
        ],
    }  # fmt: skip
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(draft, encoding="utf-8")
    blank = run("waivers", "check", str(waivers))
    assert blank.returncode == 2
    assert "row 1, field 'reviewer': 'reviewer' is required" in blank.stderr

    filled = draft.replace('reviewer: ""', 'reviewer: "D. Chen"')
    filled = filled.replace('reviewed_on: ""', "reviewed_on: 2026-11-02")
    filled = filled.replace('why: ""', 'why: "re-delivered as shot010_v002; this one is void"')
    waivers.write_text(filled, encoding="utf-8")
    checked = run("waivers", "check", str(waivers), "--as-of", "2026-11-03")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.splitlines() == [
        f"waivers {waivers} (version 1): 1 waiver, valid",
        "  by reason: unreadable 1",
        "  violations waivable by the policy: none",
        f"  row 1: unreadable for final/broken/shot\\x0a010.jpg sha256 {digest[:12]}…, D. Chen",
    ]
    out = tmp_path / "out"
    rescan = run("scan", str(delivery), "--waivers", str(waivers), "--format", "json",
                 "-o", str(out), "--no-cache", "-q")  # fmt: skip
    assert rescan.returncode == 0, rescan.stderr
    doc = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    assert doc["summary"]["by_status"]["waived"] == 1


def test_waivers_check_with_the_policy_and_an_expired_waiver(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[gate]\nwaivable = ["unapproved-ai"]\n', encoding="utf-8")
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "version: 1\nwaivers:\n"
        f"  - {{sha256: {'ab' * 32}, reason: unapproved-ai, reviewer: A, reviewed_on: "
        "2026-10-01, why: signed off by mail, expires_on: 2026-10-31}\n",
        encoding="utf-8",
    )
    assert run("waivers", "check", str(waivers)).returncode == 2  # no policy: not waivable
    done = run("waivers", "check", str(waivers), "--policy", str(policy), "--as-of", "2026-11-01")
    assert done.returncode == 0, done.stderr
    assert "  violations waivable by the policy: unapproved-ai\n" in done.stdout
    assert done.stdout.endswith(
        "warnings (as of 2026-11-01):\n  row 1 expired on 2026-10-31: it waives nothing\n"
    )


def test_a_draft_of_a_scan_with_nothing_to_waive(tmp_path: Path) -> None:
    delivery = tmp_path / "ep101"
    factory.plain_jpeg(delivery / "plate.jpg", 74)
    out = tmp_path / "out"
    assert run("scan", str(delivery), "-o", str(out), "--no-cache", "-q").returncode == 0
    done = run("waivers", "draft", str(out / "provscan.json"))
    assert done.stdout.endswith("waivers: []  # the scan has no review or error finding\n")
    assert yaml.safe_load(done.stdout) == {"version": 1, "waivers": []}
    assert os.path.getsize(out / "provscan.json") > 0
