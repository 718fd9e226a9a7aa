"""A cache file of the user's own whose contents are hostile: what is in it must not decide.

Each case is a real SQLite file that provscan made, then changed the way an attacker would:
a view that loops forever where the results table was, a trigger that rewrites every stored
result, other tables, views and columns. Scans that could hang run in a child process with
a timeout, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from scanner.engine import cache_schema
from scanner.engine.cache import FileIdentity, ResultCache, Unusable, opened
from scanner.engine.cache_codec import MAX_VALUE_BYTES, decode_analysis, encode_analysis
from scanner.model import AssetAnalysis

REPO = Path(__file__).resolve().parents[1]
PAST_NS = 1_700_000_000 * 10**9  # outside the racy window: results get stored
HANG_GUARD_S = 300  # far beyond a two-file scan: reaching it means the scan hung
LOOP_FOREVER = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"


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


# The CLI, then the peak resident memory of this (the scanning) process on stderr: VmHWM, the
# high-water mark of this process's own memory map. Not getrusage's ru_maxrss, which Linux
# carries over an exec from the forking parent (a pytest process of 700 MB made every child
# "peak" at 700 MB). Analysis workers are processes of their own, with their own bounds.
MEASURED_CLI = """
import sys
from scanner.cli import main
try:
    main()
