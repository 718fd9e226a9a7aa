"""Clip -> asset resolution: the documented precedence (path, file name, clip name, reel,
sequence pattern, IMF package), sequences of per-frame files and of sequence assets, and the
shared Avid/Premiere/Nucoda EDLs against a delivery built around their EXR clips."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.timeline.assets import AssetIndex
from scanner.timeline.model import Clip
from scanner.timeline.otio_clips import TimelineProblem
from scanner.timeline.resolve import reference_parts, resolve

SHARED = Path(__file__).resolve().parents[2] / "shared" / "promedia"
BEACHBALL = SHARED / "AcademySoftwareFoundation+openexr-images/Beachball"
EDLS = SHARED / "OpenTimelineIO+otio-cmx3600-adapter/tests/sample_data"

INDEX = AssetIndex(
    [
        "final/video/sh010.mov",
        "final/video/SH020_v002.mov",
        "temp/sh010.mov",
        "plates/sh030/sh030_bg.1001.exr",
        "plates/sh030/sh030_bg.1002.exr",
        "plates/sh030/sh030_bg.1003.exr",
        "plates/sh030/sh030_bg.1004.exr",
        "vfx/sh040/sh040_comp_v003.[1001-1048].exr",
        "stills/camera_001.jpg",
        "stills/camera_002.jpg",
    ]
)


def clip(*media: str, name: str = "", reel: str = "", frames: int = 24, **more: object) -> Clip:
    fields: dict = dict(
        event="1",
        track="V",
        name=name,
        record_in=0,
        record_out=frames,
        source_rate=Fraction(24),
        source_in=0,
        source_out=frames,
        media=media,
        reel=reel,
    )
    fields.update(more)
    return Clip(**fields)


@pytest.mark.parametrize(
    ("reference", "parts", "relative"),
    [
        ("final/video/sh010.mov", ["final", "video", "sh010.mov"], True),
        ("file://localhost/D%3a/media/sh010.mov", ["media", "sh010.mov"], False),
        ("S:\\path\\to\\ZZ100.0001.exr", ["path", "to", "ZZ100.0001.exr"], False),
        (
            "file:///Volumes/EP101/final/video/a%20b.mov",
            ["Volumes", "EP101", "final", "video", "a b.mov"],
            False,
        ),
        ("/plates/./x.exr", ["plates", "x.exr"], False),
    ],
)
def test_references_become_path_parts(reference: str, parts: list[str], relative: bool) -> None:
    assert reference_parts(reference) == (parts, relative)


def test_a_media_path_wins_over_a_file_name() -> None:
    found = resolve(clip("/Volumes/edit/final/video/sh010.mov", name="SH020_v002"), INDEX, {})
    assert (found.assets, found.how) == (("final/video/sh010.mov",), "path")
    relative = resolve(clip("temp/sh010.mov"), INDEX, {})
    assert (relative.assets, relative.how) == (("temp/sh010.mov",), "path")


def test_a_file_name_alone_finds_every_asset_of_that_name() -> None:
    found = resolve(clip("/somewhere/else/sh010.mov"), INDEX, {})
    assert (found.assets, found.how) == (("final/video/sh010.mov", "temp/sh010.mov"), "file-name")
    assert "2 assets share it" in found.detail
    by_clip_name = resolve(clip(name="sh020_V002.MOV"), INDEX, {})  # case ignored
    assert (by_clip_name.assets, by_clip_name.how) == (("final/video/SH020_v002.mov",), "file-name")


def test_then_the_clip_name_then_the_reel() -> None:
    by_name = resolve(clip(name="SH020_v002", reel="sh010"), INDEX, {})
    assert (by_name.assets, by_name.how) == (("final/video/SH020_v002.mov",), "clip-name")
    by_reel = resolve(clip(name="take 3", reel="SH020_V002"), INDEX, {})
    assert (by_reel.assets, by_reel.how) == (("final/video/SH020_v002.mov",), "reel")


def test_then_a_sequence_pattern_takes_the_frames_the_clip_plays() -> None:
    found = resolve(clip("/plates/sh030_bg.%04d.exr", frames=3, first_frame=1002), INDEX, {})
    assert found.how == "sequence"
    assert found.assets == tuple(f"plates/sh030/sh030_bg.{f}.exr" for f in (1002, 1003, 1004))
    assert found.missing == ""
    hashes = resolve(clip("sh030_bg.####.exr", frames=6, first_frame=1001), INDEX, {})
    assert len(hashes.assets) == 4 and "2 of 6 frames (1001-1006)" in hashes.missing


def test_a_sequence_asset_answers_for_all_its_frames() -> None:
    """How the scan will report sequences (issue 15): one asset named with its frame range."""
    found = resolve(clip("sh040_comp_v003.%04d.exr", frames=10, first_frame=1010), INDEX, {})
    assert found.assets == ("vfx/sh040/sh040_comp_v003.[1001-1048].exr",)  # once, not per frame
    assert found.how == "sequence"


VERSIONS = AssetIndex(
    {
        "vfx/sh010/v001/sh010_comp.[1001-1003].exr": (1001, 1002, 1003),
        "vfx/sh010/v002/sh010_comp.[1001-1003].exr": (1001, 1002, 1003),
        "vfx/sh020/sh020_comp.[1-8].exr": (1, 2, 3, 6, 7, 8),  # 4 and 5 missing
    }
)


def test_a_sequence_in_several_folders_is_the_one_whose_folder_the_reference_names() -> None:
    """Versions in folders with the same frame names: the clip is the folder its media path
    ends in (it once took the first folder by name, and the played AI shot was not in the
    cut), and every such folder when the path names none of them."""
    played = "/Volumes/EP101/vfx/sh010/v002/sh010_comp.1001.exr"
    found = resolve(clip(played, frames=3), VERSIONS, {})
    assert (found.how, found.assets) == ("sequence", ("vfx/sh010/v002/sh010_comp.[1001-1003].exr",))
    either = resolve(clip("/Volumes/EP101/pulls/sh010_comp.1001.exr", frames=3), VERSIONS, {})
    assert either.assets == (
        "vfx/sh010/v001/sh010_comp.[1001-1003].exr",
        "vfx/sh010/v002/sh010_comp.[1001-1003].exr",
    )
    assert "(2 folders hold it)" in either.detail


def test_frame_files_of_one_name_in_version_folders_grow_in_the_folder_named() -> None:
    """With --no-sequences each frame is an asset: a clip naming `v002/...1001.exr` is v002's
    three frames (it was frame 1001 of both folders, the others never grown: found in review);
    a name alone is every folder's frames."""
    frames = AssetIndex(
        [f"vfx/sh010/{v}/sh010_comp.{n}.exr" for v in ("v001", "v002") for n in (1001, 1002, 1003)]
    )
    found = resolve(clip("X:\\pulls\\v002\\sh010_comp.1001.exr", frames=3), frames, {})
    assert found.assets == tuple(f"vfx/sh010/v002/sh010_comp.{n}.exr" for n in (1001, 1002, 1003))
    either = resolve(clip("sh010_comp.1001.exr", frames=3), frames, {})
    assert len(either.assets) == 6 and either.how == "file-name"


