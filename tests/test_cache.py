"""The incremental cache, through the real CLI and engine on real files.

Proofs that cannot lie: after a scan, every row of the cache gets a sha256 no file has
(`mark_cached_rows`); a re-scan that reports it answered from the cache, one that reports the
file's own sha256 read the file. A file changed in place with its size and mtime put back is
read again (its ctime is the kernel's). Where the kernel can say so, inotify counts every open
and read of the delivery's files during a re-scan.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from scanner.discover.media import MediaFile
from scanner.discover.walk import walk
from scanner.engine.analyse import AnalyseOptions, analyse
from scanner.engine.cache import FileIdentity, ResultCache, default_cache_path, opened
from scanner.engine.cache_schema import APPLICATION_ID
from scanner.engine.runner import KnownMedia, RunStats, run_analyses

REPO = Path(__file__).resolve().parents[1]
PAST_NS = 1_700_000_000 * 10**9  # 2023-11-14: outside the racy window of any test run


# --- the delivery ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory):
    from fixtures.factory import make_ca

    return make_ca(tmp_path_factory.mktemp("ca"))


def build_delivery(root: Path, ca) -> Path:
    from fixtures.factory import a1111_png, ai_still, camera_jpeg, h264_mp4, xmp_only_ai_jpeg

    camera_jpeg(root / "plates" / "plate_a.jpg", 1, {"Make": "Canon"}, "2026:01:02 03:04:05")
    camera_jpeg(root / "plates" / "plate_b.jpg", 2, {"Make": "Canon"}, "2026:01:02 03:04:06")
    a1111_png(root / "concept" / "sd.png", seed=3)
    xmp_only_ai_jpeg(root / "concept" / "xmp_ai.jpg")
    ai_still(root / "concept" / "firefly.jpg", ca)
    h264_mp4(root / "video" / "clip.mp4", seconds=1.0)
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(PAST_NS, PAST_NS))
    return root


@pytest.fixture(scope="module")
def delivery_template(tmp_path_factory: pytest.TempPathFactory, ca) -> Path:
    return build_delivery(tmp_path_factory.mktemp("template") / "delivery", ca)


@pytest.fixture
def delivery(tmp_path: Path, delivery_template: Path) -> Path:
    """A fresh copy per test (new inodes, the same bytes and old mtimes): built once, since
    signing and encoding it is the slow part."""
    return Path(shutil.copytree(delivery_template, tmp_path / "delivery"))


def media_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


CACHED = "c" * 64  # the sha256 `mark_cached_rows` gives every row: no file has it


def mark_cached_rows(cache: Path) -> None:
    """Every row's analysis says sha256 CACHED: a scan that reports it used the row."""
    conn = sqlite3.connect(cache)
    try:
        for rowid, value in conn.execute("SELECT rowid, value FROM results").fetchall():
            plain = json.loads(zlib.decompress(value))
            plain["sha256"] = CACHED
            marked = zlib.compress(json.dumps(plain).encode("utf-8"))
            conn.execute("UPDATE results SET value=? WHERE rowid=?", (marked, rowid))
        conn.commit()
    finally:
        conn.close()


def change_bytes_keep_size_and_mtime(path: Path) -> None:
    """Flip one byte in the middle of the image data, then put the mtime back: same device,
    inode, size and mtime_ns, different bytes and sha256; only the ctime tells."""
    before = os.stat(path)
    offset = before.st_size - 100
    assert offset > 4096
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino, before.st_size, before.st_mtime_ns,
    )  # fmt: skip


# --- running the CLI -------------------------------------------------------------------------


def cli_scan(delivery: Path, out: Path, *extra: str) -> tuple[dict, bytes]:
    from click.testing import CliRunner

    from scanner.cli import cli

    result = CliRunner().invoke(
        cli, ["scan", str(delivery), "--format", "json", "-o", str(out), "-q", *extra]
    )
    assert result.exit_code in (0, 1, 3), result.output
    raw = (out / "provscan.json").read_bytes()
    return json.loads(raw), raw


def hashes(doc: dict) -> dict[str, str]:
    return {a["path"]: a["sha256"] for a in doc["assets"]}


