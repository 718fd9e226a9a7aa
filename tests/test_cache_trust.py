"""The cache is trusted only as far as it is the user's own: real files, modes and owners.

Each hostile cache is built here the way an attacker (or a careless set-up) would leave it:
owned by another user (uid 65534: the tests run as root), writable by group or others, a
symbolic link. provscan must refuse each before reading a row from it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scanner.engine.cache import FileIdentity, ResultCache, default_cache_path, opened
from scanner.model import AssetAnalysis

PAST_NS = 1_700_000_000 * 10**9  # outside the racy window: results get stored
NOBODY = 65534


@pytest.fixture
def delivery(tmp_path: Path) -> Path:
    from fixtures.factory import a1111_png, camera_jpeg

    root = tmp_path / "delivery"
    a1111_png(root / "concept" / "sd.png", seed=3)
    camera_jpeg(root / "plates" / "plate.jpg", 1, {"Make": "Canon"}, "2026:01:02 03:04:05")
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(PAST_NS, PAST_NS))
    return root


def invoke_scan(delivery: Path, out: Path, *extra: str):
    from click.testing import CliRunner

    from scanner.cli import cli

    return CliRunner().invoke(
        cli, ["scan", str(delivery), "--format", "json", "-o", str(out), "-q", *extra]
    )


def scan_report(delivery: Path, out: Path, *extra: str) -> dict:
    result = invoke_scan(delivery, out, *extra)
    assert result.exit_code in (0, 1, 3), result.output
    return json.loads((out / "provscan.json").read_text())


def a_cache(path: Path) -> Path:
    """A real provscan cache, made by provscan (empty: the trust checks come before any row)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ResultCache.open(path).close()
    assert path.is_file()
    return path


# --- ownership, modes, links -----------------------------------------------------------------


def owned_by_nobody(cache: Path) -> Path:
    os.chown(cache, NOBODY, NOBODY)
    return cache


def world_writable_file(cache: Path) -> Path:
    os.chmod(cache, 0o666)
    return cache


def group_writable_file(cache: Path) -> Path:
    os.chmod(cache, 0o620)
    return cache


def world_writable_folder(cache: Path) -> Path:
    os.chmod(cache.parent, 0o777)
    return cache


def folder_owned_by_nobody(cache: Path) -> Path:
    os.chown(cache.parent, NOBODY, NOBODY)
    return cache


def symlinked_file(cache: Path) -> Path:
    link = cache.parent / "link.sqlite3"
    link.symlink_to(cache)
    return link


def symlinked_folder(cache: Path) -> Path:
    link = cache.parent.parent / "linked-folder"
    link.symlink_to(cache.parent, target_is_directory=True)
    return link / cache.name


def wal_owned_by_nobody(cache: Path) -> Path:
    """SQLite replays the write-ahead log beside the database into it when it opens it."""
    wal = Path(f"{cache}-wal")
    wal.write_bytes(b"")
    os.chown(wal, NOBODY, NOBODY)
    return cache


UNTRUSTED = [
    (owned_by_nobody, "owned by uid 65534"),
    (world_writable_file, "writable by its group and others (mode 0666)"),
    (group_writable_file, "writable by its group (mode 0620)"),
    (world_writable_folder, "writable by its group and others (mode 0777)"),
    (folder_owned_by_nobody, "owned by uid 65534"),
    (symlinked_file, "symbolic link"),
    (symlinked_folder, "symbolic link"),
    (wal_owned_by_nobody, "-wal is owned by uid 65534"),
]


@pytest.mark.parametrize(
    ("make_untrusted", "says"), UNTRUSTED, ids=[u[0].__name__ for u in UNTRUSTED]
)
def test_a_cache_someone_else_could_write_stops_the_scan(
    make_untrusted, says: str, delivery: Path, tmp_path: Path
) -> None:
    cache = make_untrusted(a_cache(tmp_path / "caches" / "cache.sqlite3"))
    before = Path(os.path.realpath(cache)).read_bytes()
    result = invoke_scan(delivery, tmp_path / "out", "--cache", str(cache))
    assert result.exit_code == 2, result.output
    assert says in result.output and "--no-cache" in result.output
    assert not (tmp_path / "out" / "provscan.json").exists()
    assert Path(os.path.realpath(cache)).read_bytes() == before  # not read, not changed
    # the way out the error names: --no-cache trusts nothing but the delivery's bytes
    report = scan_report(delivery, tmp_path / "out", "--cache", str(cache), "--no-cache")
    assert {a["path"] for a in report["assets"]} == {"concept/sd.png", "plates/plate.jpg"}


def test_the_default_cache_is_checked_too(
    delivery: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cache = default_cache_path()
    scan_report(delivery, tmp_path / "first")  # makes it
    os.chmod(cache, 0o666)
    result = invoke_scan(delivery, tmp_path / "second")
    assert result.exit_code == 2 and str(cache) in result.output


def test_new_cache_folders_and_files_are_private(
    delivery: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    old_umask = os.umask(0o022)  # the usual umask: it would let SQLite make the file 0644
    try:
        cache = default_cache_path()
        with opened(cache) as db:
            assert db is not None and db.enabled
            stored = AssetAnalysis("a.png", 1, "0" * 64, "image/png", "image", "PNG")
            db.store("scope", [(FileIdentity(1, 2, 1, PAST_NS, PAST_NS), stored)])  # -wal, -shm now
            modes = {p.name: p.stat().st_mode & 0o777 for p in cache.parent.iterdir()}
    finally:
        os.umask(old_umask)
    assert modes == {
        "results.sqlite3": 0o600,
        "results.sqlite3-wal": 0o600,
        "results.sqlite3-shm": 0o600,
    }
    for folder in (tmp_path / "xdg", tmp_path / "xdg" / "provscan"):
        assert folder.stat().st_mode & 0o777 == 0o700