def test_frames_in_a_sequence_gap_are_missing_media() -> None:
    found = resolve(clip("sh020_comp.%d.exr", frames=8, first_frame=1), VERSIONS, {})
    assert found.assets == ("vfx/sh020/sh020_comp.[1-8].exr",)
    assert found.missing == "2 of 8 frames (1-8) are not in the delivery"


def test_a_frame_file_grows_to_the_clip_but_a_numbered_still_does_not() -> None:
    grown = resolve(clip("X:\\pulls\\sh030_bg.1001.exr", frames=3), INDEX, {})
    assert (grown.how, len(grown.assets)) == ("file-name", 3)
    still = resolve(clip("stills/camera_001.jpg", frames=24), INDEX, {})
    assert still.assets == ("stills/camera_001.jpg",)


def test_frame_numbers_that_do_not_line_up_count_the_whole_sequence() -> None:
    found = resolve(clip("sh030_bg.%04d.exr", frames=2, first_frame=1), INDEX, {})
    assert len(found.assets) == 4 and "all 4 frames it holds (1001-1004) count" in found.detail


def test_track_files_resolve_through_the_packages() -> None:
    packages = {"6ed567b7-c030-46d6-9c1c-0f09bab4b962": "IMP/VIDEO.mxf"}
    found = resolve(clip("urn:uuid:6ed567b7-c030-46d6-9c1c-0f09bab4b962"), INDEX, packages)
    assert (found.assets, found.how) == (("IMP/VIDEO.mxf",), "package")
    lost = resolve(clip("urn:uuid:00000000-0000-0000-0000-000000000000"), INDEX, packages)
    assert lost.assets == () and "in no package" in lost.detail


def test_nothing_found_says_what_was_tried_and_generators_need_nothing() -> None:
    missing = resolve(clip("/x/y/unknown.mov", name="nothing", reel="R9"), INDEX, {})
    assert missing.assets == () and missing.how == ""
    assert "'/x/y/unknown.mov'" in missing.detail and "reel 'R9'" in missing.detail
    black = resolve(clip(name="BL", generator="black"), INDEX, {})
    assert (black.assets, black.how) == ((), "generator")


@pytest.mark.parametrize("reference", ["../secrets.mov", "final/../../x.mov", "..\\..\\x.mov"])
def test_a_relative_path_out_of_the_delivery_is_refused(reference: str) -> None:
    with pytest.raises(TimelineProblem, match="leaves the delivery") as raised:
        resolve(clip(reference, line=12), INDEX, {})
    assert raised.value.line == 12


