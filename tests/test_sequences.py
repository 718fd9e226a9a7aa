"""Frame sequences at the walk: which names group, how the walk hands a sequence on.

Names are grouped from the folder listing alone (scanner.discover.sequences); the walk then
hands each frame on as a media file of its own between a SequenceStart and a SequenceEnd,
where the sequence's path sorts. Real EXR and DPX frames (PyAV's encoders) are used here and
in tests/test_sequence_scan.py, which scans them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixtures.media import dpx_frame, exr_frame
from scanner.discover.identify import sniffed
from scanner.discover.media import MediaFile
from scanner.discover.sequences import (
    SequenceEnd,
    SequenceStart,
    group_frames,
    parse_frame_name,
    ranges_text,
)
from scanner.discover.sniff import HEAD_BYTES, UNREAD_FORMAT
from scanner.discover.walk import count_items, walk
from scanner.model import Skipped


@pytest.mark.parametrize(
    ("name", "head", "number", "width"),
    [
        ("sh010_comp_v003.1001.exr", "sh010_comp_v003.", 1001, 4),
        ("plate_0001.dpx", "plate_", 1, 4),
        ("t01.exr", "t", 1, 2),
        ("shot1001.exr", "shot", 1001, 4),
        ("v2_shot.0001.exr", "v2_shot.", 1, 4),
        ("name.-001.exr", "name.", -1, 4),
        ("shot_-01.exr", "shot_", -1, 3),  # Nuke's %03d of -1
        ("plate-001.exr", "plate-", 1, 3),  # a hyphen as the separator, not a sign
        ("render.0042.png", "render.", 42, 4),
        ("scan.7.cin", "scan.", 7, 1),
    ],
)
def test_the_frame_number_is_the_last_digit_run(name: str, head: str, number: int, width: int):
    parsed = parse_frame_name(name)
    assert parsed is not None
    assert (parsed.head, parsed.number, parsed.width) == (head, number, width)
    assert parsed.tail == name[name.rindex(".") :]


@pytest.mark.parametrize(
    "name",
    [
        "comp_v003.exr",  # a version, not a frame
        "hero_v002.jpg",
        "camera_001.jpg",  # a still named with a number: stills group only as name.####.ext
        "DSC_0042.JPG",
        "poster_01.psd",  # never frames
        "clip1.mov",
        "IMG_20260101_1234567890.exr",  # more digits than a frame counter has
        "readme.txt",
        "notes1.txt",
    ],
)
def test_names_that_are_not_frames(name: str) -> None:
    assert parse_frame_name(name) is None


def test_grouping_by_head_tail_and_padding() -> None:
    names = [f"sh010.{n}.exr" for n in range(1001, 1049) if n != 1010]
    names += [f"t{n:02d}.exr" for n in range(1, 17)]
    names += [f"u{n}.exr" for n in (1, 2, 3, 9, 10)]  # unpadded: widths differ, no zero
    names += ["x.1.exr", "x.01.exr"]  # the same number twice, two paddings: two files
    names += ["a.-001.exr", "a.0000.exr", "a.0001.exr"]  # the sign counts in the width
    names += ["solo.0001.exr", "photo_1962.jpg", "photo_1971.jpg", "far.0001.exr", "far.0100.exr"]
    plans, singles = group_frames(names)
    found = {p.pattern_name(): p for p in plans}
    assert sorted(found) == sorted(
        ["sh010.[1001-1048].exr", "t[01-16].exr", "u[1-10].exr", "a.[-001-0001].exr"]
    )
    assert found["sh010.[1001-1048].exr"].numbers == tuple(
        n for n in range(1001, 1049) if n != 1010
    )
    assert found["u[1-10].exr"].padding == 1
    assert found["t[01-16].exr"].names[0] == "t01.exr"
    # one frame, sparse numbers (years, ids) and ambiguous paddings stay files
    assert sorted(singles) == sorted(
        ["x.1.exr", "x.01.exr", "solo.0001.exr", "photo_1962.jpg", "photo_1971.jpg",
         "far.0001.exr", "far.0100.exr"]
    )  # fmt: skip


def test_a_padded_run_that_outgrows_its_padding_is_one_sequence() -> None:
    """`%03d` writes 999 then 1000 (it was split in two at the new width; found in review);
    numbers far past the padded run are still another sequence."""
    plans, singles = group_frames([f"p.{n:03d}.exr" for n in range(95, 1005)])
    assert [(p.pattern_name(), len(p.numbers), p.padding) for p in plans] == [
        ("p.[095-1004].exr", 910, 3)
    ]
    assert singles == []
    names = [f"a.{n:03d}.exr" for n in range(1, 51)] + [f"a.{n}.exr" for n in range(5000, 5101)]
    plans, _ = group_frames(names)
    assert sorted(p.pattern_name() for p in plans) == ["a.[001-050].exr", "a.[5000-5100].exr"]


def test_negative_frames_in_nukes_naming_keep_their_sign_and_order() -> None:
    names = ["shot_-02.exr", "shot_-01.exr", "shot_000.exr", "shot_001.exr", "shot_002.exr"]
    (plan,), singles = group_frames(reversed(names))
    assert (plan.numbers, plan.names, singles) == ((-2, -1, 0, 1, 2), tuple(names), [])
    assert plan.pattern_name() == "shot_[-02-002].exr"


def test_ranges_text() -> None:
    assert ranges_text([1001, 1002, 1003, 1005, 1007, 1008]) == "1001-1003, 1005, 1007-1008"
    assert ranges_text(range(0, 100, 2), limit=3).endswith("(47 more runs)")


@pytest.fixture(scope="module")
def shot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue's case: 48 EXR and 48 DPX frames of one shot, real files, tiny pictures."""
    root = tmp_path_factory.mktemp("delivery")
    folder = root / "vfx" / "sh010"
    for n in range(1001, 1049):
        exr_frame(folder / f"sh010_comp_v003.{n}.exr", seed=n, size=(32, 18))
        dpx_frame(folder / f"sh010_plate_{n - 1000:04d}.dpx", seed=n, size=(32, 18))
    (folder / "notes.txt").write_text("shot notes")
    return root


