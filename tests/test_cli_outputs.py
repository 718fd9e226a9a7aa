"""Where provscan writes (issue 12): reports, the cache and their folders are checked before the
scan, never inside the delivery, and a report is never written through anything planted in
the output folder.

Real subprocesses of the installed `provscan`: the exit code is the contract.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fixtures import hostile
from fixtures.hostile import provscan_command

VICTIM_TEXT = "someone else's file\n"


@pytest.fixture
def delivery(tmp_path: Path) -> Path:
    root = tmp_path / "delivery"
    hostile.write_files(root, {"final/shot.jpg": hostile.seed_bytes()["jpg"]})
    return root


def provscan(*args: str, env: dict[str, str] | None = None, prefix: tuple[str, ...] = ()):
    return subprocess.run(
        [*prefix, *provscan_command(), *args], capture_output=True, text=True, env=env
    )


def scan(delivery: Path, *args: str, env: dict[str, str] | None = None, prefix=()):
    return provscan("scan", str(delivery), "-q", *args, env=env, prefix=prefix)


def test_planted_links_in_the_output_folder_cannot_redirect_a_report(
    delivery: Path, tmp_path: Path
) -> None:
    """The old writer opened provscan.<fmt>.part as given: a link there overwrote its target."""
    victim = tmp_path / "victim.txt"
    victim.write_text(VICTIM_TEXT)
    out = tmp_path / "out"
    out.mkdir()
    for fmt in ("json", "html"):
        (out / f"provscan.{fmt}.part").symlink_to(victim)
    (out / "provscan.csv").symlink_to(victim)  # the final name too: replaced, not written through
    done = scan(delivery, "--no-cache", "--format", "json", "--format", "html",
                "--format", "csv", "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == VICTIM_TEXT
    for fmt in ("json", "html", "csv"):
        report = out / f"provscan.{fmt}"
        assert report.is_file() and not report.is_symlink(), fmt
        assert (report.stat().st_mode & 0o777) == 0o644 & ~_umask()
    assert json.loads((out / "provscan.json").read_text())["assets"][0]["path"] == "final/shot.jpg"
    # no temporary file left; the planted links are left alone
    assert sorted(p.name for p in out.iterdir()) == [
        "provscan.csv", "provscan.html", "provscan.html.part", "provscan.json",
        "provscan.json.part",
    ]  # fmt: skip
    assert all((out / f"provscan.{fmt}.part").is_symlink() for fmt in ("json", "html"))


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def test_a_report_name_linking_into_the_delivery_is_refused(delivery: Path, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "provscan.json").symlink_to(delivery / "final" / "report.json")
    before = hostile.tree_snapshot(delivery)
    done = scan(delivery, "--no-cache", "--format", "json", "-o", str(out))
    assert done.returncode == 2
    assert f"report {out / 'provscan.json'} leads inside the delivery" in done.stderr
    assert hostile.tree_snapshot(delivery) == before


def test_an_output_folder_inside_the_delivery_through_a_link_is_refused(
    delivery: Path, tmp_path: Path
) -> None:
    (tmp_path / "reports").symlink_to(delivery / "final")
    before = hostile.tree_snapshot(delivery)
    done = scan(delivery, "--no-cache", "-o", str(tmp_path / "reports" / "new"))
    assert done.returncode == 2
    assert "is inside the delivery: provscan never writes there" in done.stderr
    assert hostile.tree_snapshot(delivery) == before


def test_the_default_cache_inside_the_delivery_is_refused(delivery: Path, tmp_path: Path):
    """XDG_CACHE_HOME pointing into the delivery used to create the cache there."""
    before = hostile.tree_snapshot(delivery)
    env = {**os.environ, "XDG_CACHE_HOME": str(delivery / ".cache")}
    done = scan(delivery, "--format", "json", "-o", str(tmp_path / "out"), env=env)
    assert done.returncode == 2
    assert "(the default, from XDG_CACHE_HOME or the user's cache folder) is inside the " in (
        done.stderr
    )
    assert "--no-cache" in done.stderr
    assert hostile.tree_snapshot(delivery) == before
    # with --no-cache there is nothing to write there: the scan runs
    done = scan(delivery, "--no-cache", "--format", "json", "-o", str(tmp_path / "out"), env=env)
    assert done.returncode == 0, done.stderr
    assert hostile.tree_snapshot(delivery) == before


def _without_dac_override() -> tuple[str, ...]:
    """A prefix under which permission bits hold (root ignores them otherwise)."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("root without setpriv cannot be held to permission bits")
    return ("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--")


@pytest.mark.parametrize("case", ["read-only folder", "under a file", "a file"])
def test_an_output_folder_that_cannot_take_the_reports_exits_2_before_the_scan(
    delivery: Path, tmp_path: Path, case: str
) -> None:
    """It used to be found only after the whole scan: a traceback and exit 1 ("violation")."""
    prefix: tuple[str, ...] = ()
    if case == "read-only folder":
        out = tmp_path / "out"
        out.mkdir()
        out.chmod(0o555)
        prefix = _without_dac_override()
        expected = f"output folder {out} is not writable: Permission denied"
    elif case == "under a file":
        (tmp_path / "notes.txt").write_text("x")
        out = tmp_path / "notes.txt" / "out"
        expected = f"cannot create the output folder {out}: Not a directory"
    else:
        out = tmp_path / "provscan-out"
        out.write_text("x")
        expected = "is a file"  # click's own check of the option
    cache = tmp_path / "cache.sqlite3"
    try:
        done = scan(delivery, "--cache", str(cache), "--format", "json", "-o", str(out),
                    prefix=prefix)  # fmt: skip
    finally:
        if out.is_dir():
            out.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
    assert not cache.exists()  # the scan never started: it opens the cache first


def test_report_refuses_an_output_folder_it_cannot_write(delivery: Path, tmp_path: Path):
    done = scan(delivery, "--no-cache", "--format", "json", "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    (tmp_path / "notes.txt").write_text("x")
    again = provscan("report", str(tmp_path / "out" / "provscan.json"), "--format", "html",
                     "-o", str(tmp_path / "notes.txt" / "html"))  # fmt: skip
    assert again.returncode == 2
    assert "cannot create the output folder" in again.stderr
