"""A whole sequence under one cache row (`scanner.engine.sequence_cache`), frames the walk does
not read (typed by their analysis), the prefetch hints, and compressed EXR frames without a
byte profile: each on real files."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import numpy as np
import OpenEXR
import pytest

from fixtures.media import exr_frame
from scanner.discover.identify import unread_frame
from scanner.discover.known_sequence import stat_frames
from scanner.discover.media import FrameOf, Listed, ListedHash
from scanner.discover.sequences import SequenceStart
from scanner.discover.sniff import UNKNOWN_FORMAT, UNREAD_FORMAT
from scanner.discover.walk import walk
from scanner.engine.analyse import AnalyseOptions, _compressed_exr, analyse
from scanner.engine.bounds import failed_analysis
from scanner.engine.cache import ResultCache
from scanner.engine.digests import PROFILE
from scanner.engine.feed import DeliveryFeed
from scanner.engine.prefetch import MAX_FILE_BYTES, Prefetcher, _hint
from scanner.engine.runner import KnownMedia, RunStats, run_analyses
from scanner.engine.sequence_cache import SequenceCache, sequence_identity
from scanner.model import AssetAnalysis

PAST_NS = 1_700_000_000 * 10**9  # outside the cache's racy window


def shot(root: Path, frames: int = 6) -> Path:
    folder = root / "sh010"
    for n in range(1001, 1001 + frames):
        path = exr_frame(folder / f"sh010.{n}.exr", seed=n, size=(32, 18))
        os.utime(path, ns=(PAST_NS, PAST_NS))
    return folder


def start_of(folder: Path, frames: int = 6) -> SequenceStart:
    numbers = tuple(range(1001, 1001 + frames))
    return SequenceStart(f"{folder.name}/sh010.[1001-{1000 + frames}].exr", folder.name,
                         "sh010.", ".exr", 4, numbers)  # fmt: skip


def identity(folder: Path, listed: Listed | None = None) -> object:
    names = tuple(sorted(p.name for p in folder.iterdir()))
    frames = stat_frames(folder, names, lambda _name: listed)
    return sequence_identity(start_of(folder, len(names)), frames)


def test_the_key_changes_with_any_frame_and_with_what_manifests_list(tmp_path: Path) -> None:
    folder = shot(tmp_path)
    first = identity(folder)
    assert first == identity(folder)  # the same frames: the same key
    assert first.mtime_ns < 0  # type: ignore[attr-defined]  # never a real time

    touched = folder / "sh010.1003.exr"
    os.utime(touched, ns=(PAST_NS + 10**9, PAST_NS + 10**9))
    assert identity(folder) != first  # a frame re-rendered (its time)

    os.utime(touched, ns=(PAST_NS, PAST_NS))
    assert identity(folder) != first  # its time put back: its ctime still tells
    first = identity(folder)
    listed = Listed(("ascmhl/0001.mhl",), (ListedHash("ascmhl/0001.mhl", "xxh64", "ab" * 8),))
    assert identity(folder, listed) != first  # the vendor's manifest lists other hashes

    replaced = folder / "sh010.1004.exr"
    copy = folder / "copy.tmp"
    copy.write_bytes(replaced.read_bytes())  # same bytes, same time, another inode
    os.utime(copy, ns=(PAST_NS, PAST_NS))
    copy.replace(replaced)
    assert identity(folder) != first


def scan_with(root: Path, cache_file: Path) -> tuple[list[AssetAnalysis], RunStats, SequenceCache]:
    options = AnalyseOptions()
    stats = RunStats()
    with ResultCache.open(cache_file) as cache:
        known = KnownMedia(cache, options, analyse)
        sequences = SequenceCache(cache, options, analyse)
        items = walk(root, known=known, sequences=True, known_sequence=sequences)
        feed = DeliveryFeed(items, fingerprints=True, sequence_cache=sequences)
        results = run_analyses(
            feed.media(), options, jobs=1, cache=cache, analyse=analyse, stats=stats,
            in_process=True,
        )  # fmt: skip
        return list(feed.assets(results)), stats, sequences


def test_a_sequence_row_that_does_not_decode_is_a_miss(tmp_path: Path) -> None:
    root = tmp_path / "delivery"
    shot(root)
    cache_file = tmp_path / "cache" / "results.sqlite3"
    (cold,), _, stored = scan_with(root, cache_file)
    assert stored.stored == 1 and cold.format == "EXR"

    # every row that is not a frame's or a file's (the sequence's) gets a value of junk
    with sqlite3.connect(cache_file) as conn:
        changed = conn.execute(
            "UPDATE results SET value = ? WHERE mtime_ns < 0", (b"\x78\x01junk",)
        ).rowcount
    assert changed == 1
    (again,), stats, sequences = scan_with(root, cache_file)
    assert sequences.hits == 0 and stats.files == 6 and stats.from_cache == 6  # frame by frame
    assert again == cold


def test_a_racily_fresh_frame_keeps_the_sequence_out_of_the_cache(tmp_path: Path) -> None:
    root = tmp_path / "delivery"
    folder = shot(root)
    os.utime(folder / "sh010.1002.exr")  # now: may still change within the clock's tick
    (_asset,), _, sequences = scan_with(root, tmp_path / "cache" / "results.sqlite3")
    assert sequences.stored == 0


def test_a_frame_the_walk_did_not_read_is_never_reported_unread(tmp_path: Path) -> None:
    folder = shot(tmp_path, 2)
    (start, *items, _end) = list(walk(tmp_path, sequences=True))
    assert isinstance(start, SequenceStart)
    assert {item.format for item in items} == {UNREAD_FORMAT}  # type: ignore[union-attr]

    typed = analyse(items[0], AnalyseOptions(fingerprints=False))  # type: ignore[arg-type]
    assert typed.format == "EXR" and typed.media_type == "image/x-exr"

    gone = unread_frame(folder / "sh010.9999.exr", "sh010/sh010.9999.exr", 10)
    vanished = analyse(gone, AnalyseOptions())
    assert vanished.format == UNKNOWN_FORMAT and vanished.unreadable
    assert failed_analysis(gone, "analysis process was killed").format == UNKNOWN_FORMAT


def test_a_compressed_exr_frame_takes_no_byte_profile(tmp_path: Path) -> None:
    zipped = exr_frame(tmp_path / "zip.exr", size=(32, 18))
    pixels = np.zeros((18, 32), dtype=np.float16)
    header = {"compression": OpenEXR.NO_COMPRESSION, "type": OpenEXR.scanlineimage}
    raw = tmp_path / "raw.exr"
    with OpenEXR.File(header, {"R": pixels, "G": pixels, "B": pixels}) as image:
        image.write(str(raw))
    with open(zipped, "rb") as a, open(raw, "rb") as b:
        assert _compressed_exr(a) and not _compressed_exr(b)
    for path, profiled in ((zipped, False), (raw, True)):
        media = unread_frame(path, path.name, path.stat().st_size)
        media = media.__class__(**{**media.__dict__, "frame": FrameOf("x", 1)})
        digests = {d.algorithm: d.value for d in analyse(media, AnalyseOptions()).digests}
        assert PROFILE in digests  # the frame's pass always carries one: empty when noise
        assert bool(digests[PROFILE]) == profiled


def test_prefetch_hints_regular_files_only_and_stays_in_its_budget(tmp_path: Path) -> None:
    regular = tmp_path / "frame.exr"
    regular.write_bytes(b"\0" * 4096)
    link = tmp_path / "link.exr"
    link.symlink_to(regular)
    fifo = tmp_path / "fifo.exr"
    os.mkfifo(fifo)
    assert _hint(regular)
    assert not _hint(link)  # never through a link
    assert not _hint(fifo)  # opened without blocking, and not a regular file: no hint

    frames = [unread_frame(regular, f"f{n}", 40) for n in range(10)]
    big = unread_frame(regular, "master.mxf", MAX_FILE_BYTES + 1)
    prefetch = Prefetcher(budget=100)
    try:
        prefetch.ahead([big, *frames])
        prefetch.close()
        assert prefetch.files == 3  # 40 + 40 + 40 bytes reach the budget; the master is left
        prefetch.handed(frames[0])
        prefetch.ahead(frames)  # under 7/8 of the budget again: the next ones
        prefetch.close()
        assert prefetch.files == 4
    finally:
        prefetch.close()


@pytest.mark.parametrize("count", [0, 1])
def test_stat_frames_asks_the_manifests_once_per_frame(tmp_path: Path, count: int) -> None:
    folder = shot(tmp_path, 3)
    asked: list[str] = []
    names = tuple(sorted(p.name for p in folder.iterdir()))
    if count:
        (folder / names[1]).unlink()
    frames = stat_frames(folder, names, lambda name: asked.append(name) or None)  # type: ignore[func-returns-value]
    assert asked == list(names)
    assert [f.plain for f in frames] == [True, not count, True]
