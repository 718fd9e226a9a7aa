"""The walk streams in report order (issue 6): its items come in the order of the paths the
report shows, so the scan analyses and reports them as they are found, with no list of the whole
delivery. Exact orders on trees made to trip a folder-by-folder walk; progress totals; and a
memory bound that does not grow with the file count."""

from __future__ import annotations

import io
import os
import sys
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from scanner.discover.identify import SKIP_NOT_MEDIA
from scanner.discover.media import MediaFile
from scanner.discover.walk import SKIP_LINK_AGAIN, SKIP_SPECIAL, count_items, walk
from scanner.model import Skipped
from scanner.policy.load import load_policy
from scanner.scan import ScanConfig, scan_delivery

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 1)


def tiny_png(shade: int = 0) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (1, 1), shade).save(buffer, "PNG")
    return buffer.getvalue()


# Names as bytes: some are not UTF-8. Each pair of neighbours here is ordered differently by a
# folder-by-folder walk and by the path strings ("-" and "." sort before "/", "\\" before "e").
EDGE_FILES = [
    b"a-b.png", b"a/b.png", b"a.b/c.png", b"a/c.png", b"A/x.png", b"a.png", b"B.png", b"b.png",
    "\u00e9.png".encode(), "\u00e9/x.png".encode(), b"caf\xe9.png", b"cafe.png", b"cafz.png",
    b"caf\\x80.png", b"caf\x80.png", b"d\xff/x.png", b"d/x.png", b"d0/x.png", b"a/a/a.png",
    b"a/a-a.png", b"a/a.a.png", b"a b/x.png", b"a_b/x.png", b"10.png", b"9.png",
    b"a-notes.txt", b"a/notes.txt", b"a.b/notes.txt", b"zz/\xe9\xe9/1.png", b"l-a.png",
]  # fmt: skip
LINKS = {b"l": "a", b"l-": "a.b", b"m": "zz", b"l.png": "a.png", b"d.link": "d"}

# The report's asset paths: verified identical to the scan before the walk streamed (which
# collected every file, then sorted by path).
EDGE_ASSETS = [
    "10.png", "9.png", "A/x.png", "B.png", "a b/x.png", "a-b.png", "a.b/c.png", "a.png",
    "a/a-a.png", "a/a.a.png", "a/a/a.png", "a/b.png", "a/c.png", "a_b/x.png", "b.png",
    "caf\\x80.png", "caf\\x80.png", "caf\\xe9.png", "cafe.png", "cafz.png", "d/x.png",
    "d0/x.png", "d\\xff/x.png", "l-a.png", "zz/\\xe9\\xe9/1.png", "\u00e9.png", "\u00e9/x.png",
]  # fmt: skip
# With --follow-links: also the linked folders and files, under the links' names.
FOLLOWED_ASSETS = [
    "10.png", "9.png", "A/x.png", "B.png", "a b/x.png", "a-b.png", "a.b/c.png", "a.png",
    "a/a-a.png", "a/a.a.png", "a/a/a.png", "a/b.png", "a/c.png", "a_b/x.png", "b.png",
    "caf\\x80.png", "caf\\x80.png", "caf\\xe9.png", "cafe.png", "cafz.png", "d.link/x.png",
    "d/x.png", "d0/x.png", "d\\xff/x.png", "l-/c.png", "l-a.png", "l.png", "l/a-a.png",
    "l/a.a.png", "l/a/a.png", "l/b.png", "l/c.png", "m/\\xe9\\xe9/1.png", "zz/\\xe9\\xe9/1.png",
    "\u00e9.png", "\u00e9/x.png",
]  # fmt: skip


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("edge")
    raw_root = os.fsencode(root)
    for index, name in enumerate(EDGE_FILES):
        path = os.path.join(raw_root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(b"notes" if name.endswith(b".txt") else tiny_png(index))
    for name, target in LINKS.items():
        os.symlink(target, os.path.join(raw_root, name))
    (root / "e-").mkdir()  # an empty folder yields nothing
    return root


def listed(items: list[MediaFile | Skipped]) -> list[str]:
    return [i.rel if isinstance(i, MediaFile) else f"{i.path}: {i.reason}" for i in items]


def test_walk_yields_in_the_order_of_the_reported_paths(edge: Path) -> None:
    items = list(walk(edge))
    assert [i.rel for i in items if isinstance(i, MediaFile)] == EDGE_ASSETS
    assert [i.path for i in items if isinstance(i, Skipped)] == [
        "a-notes.txt", "a.b/notes.txt", "a/notes.txt", "d.link", "l", "l-", "l.png", "m",
    ]  # fmt: skip
    every_path = [i.rel if isinstance(i, MediaFile) else i.path for i in items]
    assert every_path == sorted(every_path)  # skipped ones too, in one order


def test_followed_links_sort_as_what_they_resolve_to(edge: Path) -> None:
    items = list(walk(edge, follow_links=True))
    assert [i.rel for i in items if isinstance(i, MediaFile)] == FOLLOWED_ASSETS
    assert [i.path for i in items if isinstance(i, Skipped)] == [
        "a-notes.txt", "a.b/notes.txt", "a/notes.txt", "l-/notes.txt", "l/notes.txt",
    ]  # fmt: skip


def test_the_first_link_in_report_order_is_the_one_followed(tmp_path: Path) -> None:
    """A folder is entered through one link only: the first in report order. "x.y" sorts
    before "x/z" ("." < "/"), though a folder-by-folder walk meets x/z first."""
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "f.png").write_bytes(tiny_png())
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "z").symlink_to("../t")
    (tmp_path / "x.y").symlink_to("t")
    assert listed(list(walk(tmp_path, follow_links=True))) == [
        "t/f.png", "x.y/f.png", f"x/z: {SKIP_LINK_AGAIN}",
    ]  # fmt: skip