finally:
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print(f"peak-rss-kib={peak}", file=sys.stderr)
"""


def scan_in_child(delivery: Path, out: Path, *extra: str) -> tuple[int, str]:
    """`provscan scan` in a child process (this checkout's code) in a session of its own, so a
    hung scan is killed with its workers. (exit code, stderr)."""
    scan = ["scan", str(delivery), "--format", "json", "-o", str(out), "-q", "--jobs", "1"]
    command = [sys.executable, "-c", MEASURED_CLI, *scan, *extra]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen(
        command, cwd=REPO, env=env, stderr=subprocess.PIPE, start_new_session=True
    ) as child:
        try:
            _, err = child.communicate(timeout=HANG_GUARD_S)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            pytest.fail(f"the scan hung (killed after {HANG_GUARD_S} s)")
    return child.returncode, err.decode(errors="replace")


def assets(out: Path) -> dict[str, tuple[str, str]]:
    doc = json.loads((out / "provscan.json").read_text())
    return {a["path"]: (a["sha256"], a["ai"]) for a in doc["assets"]}


def a_cache(path: Path) -> Path:
    ResultCache.open(path).close()
    return path


def tampered(cache: Path, *statements: str) -> bytes:
    """Run `statements` on the cache as any SQLite client would; the file's bytes after."""
    with sqlite3.connect(cache) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()
    return cache.read_bytes()


# --- the layout ------------------------------------------------------------------------------


def test_a_results_view_that_loops_forever_does_not_hang_the_scan(
    delivery: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.sqlite3"
    code, err = scan_in_child(delivery, tmp_path / "cold", "--cache", str(cache))
    assert code in (0, 1), err
    # every key column an expression of x: were dev or ino plain x, SQLite would carry
    # `dev = ?` over into the other terms and see at once that no row can match
    before = tampered(
        cache,
        "DROP TABLE results",
        f"CREATE VIEW results AS {LOOP_FOREVER} SELECT 'scope ' || x AS scope, x + 0 AS dev,"
        " x + 0 AS ino, 0 AS size, 0 AS mtime_ns, 0 AS ctime_ns, 0 AS used_at,"
        " 'image/png' AS media_type,"
        " 'PNG' AS format, 'image' AS kind, x'00' AS value FROM c",
    )
    code, err = scan_in_child(delivery, tmp_path / "out", "--cache", str(cache))
    assert code in (0, 1), err
    assert "does not have the layout of a provscan cache" in err and "view results" in err
    assert assets(tmp_path / "out") == assets(tmp_path / "cold")
    assert cache.read_bytes() == before  # someone's file: left alone


def test_a_trigger_that_forges_stored_results_is_not_obeyed(delivery: Path, tmp_path: Path) -> None:
    code, err = scan_in_child(delivery, tmp_path / "reference", "--no-cache")
    assert code in (0, 1), err
    reference = assets(tmp_path / "reference")
    assert reference["concept/sd.png"][1] == "generated"
    clean = encode_analysis(AssetAnalysis("x", 1, "0" * 64, "image/png", "image", "PNG"))
    assert clean is not None
    cache = a_cache(tmp_path / "cache.sqlite3")
    before = tampered(
        cache,
        "CREATE TRIGGER keep_it_clean AFTER INSERT ON results BEGIN"
        f" UPDATE results SET value = x'{clean.hex()}' WHERE rowid = NEW.rowid; END",
    )
    for run in ("first", "second"):  # the first would store (and be rewritten), the second read
        code, err = scan_in_child(delivery, tmp_path / run, "--cache", str(cache))
        assert code in (0, 1), err
        assert "trigger keep_it_clean" in err
        assert assets(tmp_path / run) == reference
    assert cache.read_bytes() == before


LAYOUT_CHANGES = {
    "extra table": "CREATE TABLE notes (text TEXT)",
    "extra index": "CREATE INDEX results_kind ON results (kind)",
    "virtual table": "CREATE VIRTUAL TABLE docs USING fts5(body)",
    "view": "CREATE VIEW recent AS SELECT * FROM results",
    "trigger": "CREATE TRIGGER noisy AFTER DELETE ON results BEGIN SELECT 1; END",
    "another column list": "ALTER TABLE results ADD COLUMN note TEXT",
    "index dropped": "DROP INDEX results_used_at",
}


@pytest.mark.parametrize("change", LAYOUT_CHANGES.values(), ids=LAYOUT_CHANGES.keys())
def test_a_cache_with_any_other_layout_is_left_alone(
    change: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = a_cache(tmp_path / "cache.sqlite3")
    before = tampered(cache, change)
    with caplog.at_level(logging.WARNING, logger="provscan.cache"):
        reopened = ResultCache.open(cache)
    assert not reopened.enabled
    reopened.close()
    assert any("does not have the layout" in r.getMessage() for r in caplog.records)
    assert cache.read_bytes() == before


# --- the statement bound ---------------------------------------------------------------------

BOUND_CHILD = """
import sqlite3, sys
from pathlib import Path
from scanner.engine import cache_schema
cache_schema.STATEMENT_BOUND_S = 0.5  # the real bound, shortened to keep the suite quick
conn = cache_schema.connect(Path(sys.argv[1]))
try:
    conn.execute(sys.argv[2]).fetchone()
except sqlite3.OperationalError as exc:
    print(exc)
"""


def test_a_statement_past_its_bound_is_interrupted(tmp_path: Path) -> None:
    cache = a_cache(tmp_path / "cache.sqlite3")
    endless = f"{LOOP_FOREVER} SELECT count(*) FROM c"
    child = subprocess.run(
        [sys.executable, "-c", BOUND_CHILD, str(cache), endless],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        timeout=HANG_GUARD_S,
    )
    assert child.stdout.decode().strip() == "interrupted", child.stderr.decode()


def test_an_interrupted_statement_turns_the_cache_off_not_the_scan(
    delivery: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    from scanner.discover.media import MediaFile
    from scanner.discover.walk import walk
    from scanner.engine.analyse import AnalyseOptions, analyse
    from scanner.engine.runner import RunStats, run_analyses

    cache = tmp_path / "cache.sqlite3"
    medias = [m for m in walk(delivery) if isinstance(m, MediaFile)]
    with opened(cache) as db:
        reference = list(run_analyses(medias, AnalyseOptions(), jobs=1, cache=db,
                                      analyse=analyse))  # fmt: skip
    monkeypatch.setattr(cache_schema, "PROGRESS_EVERY_OPS", 1)  # look at the clock at every step
    stats = RunStats()
    with caplog.at_level(logging.WARNING, logger="provscan.cache"), opened(cache) as db:
        assert db is not None and db.enabled
        monkeypatch.setattr(cache_schema, "STATEMENT_BOUND_S", -1.0)  # every statement is late
        results = list(run_analyses(medias, AnalyseOptions(), jobs=1, cache=db,
                                    analyse=analyse, stats=stats))  # fmt: skip
        assert not db.enabled
    assert results == reference and stats.analysed == len(medias)
    assert any("interrupted" in r.getMessage() for r in caplog.records)
    assert not (tmp_path / "cache.sqlite3.corrupt").exists()  # slow is not corrupt


# --- the values ------------------------------------------------------------------------------

MiB = 1 << 20


def inflates_to_a_gibibyte() -> bytes:
    """A valid zlib stream of about 1 MB that inflates to 1 GiB of zeros, built without ever
    holding the GiB: one compressed MiB, flushed so it stands alone, repeated 1,024 times."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate: the zlib frame is ours
    zeros = bytes(MiB)
    one_mib = deflater.compress(zeros) + deflater.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(1024):
        checksum = zlib.adler32(zeros, checksum)
    final_empty_block = b"\x03\x00"
    return b"\x78\xda" + one_mib * 1024 + final_empty_block + struct.pack(">I", checksum)


def test_a_small_row_that_inflates_to_a_gibibyte_is_a_miss_in_little_memory(
    delivery: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.sqlite3"
    code, err = scan_in_child(delivery, tmp_path / "cold", "--cache", str(cache))
    assert code in (0, 1), err
    bomb = inflates_to_a_gibibyte()
    assert len(bomb) < 1.1 * MiB
    with sqlite3.connect(cache) as conn:
        assert conn.execute("UPDATE results SET value=?", (bomb,)).rowcount == 2
    conn.close()
    code, err = scan_in_child(delivery, tmp_path / "warm", "--cache", str(cache))
    assert code in (0, 1), err
    assert assets(tmp_path / "warm") == assets(tmp_path / "cold")
    peak_mib = int(re.findall(r"peak-rss-kib=(\d+)", err)[-1]) / 1024
    assert peak_mib < 300, f"the scanning process peaked at {peak_mib:.0f} MiB"
    with sqlite3.connect(cache) as conn:  # both were misses: analysed again, stored again
        assert conn.execute("SELECT max(length(value)) FROM results").fetchone()[0] < 64 * 1024
    conn.close()


def an_analysis(**fields: object) -> AssetAnalysis:
    return AssetAnalysis(**{"path": "a.png", "size": 1, "sha256": "0" * 64,
                            "media_type": "image/png", "kind": "image", "format": "PNG",
                            **fields})  # fmt: skip


def compressed(analysis: AssetAnalysis) -> bytes:
    """What encode_analysis would store, without its size cap."""
    plain = json.loads(zlib.decompress(encode_analysis(an_analysis())))
    plain["notes"] = list(analysis.notes)
    return zlib.compress(json.dumps(plain).encode(), 1)


OVER_THE_CAP = an_analysis(notes=("x" * (MAX_VALUE_BYTES + 1),))
VALUES_THAT_MUST_NOT_DECODE = {
    "inflates past the cap": compressed(OVER_THE_CAP),
    "data after the stream": encode_analysis(an_analysis()) + b"more",
}


@pytest.mark.parametrize(
    "value", VALUES_THAT_MUST_NOT_DECODE.values(), ids=VALUES_THAT_MUST_NOT_DECODE.keys()
)
def test_a_value_outside_the_bounds_does_not_decode(value: bytes) -> None:
    with pytest.raises(ValueError):
        decode_analysis(value, "a.png")


def test_a_result_over_the_cap_is_not_stored(tmp_path: Path) -> None:
    assert encode_analysis(OVER_THE_CAP) is None
    with opened(tmp_path / "cache.sqlite3") as db:
        assert db is not None
        db.store("scope", [(FileIdentity(1, 2, 3, PAST_NS, PAST_NS), OVER_THE_CAP)])
        assert db.stats.stored == 0


# --- forged rows in the user's own cache -----------------------------------------------------


@pytest.fixture
def media_file(tmp_path: Path) -> tuple[Path, FileIdentity]:
    path = tmp_path / "a.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    os.utime(path, ns=(PAST_NS, PAST_NS))
    identity = FileIdentity.of(path)
    assert identity is not None
    return path, identity


def forge_row(cache: Path, identity: FileIdentity, **columns: object) -> None:
    """Write one results row as any SQLite client could: provscan's defaults unless given."""
    row = {"scope": "scope", "dev": identity.dev, "ino": identity.ino, "size": identity.size,
           "mtime_ns": identity.mtime_ns, "ctime_ns": identity.ctime_ns,
           "used_at": int(time.time()),
           "media_type": "image/png", "format": "PNG", "kind": "image",
           "value": encode_analysis(an_analysis()), **columns}  # fmt: skip
    names, marks = ", ".join(row), ", ".join("?" * len(row))
    with sqlite3.connect(cache) as conn:
        conn.execute(
            f"INSERT OR REPLACE INTO results ({names}) VALUES ({marks})", tuple(row.values())
        )
    conn.close()


def test_a_stored_value_over_the_cap_is_not_read(
    tmp_path: Path, media_file: tuple[Path, FileIdentity]
) -> None:
    _, identity = media_file
    noise = an_analysis(notes=(os.urandom(MAX_VALUE_BYTES).hex(),))  # barely compresses
    blob = compressed(noise)
    assert len(blob) > MAX_VALUE_BYTES
    cache = a_cache(tmp_path / "cache.sqlite3")
    forge_row(cache, identity, value=blob)
    with opened(cache) as db:
        assert db is not None
        assert db.lookup("scope", [(identity, "a.png")]) == [Unusable.ROW]
        assert db.stats.unusable == 1


def test_a_row_with_mistyped_columns_never_crashes(
    tmp_path: Path, media_file: tuple[Path, FileIdentity]
) -> None:
    _, identity = media_file
    cache = a_cache(tmp_path / "cache.sqlite3")
    forge_row(cache, identity, used_at="soon")
    with opened(cache) as db:
        assert db is not None
        (found,) = db.lookup("scope", [(identity, "a.png")])
        assert found == an_analysis()  # the value is fine; the odd date only asks for a refresh


@pytest.mark.parametrize(
    "columns",
    [{"media_type": "image/png" + "x" * MiB}, {"format": b"PNG"}],
    ids=["a megabyte of media type", "format as a blob"],
)
def test_a_row_with_an_odd_type_is_not_used_to_skip_sniffing(
    columns: dict[str, object], tmp_path: Path, media_file: tuple[Path, FileIdentity]
) -> None:
    _, identity = media_file
    cache = a_cache(tmp_path / "cache.sqlite3")
    forge_row(cache, identity, **columns)
    with opened(cache) as db:
        assert db is not None
        assert db.known_type("scope", identity) is None


NOT_AN_ANALYSIS = {
    "not compressed": b"an AI PNG? no, a clean WAV",
    "a list": zlib.compress(b"[1, 2, 3]"),
    "a size that is text": zlib.compress(
        json.dumps(
            {**json.loads(zlib.decompress(encode_analysis(an_analysis()))), "size": "1"}
        ).encode()
    ),
}


@pytest.mark.parametrize("value", NOT_AN_ANALYSIS.values(), ids=NOT_AN_ANALYSIS.keys())
def test_a_forged_row_that_does_not_decode_is_a_miss_read_from_the_bytes(
    value: bytes, delivery: Path, tmp_path: Path
) -> None:
    """Its value is a miss, and so is its stored type: the walk took the file's type from the
    same row (to skip sniffing), so the file is sniffed again before it is analysed."""
    cache = tmp_path / "cache.sqlite3"
    code, err = scan_in_child(delivery, tmp_path / "cold", "--cache", str(cache))
    assert code in (0, 1), err
    with sqlite3.connect(cache) as conn:
        forged = conn.execute(
            "UPDATE results SET value=?, media_type='audio/wav', format='WAV', kind='audio'"
            " WHERE ino=?",
            (value, os.stat(delivery / "concept" / "sd.png").st_ino),
        )
        assert forged.rowcount == 1
    conn.close()
    code, err = scan_in_child(delivery, tmp_path / "warm", "--cache", str(cache))
    assert code in (0, 1), err
    assert assets(tmp_path / "warm") == assets(tmp_path / "cold")
    assert assets(tmp_path / "warm")["concept/sd.png"][1] == "generated"
