"""Every real EDL, FCP7 XML and AAF in ../shared/promedia: each event's record in/out is what
the file itself says.

The expected values never come from provscan: EDLs are read here line by line (timecodes
through OpenTimelineIO's `from_timecode`), FCP7 XML with defusedxml (`<start>`/`<end>` plus
the sequence's timecode), AAF from OpenTimelineIO's own model (each clip's range through
`transformed_time_range`, which walks the tree a different way than provscan's one pass).
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import defusedxml.ElementTree as DefusedET
import opentimelineio as otio
import pytest

from scanner.timeline.otio_clips import TimelineProblem
from scanner.timeline.read import ReadRequest, read_timeline

SHARED = Path(__file__).resolve().parents[2] / "shared" / "promedia"
EDLS = sorted((SHARED / "OpenTimelineIO+otio-cmx3600-adapter/tests/sample_data").glob("*.edl"))
XMLS = sorted((SHARED / "OpenTimelineIO+otio-fcp-adapter/tests/sample_data").glob("*.xml"))
AAFS = sorted((SHARED / "OpenTimelineIO+otio-aaf-adapter/tests/sample_data").glob("*.aaf"))
# An EDL holds no rate: these two were cut at 25 fps (frame fields reach 24).
EDL_RATES = {"25fps.edl": 25, "timecode_mismatch.edl": 25}
CHANNELS = {
    "A": ["A1"],
    "AA": ["A1", "A2"],
    "B": ["V", "A1"],
    "A2/V": ["V", "A2"],
    "AA/V": ["V", "A1", "A2"],
}


def _need(files: list[Path], what: str) -> None:
    if not files:
        pytest.skip(f"../shared/promedia has no {what} (the shared folder is absent)")


def _edl_expected(text: str, rate: float) -> list[tuple[int, str, int, int, int, int]]:
    """(line, track, src in, src out, rec in, rec out) per event line; a repeated event
    number (a dissolve's second line) replaces the first, as editors read it."""
    out: list[tuple[int, str, int, int, int, int]] = []
    previous = None
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields or not re.match(r"\d", fields[0]):
            continue
        if fields[0] == previous:
            out = [e for e in out if e[0] != out[-1][0]]
        previous = fields[0]
        times = [int(otio.opentime.from_timecode(t, rate).value) for t in fields[-4:]]
        for track in CHANNELS.get(fields[2], [fields[2]]):
            out.append((number, track, *times))
    return out


@pytest.mark.parametrize("path", EDLS, ids=lambda p: p.name)
def test_edl_events_are_where_the_edl_says(path: Path) -> None:
    _need(EDLS, "EDLs")
    rate = EDL_RATES.get(path.name, 24)
    timeline = read_timeline(ReadRequest(str(path), path.read_bytes(), Fraction(rate), "option"))
    expected = _edl_expected(path.read_text(encoding="utf-8", errors="replace"), rate)
    got = sorted(
        (c.line, c.track, c.source_in, c.source_out, c.record_in, c.record_out)
        for c in timeline.clips
    )
    assert got == sorted(expected)
    assert len(got) >= 2


def test_every_shared_edl_is_checked() -> None:
    _need(EDLS, "EDLs")
    assert len(EDLS) == 8


def _fcp_expected(path: Path) -> list[tuple[str, str, int, int]]:
    """(kind, name, record in, record out) of each top-level clip item, from the XML."""
    root = DefusedET.parse(path).getroot()
    out = []
    for sequence in root.iter("sequence"):
        if sequence.find("./media") is None or _nested(root, sequence):
            continue
        code = sequence.find("./timecode/frame")
        start = int(code.text) if code is not None and code.text else 0
        for kind in ("video", "audio"):
            for track in sequence.findall(f"./media/{kind}/track"):
                items = list(track)
                for index, item in enumerate(items):
                    if item.tag not in ("clipitem", "generatoritem"):
                        continue
                    first, last = int(item.findtext("start")), int(item.findtext("end"))
                    if first == -1:
                        first = _cut(items[index - 1])
                    if last == -1:
                        last = _cut(items[index + 1])
                    out.append(
                        (kind[0].upper(), item.findtext("name") or "", start + first, start + last)
                    )
    return out


def _nested(root: object, sequence: object) -> bool:
    return any(sequence in list(item) for item in root.iter("clipitem"))  # type: ignore[attr-defined]


def _cut(transition: object) -> int:
    start = int(transition.findtext("start"))  # type: ignore[attr-defined]
    end = int(transition.findtext("end"))  # type: ignore[attr-defined]
    alignment = transition.findtext("alignment")  # type: ignore[attr-defined]
    return (
        end
        if alignment in ("end", "end-black")
        else start
        if alignment in ("start", "start-black")
        else int((start + end) / 2)
    )


@pytest.mark.parametrize("path", XMLS, ids=lambda p: p.name)
def test_fcp7_clip_items_are_where_the_xml_says(path: Path) -> None:
    _need(XMLS, "FCP7 XML")
    if not _fcp_expected(path):  # sample_just_track.xml: a track with no clip item
        with pytest.raises(TimelineProblem, match="holds no event"):
            read_timeline(ReadRequest(str(path), path.read_bytes()))
        return
    timeline = read_timeline(ReadRequest(str(path), path.read_bytes()))
    top = [c for c in timeline.clips if "nested sequence of event" not in " ".join(c.notes)]
    got = sorted((c.track[0], c.name, c.record_in, c.record_out) for c in top)
    assert got == sorted(_fcp_expected(path))


def test_fcp7_overlaps_nested_sequences_and_second_channels_are_kept() -> None:
    """The adapter shifts the overlapping audio item (1164 -> 1177), drops the nested
    sequences' clips and the stereo pairs' second channels; provscan keeps all of them."""
    path = next((p for p in XMLS if p.name == "premiere_example.xml"), None)
    if path is None:
        pytest.skip("../shared/promedia has no premiere_example.xml")
    clips = read_timeline(ReadRequest(str(path), path.read_bytes())).clips
    overlapping = [c for c in clips if c.track == "A4" and c.name == "sc01_sh010_anim.mov"]
    assert [(c.record_in, c.record_out) for c in overlapping] == [(1164, 1258)]
    nested = [c for c in clips if any("nested sequence of event" in n for n in c.notes)]
    assert {c.name for c in nested} == {"sc01_sh010_anim.mov", "sc01_sh030_anim.mov"}
    assert all(c.track[0] in "VA" and c.line > 0 for c in nested)
    assert {c.track for c in clips if "." in c.track} == {"A1.2", "A2.2", "A3.2", "A4.2"}


@pytest.mark.parametrize("path", AAFS, ids=lambda p: p.name)
def test_aaf_clips_are_where_opentimelineio_places_them(path: Path) -> None:
    _need(AAFS, "AAF")
    timeline = read_timeline(ReadRequest(str(path), path.read_bytes()))
    model = otio.adapters.read_from_file(str(path), adapter_name="AAF")
    start = model.global_start_time
    expected = []
    for track in model.tracks:
        for clip in track.find_clips():
            placed = clip.transformed_time_range(clip.trimmed_range(), model.tracks)
            rate = start.rate
            first = round((start + placed.start_time).value_rescaled_to(rate))
            expected.append(
                (clip.name, first, first + round(placed.duration.value_rescaled_to(rate)))
            )
    got = [(c.name, c.record_in, c.record_out) for c in timeline.clips]
    assert sorted(got) == sorted(expected)
    assert got


def _seconds(value: str) -> Fraction:
    return Fraction(value.removesuffix("s")) if value and value != "0s" else Fraction(0)


def test_fcpxml_clips_are_where_the_file_says(tmp_path: Path) -> None:
    """No FCPXML in ../shared: the sample cut's second reel written by OpenTimelineIO's FCPXML
    writer, held to the file's own spine (offset and duration of each clip, in seconds)."""
    from fixtures.timelines import reel2

    path = tmp_path / "reel2.fcpxml"
    path.write_text(otio.adapters.write_to_string(reel2(otio), "fcpx_xml"), encoding="utf-8")
    root = DefusedET.parse(path).getroot()
    expected = set()
    for spine_clip in root.iter("spine"):
        for clip in spine_clip:
            first = _seconds(clip.get("offset", "0s")) * 24
            expected.add(
                (clip.get("name"), int(first), int(first + _seconds(clip.get("duration")) * 24))
            )
            for lane in clip.findall("clip"):  # connected clips: their offset is the parent's
                start = first + _seconds(lane.get("offset", "0s")) * 24
                expected.add(
                    (lane.get("name"), int(start), int(start + _seconds(lane.get("duration")) * 24))
                )
    timeline = read_timeline(ReadRequest(str(path), path.read_bytes()))
    assert timeline.kind == "fcpxml"
    assert {(c.name, c.record_in, c.record_out) for c in timeline.clips} == expected
    assert len(expected) == 3