def without_scan_time(raw: bytes, doc: dict) -> bytes:
    stamp = json.dumps(doc["scanned_at"]).encode()
    assert raw.count(stamp) == 1
    return raw.replace(stamp, b'"<scan time>"')


# --- acceptance ------------------------------------------------------------------------------


def test_rescan_with_cache_gives_byte_identical_json(delivery: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    first, first_raw = cli_scan(delivery, tmp_path / "cold", "--cache", str(cache))
    second, second_raw = cli_scan(delivery, tmp_path / "warm", "--cache", str(cache))
    assert len(first["assets"]) == 6
    assert without_scan_time(first_raw, first) == without_scan_time(second_raw, second)
    # and the cached results are the results: same as a scan with no cache at all
    _, fresh_raw = cli_scan(delivery, tmp_path / "fresh", "--no-cache")
    assert without_scan_time(fresh_raw, json.loads(fresh_raw)) == without_scan_time(
        second_raw, second
    )


def test_rescan_reads_cached_results_not_the_files(delivery: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    before, _ = cli_scan(delivery, tmp_path / "cold", "--cache", str(cache))
    mark_cached_rows(cache)
    cached, _ = cli_scan(delivery, tmp_path / "warm", "--cache", str(cache))
    uncached, _ = cli_scan(delivery, tmp_path / "fresh", "--no-cache")
    assert set(hashes(cached).values()) == {CACHED}  # nothing was re-read
    assert hashes(uncached) == hashes(before)


def test_a_file_changed_in_place_with_its_mtime_put_back_is_read_again(
    delivery: Path, tmp_path: Path
) -> None:
    """Same inode, size and mtime, other bytes: the cache once answered with the old bytes'
    verdict (found in review); the ctime, which no one can set back, now tells."""
    cache = tmp_path / "cache.sqlite3"
    before, _ = cli_scan(delivery, tmp_path / "cold", "--cache", str(cache))
    mark_cached_rows(cache)
    changed = delivery / "plates" / "plate_a.jpg"
    change_bytes_keep_size_and_mtime(changed)
    after, _ = cli_scan(delivery, tmp_path / "warm", "--cache", str(cache))
    read = {p: sha for p, sha in hashes(after).items() if sha != CACHED}
    assert set(read) == {"plates/plate_a.jpg"}
    assert read["plates/plate_a.jpg"] not in (hashes(before)["plates/plate_a.jpg"], CACHED)


def test_touching_one_file_rereads_that_file_only(delivery: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    before, _ = cli_scan(delivery, tmp_path / "cold", "--cache", str(cache))
    touched = delivery / "plates" / "plate_b.jpg"
    mark_cached_rows(cache)  # a re-read of any file would show
    os.utime(touched)  # `touch`: a new mtime, so a new identity
    after, _ = cli_scan(delivery, tmp_path / "warm", "--cache", str(cache))
    changed = {p for p, sha in hashes(after).items() if sha != CACHED}
    assert changed == {"plates/plate_b.jpg"}
    assert hashes(after)["plates/plate_b.jpg"] == hashes(before)["plates/plate_b.jpg"]


def test_touching_one_file_analyses_only_that_file(delivery: Path, tmp_path: Path) -> None:
    """The same through the runner's own counters, and the walk hook for the sniffing."""
    cache = tmp_path / "cache.sqlite3"
    options = AnalyseOptions()
    medias = [m for m in walk(delivery) if isinstance(m, MediaFile)]
    with opened(cache) as db:
        list(run_analyses(medias, options, jobs=2, cache=db, analyse=analyse))
    os.utime(delivery / "concept" / "sd.png")
    stats = RunStats()
    with opened(cache) as db:
        known = KnownMedia(db, options, analyse)
        for media in medias:
            found = known(media.path, media.rel, os.stat(media.path))
            expected = None if media.rel == "concept/sd.png" else media
            assert found == expected
        results = list(run_analyses(medias, options, jobs=2, cache=db, analyse=analyse,
                                    stats=stats))  # fmt: skip
    assert [r.path for r in results] == [m.rel for m in medias]
    assert (stats.from_cache, stats.analysed) == (5, 1)
    assert stats.pool.workers_started == 1  # one miss starts one worker, not a full pool


# What each version names: the rule catalog, the fingerprint computation, provscan itself.
VERSION_BUMPS = [
    ("scanner.rules.catalog", "CATALOG_VERSION", lambda v: v + "-next"),
    ("scanner.fingerprint", "FINGERPRINT_VERSION", lambda v: v + 1),
    ("scanner", "__version__", lambda v: v + ".post1"),
]


@pytest.mark.parametrize(
    ("module", "name", "bump"), VERSION_BUMPS, ids=[b[1] for b in VERSION_BUMPS]
)
def test_version_change_invalidates(
    module: str, name: str, bump, delivery: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    owner = importlib.import_module(module)
    cache = tmp_path / "cache.sqlite3"
    before, _ = cli_scan(delivery, tmp_path / "cold", "--cache", str(cache))
    mark_cached_rows(cache)
    same, _ = cli_scan(delivery, tmp_path / "same", "--cache", str(cache))
    assert set(hashes(same).values()) == {CACHED}  # unchanged identity: served from the cache
    monkeypatch.setattr(owner, name, bump(getattr(owner, name)))
    bumped, _ = cli_scan(delivery, tmp_path / "bumped", "--cache", str(cache))
    assert hashes(bumped) == hashes(before)  # every file read again


@pytest.mark.parametrize("option", ["--no-fingerprints", "--trust-anchors"])
def test_options_that_change_results_invalidate(
    option: str, delivery: Path, tmp_path: Path, ca
) -> None:
    cache = tmp_path / "cache.sqlite3"
    before, _ = cli_scan(delivery, tmp_path / "cold", "--cache", str(cache))
    mark_cached_rows(cache)
    extra = [option] if option == "--no-fingerprints" else [option, str(ca_root(tmp_path, ca))]
    after, _ = cli_scan(delivery, tmp_path / "other", "--cache", str(cache), *extra)
    assert hashes(after) == hashes(before)  # every file read again


def ca_root(tmp_path: Path, ca) -> Path:
    path = tmp_path / "root.pem"
    path.write_bytes(ca.root_pem)
    return path


def test_a_moved_delivery_is_a_hit_under_its_new_paths(delivery: Path, tmp_path: Path) -> None:
    """Moving the delivery's folder keeps its files' inodes and times: every row answers, with
    the current paths. (A file renamed itself is read again: the kernel stamps its ctime.)"""
    cache = tmp_path / "cache.sqlite3"
    before, _ = cli_scan(delivery, tmp_path / "cold", "--cache", str(cache))
    mark_cached_rows(cache)
    (delivery / "plates").rename(delivery / "plates_v2")
    after, _ = cli_scan(delivery, tmp_path / "warm", "--cache", str(cache))
    assert "plates/plate_a.jpg" not in hashes(after)
    assert hashes(after)["plates_v2/plate_a.jpg"] == CACHED
    assert len(hashes(after)) == len(hashes(before))


# --- a re-scan reads no media byte (kernel-observed) -------------------------------------------

IN_ACCESS, IN_OPEN, IN_ISDIR, IN_NONBLOCK = 0x1, 0x20, 0x40000000, 0o4000


class FileAccessWatch:
    """inotify on every folder of a tree: which files were opened or read."""

    def __init__(self, root: Path) -> None:
        self.libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = self.libc.inotify_init1(IN_NONBLOCK)
        assert self.fd >= 0
        self.folders = {}
        for folder in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
            wd = self.libc.inotify_add_watch(self.fd, str(folder).encode(), IN_OPEN | IN_ACCESS)
            assert wd >= 0
            self.folders[wd] = folder.relative_to(root).as_posix()

    def touched(self) -> set[str]:
        names: set[str] = set()
        while True:
            try:
                data = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                break
            offset = 0
            while offset < len(data):
                wd, mask, _cookie, length = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16 : offset + 16 + length].rstrip(b"\0").decode()
                offset += 16 + length
                if name and not mask & IN_ISDIR:
                    folder = self.folders[wd]
                    names.add(name if folder == "." else f"{folder}/{name}")
        return names

    def close(self) -> None:
        os.close(self.fd)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux only")
def test_warm_rescan_opens_no_media_file(delivery: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    cli_scan(delivery, tmp_path / "cold", "--cache", str(cache))
    os.utime(delivery / "video" / "clip.mp4", ns=(PAST_NS, PAST_NS + 1))
    watch = FileAccessWatch(delivery)
    try:
        cli_scan(delivery, tmp_path / "warm", "--cache", str(cache))
        assert watch.touched() == {"video/clip.mp4"}
    finally:
        watch.close()


# --- robustness ------------------------------------------------------------------------------


def test_corrupt_cache_is_set_aside_and_the_scan_goes_on(
    delivery: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache.sqlite3"
    garbage = b"this is not a database" * 100
    cache.write_bytes(garbage)
    reference, _ = cli_scan(delivery, tmp_path / "ref", "--no-cache")
    with caplog.at_level(logging.WARNING, logger="provscan.cache"):
        doc, _ = cli_scan(delivery, tmp_path / "out", "--cache", str(cache))
    assert hashes(doc) == hashes(reference)
    assert any("corrupt" in r.getMessage() for r in caplog.records)
    assert (tmp_path / "cache.sqlite3.corrupt").read_bytes() == garbage
    with sqlite3.connect(cache) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("SELECT count(*) FROM results").fetchone()[0] == 6


def test_cache_damaged_mid_file_never_crashes(delivery: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    reference, _ = cli_scan(delivery, tmp_path / "ref", "--cache", str(cache))
    with sqlite3.connect(cache) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(cache.read_bytes())
    for offset in range(4096, len(data), 997):  # wreck every page after the header page
        data[offset] ^= 0x5A
    cache.write_bytes(bytes(data))
    doc, _ = cli_scan(delivery, tmp_path / "out", "--cache", str(cache))
    assert hashes(doc) == hashes(reference)


def test_someone_elses_database_is_left_alone(delivery: Path, tmp_path: Path) -> None:
    cache = tmp_path / "notes.db"
    with sqlite3.connect(cache) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    before = cache.read_bytes()
    doc, _ = cli_scan(delivery, tmp_path / "out", "--cache", str(cache))
    assert len(doc["assets"]) == 6
    assert cache.read_bytes() == before


def test_concurrent_scans_sharing_a_cache(delivery: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    provscan = REPO / ".venv" / "bin" / "provscan"
    runs = [
        subprocess.Popen(
            [
                str(provscan),
                "scan",
                str(delivery),
                "--cache",
                str(cache),
                "--format",
                "json",
                "-o",
                str(tmp_path / f"out{i}"),
                "-q",
                "--jobs",
                "1",
            ],  # fmt: skip
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(3)
    ]
    for run in runs:
        _out, err = run.communicate(timeout=300)
        assert run.returncode in (0, 1), err.decode()
        assert b"Traceback" not in err
    docs = [json.loads((tmp_path / f"out{i}" / "provscan.json").read_text()) for i in range(3)]
    assert hashes(docs[0]) == hashes(docs[1]) == hashes(docs[2])
    with sqlite3.connect(cache) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM results").fetchone()[0] == 6


# --- what is and is not stored ---------------------------------------------------------------


def test_unreadable_and_racy_results_are_not_stored(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    from fixtures.factory import camera_jpeg

    old = camera_jpeg(root / "old.jpg", 1, {"Make": "Canon"}, "2026:01:02 03:04:05")
    os.utime(old, ns=(PAST_NS, PAST_NS))
    camera_jpeg(root / "fresh.jpg", 2, {"Make": "Canon"}, "2026:01:02 03:04:05")  # mtime: now
    broken = root / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 100)
    os.utime(broken, ns=(PAST_NS, PAST_NS))
    cache = tmp_path / "cache.sqlite3"
    medias = [m for m in walk(root) if isinstance(m, MediaFile)]
    first = RunStats()
    with opened(cache) as db:
        results = list(run_analyses(medias, AnalyseOptions(), jobs=1, cache=db,
                                    analyse=analyse, stats=first))  # fmt: skip
    assert {r.path: r.unreadable for r in results} == {
        "broken.jpg": True, "fresh.jpg": False, "old.jpg": False}  # fmt: skip
    assert first.cache.stored == 1  # old.jpg only
    second = RunStats()
    with opened(cache) as db:
        list(run_analyses(medias, AnalyseOptions(), jobs=1, cache=db, analyse=analyse,
                          stats=second))  # fmt: skip
    assert (second.from_cache, second.analysed) == (1, 2)


def analyse_while_it_grows(media: MediaFile, options: AnalyseOptions):
    """The real analysis of a file that another program appends to meanwhile."""
    result = analyse(media, options)
    with open(media.path, "ab") as handle:
        handle.write(b"more")
    return result


def test_file_changing_while_read_is_not_stored(tmp_path: Path) -> None:
    root = tmp_path / "d"
    from fixtures.factory import camera_jpeg

    path = camera_jpeg(root / "growing.jpg", 1, {"Make": "Canon"}, "2026:01:02 03:04:05")
    os.utime(path, ns=(PAST_NS, PAST_NS))
    media = next(m for m in walk(root) if isinstance(m, MediaFile))
    stats = RunStats()
    with opened(tmp_path / "c.db") as db:
        (result,) = run_analyses([media], AnalyseOptions(), jobs=1, cache=db,
                                 analyse=analyse_while_it_grows, stats=stats)  # fmt: skip
    assert result.sha256 and not result.unreadable
    assert stats.cache.stored == 0


def test_schema_change_starts_a_fresh_table(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    cache = ResultCache.open(path)
    assert cache.enabled
    cache.close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO results VALUES ('s', 1, 2, 3, 4, 4, 5, 'a', 'b', 'c', x'00')")
        conn.execute("UPDATE meta SET value='0' WHERE key='schema'")
    ResultCache.open(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM results").fetchone()[0] == 0
        assert conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()[0] == "3"


def test_a_version_2_cache_is_emptied_not_refused(tmp_path: Path) -> None:
    """Version 2's layout (its key had no ctime_ns), as 0.3 made it: its rows go, the table is
    made anew, and the cache works on."""
    from scanner.engine import cache_schema

    path = tmp_path / "cache.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id={cache_schema.APPLICATION_ID}")
    for statement in cache_schema._OLD_SCHEMAS[0].split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT INTO meta VALUES ('schema', '2')")
    conn.execute("INSERT INTO results VALUES ('s', 1, 2, 3, 4, 5, 'a', 'b', 'c', x'00')")
    conn.commit()
    conn.close()
    cache = ResultCache.open(path)
    assert cache.enabled
    cache.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM results").fetchone()[0] == 0
        columns = [row[1] for row in conn.execute("PRAGMA table_info(results)")]
        assert columns[4:6] == ["mtime_ns", "ctime_ns"]


def test_default_cache_path_is_in_the_user_cache_folder(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:  # fmt: skip
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert default_cache_path() == tmp_path / "xdg" / "provscan" / "results.sqlite3"


def test_identity_is_stat_only(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    os.utime(path, ns=(PAST_NS, PAST_NS))
    identity = FileIdentity.of(path)
    st = os.stat(path)
    assert identity == FileIdentity(st.st_dev, st.st_ino, 1, PAST_NS, st.st_ctime_ns)
    assert not identity.racy() and FileIdentity.of(tmp_path / "missing") is None
    path.write_bytes(b"y")
    assert FileIdentity.of(path).racy(time.time_ns())


def test_corruption_found_mid_scan_stops_the_cache_not_the_scan(
    delivery: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache.sqlite3"
    reference, _ = cli_scan(delivery, tmp_path / "ref", "--cache", str(cache))
    with sqlite3.connect(cache) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(cache.read_bytes())
    page = 4096
    for offset in range(len(data) // 2 // page * page, len(data), page):  # the results' pages
        data[offset : offset + page] = b"\xa5" * page
    cache.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="provscan.cache"):
        doc, _ = cli_scan(delivery, tmp_path / "out", "--cache", str(cache))
    assert hashes(doc) == hashes(reference)
    assert any("failed to read" in r.getMessage() for r in caplog.records)
    assert (tmp_path / "cache.sqlite3.corrupt").exists()


def test_every_field_of_an_analysis_survives_the_cache() -> None:
    from scanner.engine.cache_codec import decode_analysis, encode_analysis
    from scanner.model import (
        Assessment,
        AssetAnalysis,
        C2paAction,
        C2paIngredient,
        C2paManifest,
        C2paReport,
        Evidence,
        FrameHash,
        Problem,
        Signal,
    )

    action = C2paAction("c2pa.created", "trainedAlgorithmicMedia", "Firefly", "2026", "d", "a")
    ingredient = C2paIngredient("t", "parentOf", "image/jpeg", "xmp:iid:1", "urn:m:2", ("c",))
    manifest = C2paManifest("urn:m:1", "t", "xmp:iid:0", "gen", "iss", "name", "2026-01-01",
                            (action,), (ingredient,), ("c2pa.actions.v2",))  # fmt: skip
    signal = Signal("C2PA-DST-AI", "ai-generated", "definitive", "c2pa", "f", "v", "Firefly", "d")
    analysis = AssetAnalysis(
        path="a/b.jpg",
        size=123,
        sha256="ab" * 32,
        media_type="image/jpeg",
        kind="image",
        format="JPEG",
        assessment=Assessment("generated", "trusted", ("Adobe Firefly",), (signal,)),
        evidence=(Evidence("xmp", "Iptc4xmpExt:DigitalSourceType", "x" * 9000),),
        c2pa=C2paReport("trusted", "Trusted", "urn:m:1", (manifest,), ("f",), ("i",), "u", "e"),
        fingerprints=(FrameHash(1.5, "0" * 16, "f" * 16, True), FrameHash(0, "1" * 16, "2" * 16)),
        thumbnail="data:image/jpeg;base64,AAAA",
        problems=(Problem("exif", "bad", False), Problem("scan", "worse", True)),
        notes=("n1", "n2"),
    )
    back = decode_analysis(encode_analysis(analysis), "renamed/b.jpg")
    assert back == AssetAnalysis(**{**analysis.__dict__, "path": "renamed/b.jpg"})
    assert back.fingerprints[1].timecode == 0.0 and isinstance(back.fingerprints[1].timecode, float)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p.update(size="123"),
        lambda p: p.update(problems=[{"source": "x", "message": 5, "fatal": True}]),
        lambda p: p.update(evidence="not a list"),
        lambda p: p.pop("sha256"),
        lambda p: p["assessment"].update(signals=[7]),
        lambda p: p.update(size=True),  # a bool is not a size
        lambda p: p.update(unexpected="a key no provscan writes"),
        lambda p: p["assessment"].update(ai_override="none"),
    ],
)
def test_a_tampered_cache_value_is_a_miss_not_a_wrong_result(tamper) -> None:
    import zlib

    from scanner.engine.cache_codec import decode_analysis, encode_analysis
    from scanner.model import AssetAnalysis

    good = AssetAnalysis("p", 1, "s", "image/png", "image", "PNG")
    plain = json.loads(zlib.decompress(encode_analysis(good)))
    tamper(plain)
    with pytest.raises(ValueError):
        decode_analysis(zlib.compress(json.dumps(plain).encode()), "p")


def test_a_scan_opens_the_cache_once(delivery: Path, tmp_path: Path, monkeypatch) -> None:
    """The walk (which asks the cache before sniffing) and the analysis share one connection."""
    from datetime import date

    from scanner.policy.areas import DEFAULT_POLICY
    from scanner.scan import ScanConfig, scan_delivery

    opens: list[Path] = []
    real_open = ResultCache.open.__func__

    def counting_open(cls: type[ResultCache], path: Path) -> ResultCache:
        opens.append(Path(path))
        return real_open(cls, path)

    monkeypatch.setattr(ResultCache, "open", classmethod(counting_open))
    cache = tmp_path / "once.sqlite3"
    config = ScanConfig(policy=DEFAULT_POLICY, as_of=date(2026, 11, 1), jobs=1, cache_path=cache)
    for _ in range(2):  # cold, then warm
        with scan_delivery(delivery, config) as result:
            assert len(result.assets) == 6
    assert opens == [cache, cache]