def test_the_walk_hands_each_sequence_on_between_start_and_end(shot: Path) -> None:
    items = list(walk(shot, sequences=True))
    starts = [i for i in items if isinstance(i, SequenceStart)]
    assert [s.rel for s in starts] == [
        "vfx/sh010/sh010_comp_v003.[1001-1048].exr",
        "vfx/sh010/sh010_plate_[0001-0048].dpx",
    ]
    for start in starts:
        at = items.index(start)
        frames = items[at + 1 : at + 49]
        assert all(isinstance(f, MediaFile) and f.frame for f in frames)
        assert [f.frame.number for f in frames] == list(start.numbers)  # type: ignore[union-attr]
        assert {f.frame.sequence for f in frames} == {start.rel}  # type: ignore[union-attr]
        # the walk reads no frame: each frame's analysis types it from the bytes it reads
        assert {f.format for f in frames} == {UNREAD_FORMAT}  # type: ignore[union-attr]
        typed = {sniffed(f, f.path.read_bytes()[:HEAD_BYTES]).format for f in frames}  # type: ignore[union-attr]
        assert typed == {"EXR" if "exr" in start.rel else "DPX"}
        assert items[at + 49] == SequenceEnd(start.rel, 48)
    assert Skipped("vfx/sh010/notes.txt", "not media") in items
    assert count_items(shot, sequences=True) == 3
    assert count_items(shot) == 97


def test_without_sequences_every_frame_is_a_file(shot: Path) -> None:
    items = list(walk(shot))
    medias = [i for i in items if isinstance(i, MediaFile)]
    assert len(medias) == 96
    assert all(m.frame is None for m in medias)
    assert not any(isinstance(i, (SequenceStart, SequenceEnd)) for i in items)


def test_a_frame_the_walk_cannot_scan_leaves_a_gap_and_says_why(tmp_path: Path) -> None:
    folder = tmp_path / "plates"
    for n in range(1, 6):
        dpx_frame(folder / f"plate_{n:04d}.dpx", seed=n, size=(16, 8))
    (folder / "plate_0003.dpx").unlink()
    os.symlink(folder / "plate_0001.dpx", folder / "plate_0003.dpx")
    items = list(walk(tmp_path, sequences=True))
    start = next(i for i in items if isinstance(i, SequenceStart))
    assert start.rel == "plates/plate_[0001-0005].dpx"
    assert Skipped("plates/plate_0003.dpx", "symlink, not followed") in items
    assert SequenceEnd(start.rel, 4) in items