def test_a_relative_path_that_climbs_but_stays_inside_is_resolved() -> None:
    found = resolve(clip("final/../temp/sh010.mov"), INDEX, {})
    assert found.assets == ("temp/sh010.mov",)


@pytest.mark.parametrize("edl", ["avid_example.edl", "nucoda_example.edl", "premiere_example.edl"])
def test_shared_edls_find_their_exr_frames(edl: str, tmp_path: Path) -> None:
    """The Avid and Nucoda EDLs name `S:\\path\\to\\ZZ100_501.take_1.0001.exr`, Premiere's the
    same file in its clip name; a delivery holds eight real EXR frames of that take."""
    frames = sorted(BEACHBALL.glob("singlepart.000?.exr"))
    if len(frames) < 8 or not (EDLS / edl).is_file():
        pytest.skip("../shared/promedia is not here")
    delivery = tmp_path / "delivery"
    plates = delivery / "plates" / "ZZ100"
    plates.mkdir(parents=True)
    for number, frame in enumerate(frames[:8], 1):
        shutil.copy(frame, plates / f"ZZ100_501.take_1.{number:04d}.exr")
    sequence = "plates/ZZ100/ZZ100_501.take_1.[0001-0008].exr"
    frame_files = [f"plates/ZZ100/ZZ100_501.take_1.{n:04d}.exr" for n in range(1, 9)]
    # the frames are one sequence asset; with --no-sequences, eight assets found by file name
    for extra, how, assets, third in (
        ((), "sequence", [sequence], sequence),
        (("--no-sequences",), "file-name", frame_files, frame_files[2]),
    ):
        out = tmp_path / f"out{len(extra)}"
        args = ["scan", str(delivery), "--timeline", str(EDLS / edl), "--timeline-rate", "24",
                "--format", "json", "-o", str(out), "--no-cache", "-q", "--no-fingerprints",
                *extra]  # fmt: skip
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output  # missing media is a review
        doc = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
        first, second = doc["timelines"][0]["events"]
        assert first["resolved_by"] == how
        assert first["assets"] == assets
        assert "23 of 31 frames (1-31) are not in the delivery" in first["notes"]
        assert "missing-media" in first["reasons"]
        assert second["assets"] == [] and second["reasons"] == ["missing-media"]
        used = {a["path"]: a["cut"] for a in doc["assets"]}
        assert [(u["record_in"], u["record_out"]) for u in used[third]] == [
            ("00:59:53:11", "00:59:54:18")
        ]


def test_the_cut_plays_the_version_its_edl_names_and_its_gaps_are_missing(tmp_path: Path) -> None:
    """Through the scan: the EDL's clip plays v002 (whose frame 1002 is AI), not v001 of the same
    names; a clip that plays frames of a sequence's gap plays media the delivery lacks."""
    from fixtures import factory

    delivery = tmp_path / "delivery"
    ai = factory.xmp_packet(digital_source_type_term="trainedAlgorithmicMedia")
    for version in ("v001", "v002"):
        for n in (1001, 1002, 1003):
            xmp = ai if (version, n) == ("v002", 1002) else None
            factory.plain_jpeg(
                delivery / f"vfx/sh010/{version}/sh010_comp.{n}.jpg", n, (64, 36), xmp=xmp
            )
    for n in (1, 2, 3, 6, 7, 8):
        factory.plain_jpeg(delivery / f"vfx/sh020/sh020_comp.{n}.jpg", n, (64, 36))
    (tmp_path / "lock.edl").write_text(
        "TITLE: lock\n"
        "001  SH010    V     C        00:00:00:00 00:00:00:03 01:00:00:00 01:00:00:03\n"
        "* FROM CLIP: /Volumes/EP101/vfx/sh010/v002/sh010_comp.1001.jpg\n"
        "002  SH020    V     C        00:00:00:00 00:00:00:08 01:00:00:03 01:00:00:11\n"
        "* FROM CLIP: /Volumes/EP101/vfx/sh020/sh020_comp.1.jpg\n",
        encoding="utf-8",
    )
    (tmp_path / "policy.toml").write_text('[areas]\nfinal = ["cut"]\n', encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["scan", str(delivery), "--policy", str(tmp_path / "policy.toml"), "--timeline",
         str(tmp_path / "lock.edl"), "--timeline-rate", "24", "--format", "json", "-o", str(out),
         "--no-cache", "-q", "--no-fingerprints"],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    doc = json.loads((out / "provscan.json").read_text(encoding="utf-8"))
    status = {a["path"]: a["status"] for a in doc["assets"]}
    assert status["vfx/sh010/v002/sh010_comp.[1001-1003].jpg"] == "violation"
    (timeline,) = doc["timelines"]
    first, second = timeline["events"]
    assert first["assets"] == ["vfx/sh010/v002/sh010_comp.[1001-1003].jpg"]
    assert "missing-media" in second["reasons"]
