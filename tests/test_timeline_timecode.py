"""Frame rates and timecodes (scanner.timeline.timecode) held to OpenTimelineIO's own maths.

OpenTimelineIO is the oracle here: every editorial tool chain agrees with it, and provscan's
integer drop-frame counting must give the same text and frame numbers where OTIO can answer.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from opentimelineio import opentime

from scanner.timeline.read import ReadRequest, read_timeline
from scanner.timeline.timecode import (
    TimecodeError,
    parse_rate,
    rate_text,
    timecode_frames,
    timecode_text,
)

NTSC_30 = Fraction(30000, 1001)
NTSC_60 = Fraction(60000, 1001)
RATES = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    NTSC_30,
    Fraction(30),
    Fraction(50),
    NTSC_60,
    Fraction(60),
)


def _otio_limit(rate: Fraction) -> int:
    """OTIO wraps 29.97/59.94 at the real-time day; other rates at 24 timecode hours."""
    return {NTSC_30: 2_589_408, NTSC_60: 5_178_816}.get(rate, int(86_400 * rate))


@pytest.mark.parametrize("rate", RATES, ids=rate_text)
def test_timecode_text_and_frames_match_opentimelineio(rate: Fraction) -> None:
    drop_frames = (True, False) if rate in (NTSC_30, NTSC_60) else (False,)
    checked = 0
    for drop_frame in drop_frames:
        for frame in range(0, _otio_limit(rate), 997):
            theirs = opentime.to_timecode(
                opentime.RationalTime(frame, float(rate)), float(rate), drop_frame
            )
            ours = timecode_text(frame, rate, drop_frame)
            assert ours == theirs, (frame, rate, drop_frame)
            assert timecode_frames(ours, rate) == frame
            assert int(opentime.from_timecode(theirs, float(rate)).value) == frame
            checked += 1
    assert checked > 2000


def test_drop_frame_counts_skip_the_first_frames_of_each_minute_but_the_tenth() -> None:
    assert timecode_text(1800, NTSC_30) == "00:01:00;02"
    assert timecode_frames("00:01:00;02", NTSC_30) == 1800
    assert timecode_frames("00:10:00;00", NTSC_30) == 17982
    assert timecode_text(107892, NTSC_30) == "01:00:00;00"
    with pytest.raises(TimecodeError, match="no such frame"):
        timecode_frames("00:01:00;00", NTSC_30)
    assert timecode_text(1800, NTSC_30, drop_frame=False) == "00:01:00:00"


@pytest.mark.parametrize(
    ("written", "rate"),
    [
        ("29.97", NTSC_30),
        ("30000/1001", NTSC_30),
        ("59.94", NTSC_60),
        ("23.976", Fraction(24000, 1001)),
        ("25", Fraction(25)),
        (24, Fraction(24)),
        (29.97, NTSC_30),
        ("12.5", Fraction(25, 2)),
    ],
)
def test_rates_are_exact(written: object, rate: Fraction) -> None:
    assert parse_rate(written) == rate


@pytest.mark.parametrize("written", ["fast", "0", "-25", "1e9", "nan", True, None, "25/0"])
def test_impossible_rates_are_refused(written: object) -> None:
    with pytest.raises(TimecodeError):
        parse_rate(written)


def test_text_never_raises_or_wraps() -> None:
    assert timecode_text(50, Fraction(15)) == "00:00:03:05"  # OTIO refuses 15 fps
    assert timecode_text(-5, Fraction(24)) == "-00:00:00:05"
    assert timecode_text(86_400 * 24 + 5, Fraction(24)) == "24:00:00:05"
    assert timecode_text(100, Fraction(120)) == "00:00:00:100"


@pytest.mark.parametrize(
    "text", ["01:60:00:00", "01:00:60:00", "01:00:00:24", "-01:00:00:00", "1:2:3", "01:00:00:00:00"]
)
def test_timecodes_out_of_range_are_refused(text: str) -> None:
    with pytest.raises(TimecodeError):
        timecode_frames(text, Fraction(24))


def test_a_drop_frame_edl_round_trips(tmp_path: Path) -> None:
    """29.97 drop-frame: the record and source timecodes read back exactly as written."""
    lines = [
        "001  R1       V     C        00:00:59;28 00:01:00;04 01:00:00;00 01:00:00;06",
        "002  R2       V     C        00:09:59;28 00:10:00;02 01:00:00;06 01:00:00;10",
        "003  R3       V     C        00:00:00;00 00:00:30;00 01:00:59;20 01:01:29;20",
    ]
    text = "TITLE: drop frame\nFCM: DROP FRAME\n" + "\n".join(lines) + "\n"
    timeline = read_timeline(ReadRequest("df.edl", text.encode(), NTSC_30, "option"))
    assert timeline.drop_frame is True
    shown = [
        (
            timecode_text(c.source_in, timeline.rate, True),
            timecode_text(c.source_out, timeline.rate, True),
            timecode_text(c.record_in, timeline.rate, True),
            timecode_text(c.record_out, timeline.rate, True),
        )
        for c in timeline.clips
    ]
    assert shown == [tuple(line.split()[-4:]) for line in lines]
    record_in = timeline.clips[2].record_in
    assert record_in == int(opentime.from_timecode("01:00:59;20", float(NTSC_30)).value)