def test_the_sample_delivery_walks_in_path_order() -> None:
    items = list(walk(ROOT / "fixtures" / "delivery"))
    paths = [i.rel if isinstance(i, MediaFile) else i.path for i in items]
    assert len(paths) > 30 and paths == sorted(paths)


def config_for(root: Path) -> ScanConfig:
    return ScanConfig(policy=load_policy(root), as_of=AS_OF, fingerprints=False, jobs=1)


@pytest.mark.parametrize("follow", [False, True])
def test_the_report_lists_assets_and_skipped_paths_in_path_order(edge: Path, follow) -> None:
    config = ScanConfig(
        policy=load_policy(edge), as_of=AS_OF, fingerprints=False, jobs=2, follow_links=follow
    )
    calls: list[tuple[int, int, str]] = []
    with scan_delivery(edge, config, progress=lambda *call: calls.append(call)) as result:
        paths = [asset.analysis.path for asset in result.assets]
        assert paths == (FOLLOWED_ASSETS if follow else EDGE_ASSETS)
        assert {asset.finding.status for asset in result.assets} == {"clean"}
        skipped = [item.path for item in result.skipped]
        assert skipped == sorted(skipped)
        assert {s.reason for s in result.skipped} == (
            {SKIP_NOT_MEDIA} if follow else {SKIP_NOT_MEDIA, "symlink, not followed"}
        )
        # Progress: every walked item (asset or skipped) out of a total counted up front.
        total = len(paths) + len(skipped)
        assert [call[0] for call in calls] == sorted({call[0] for call in calls})
        assert {call[1] for call in calls} == {total}
        assert calls[-1] == (total, total, paths[-1])


def test_count_items_is_what_the_walk_yields(edge: Path, tmp_path: Path) -> None:
    for follow in (False, True):
        assert count_items(edge, follow_links=follow) == len(list(walk(edge, follow_links=follow)))
    os.mkfifo(tmp_path / "pipe.mov")  # counted, never opened
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f.png").write_bytes(tiny_png())
    (tmp_path / "loop").symlink_to(".")
    assert listed(list(walk(tmp_path, follow_links=True))) == [
        "loop: symlink loop: points at a folder that contains it",
        f"pipe.mov: {SKIP_SPECIAL}",
        "sub/f.png",
    ]
    assert count_items(tmp_path, follow_links=True) == 3
    assert count_items(tmp_path / "missing") == 1  # the root skipped as an unreadable folder


# --- memory: flat with the file count ---------------------------------------------------------


def shots(root: Path, files: int, per_folder: int = 500) -> Path:
    """`files` tiny PNGs in shot folders of `per_folder`, like frames of VFX shots."""
    data = tiny_png()
    for index in range(files):
        folder = root / f"shot{index // per_folder:03d}"
        if index % per_folder == 0:
            folder.mkdir(parents=True)
        (folder / f"frame{index:06d}.png").write_bytes(data)
    return root


def scan_peak(root: Path) -> int:
    """The scanning process's peak Python allocation over a whole scan (jobs=1: one worker
    process analyses; this process walks, dispatches, judges and spools)."""
    tracemalloc.start()
    try:
        with scan_delivery(root, config_for(root)) as result:
            assert len(result.assets) > 0 and not result.skipped
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def list_peak(root: Path) -> int:
    """The same walk held as a list, as the scan did before it streamed."""
    tracemalloc.start()
    try:
        items = list(walk(root))
        assert items
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# What may grow from 2,000 to 8,000 files: the spool's offsets (8 bytes per asset, in an array
# that over-allocates as it grows: about 50 KB here) and nothing else: what a folder's listing
# holds (500 names here) and the runner's window (128 files) do not depend on the count.
# Measured (after a warm-up scan for the one-off lazy imports, about 1 MB): peaks of 300 KB at
# 2,000 files and 346-352 KB at 8,000 (ten runs), a growth of about 50 KB. The bound, 256 KiB,
# is five times that; it fails as soon as some 45 bytes per file are kept, against about 500
# bytes per file when the walk is held as a list (3 MB more at 8,000; the scan as it was, with
# `list(medias)` put back, grows 2-4 MB), asserted below on the same trees so the measure sees
# per-file memory.
FLAT_BOUND = 256 * 1024


def test_scanning_memory_does_not_grow_with_the_file_count(tmp_path: Path) -> None:
    trees = {count: shots(tmp_path / str(count), count) for count in (2000, 8000)}
    # pathlib (Python 3.11) interns each name it parses. New names fill the interpreter's table
    # of interned strings, which is reallocated (about 2 MB at once, a one-off) whenever it
    # fills up, every few tens of thousands of new names: that would land in whichever measure
    # it happens to fall. Interned here first (the 2,000 tree's names are among the 8,000's),
    # the scans add no name to the table. Per-file objects (paths, media files) are still new.
    interned = [sys.intern(path.name) for path in trees[8000].rglob("*")]
    scan_peak(trees[2000])  # warm-up: lazy imports and caches of a first scan
    peaks = {count: scan_peak(tree) for count, tree in trees.items()}
    growth = peaks[8000] - peaks[2000]
    assert growth < FLAT_BOUND, peaks

    listed_peaks = {count: list_peak(tree) for count, tree in trees.items()}
    assert listed_peaks[8000] - listed_peaks[2000] > 8 * FLAT_BOUND, listed_peaks
    assert len(interned) == 8000 + 16
