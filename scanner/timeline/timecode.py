"""Frame rates and SMPTE timecodes: exact rates, drop-frame maths, text that never raises.

Rates are `Fraction`s: 29.97 is 30000/1001, never the float 29.97 (OpenTimelineIO's
`from_timecode` rejects that literal, and a float rate drifts over an hour of frames). Frame
counts are integers counted from 00:00:00:00; an out point is exclusive (record out = record
in + duration, as an EDL writes it).

Drop-frame (29.97 and 59.94 only) skips frame numbers 0-1 (0-3 at 59.94) at the start of
every minute except each tenth: the standard SMPTE 12M counting, written here in integers so
that a timecode a timeline gives turns into the same frame number OpenTimelineIO gives
(tests/test_timeline_timecode.py holds the two together). Non-SMPTE rates (12, 15, 100 fps)
are counted at their nominal rate rather than refused: a 15 fps Premiere clip still gets a
timecode. `timecode_text` never raises and never wraps at 24 hours.
"""

from __future__ import annotations

import functools
import re
from fractions import Fraction

# Rates people write by their rounded names, and the exact rates they stand for.
_NTSC = {
    "23.976": Fraction(24000, 1001),
    "23.98": Fraction(24000, 1001),
    "29.97": Fraction(30000, 1001),
    "47.95": Fraction(48000, 1001),
    "59.94": Fraction(60000, 1001),
    "119.88": Fraction(120000, 1001),
}
DROP_FRAME_RATES = (Fraction(30000, 1001), Fraction(60000, 1001))
MIN_RATE = Fraction(1)
MAX_RATE = Fraction(1000)
_TIMECODE = re.compile(r"(\d{1,3})[:;.](\d\d)[:;.](\d\d)([:;.,])(\d{1,3})")


class TimecodeError(ValueError):
    """A rate or timecode that cannot stand for a frame number."""


def parse_rate(value: object) -> Fraction:
    """'25', 25, '29.97', '30000/1001', 23.976 -> an exact rate; TimecodeError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Fraction)):
        raise TimecodeError(f"a frame rate is a number, e.g. 25 or 29.97, not {value!r}")
    text = str(value).strip()
    if text in _NTSC:
        return _NTSC[text]
    try:
        rate = Fraction(text)
    except (ValueError, ZeroDivisionError) as exc:
        raise TimecodeError(f"not a frame rate: {text!r} (e.g. 24, 25, 29.97, 30000/1001)") from exc
    return normalise_rate(rate)


@functools.lru_cache(maxsize=256)  # a timeline has few rates and many clips
def normalise_rate(rate: Fraction | float) -> Fraction:
    """A rate within 0.006 of an NTSC rate becomes that exact rate; others are kept (floats
    are limited to a small denominator). TimecodeError outside 1-1000 fps."""
    exact = Fraction(rate).limit_denominator(1001)
    for ntsc in _NTSC.values():
        if abs(exact - ntsc) < Fraction(6, 1000):
            return ntsc
    if not MIN_RATE <= exact <= MAX_RATE:
        raise TimecodeError(f"frame rate {float(exact):g} is outside {MIN_RATE}-{MAX_RATE} fps")
    return exact


def rate_text(rate: Fraction) -> str:
    """'25', '30000/1001'."""
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


@functools.lru_cache(maxsize=256)
def nominal(rate: Fraction) -> int:
    """Frames counted per timecode second: 30 for 29.97, 24 for 23.976."""
    return max(1, round(rate))


@functools.lru_cache(maxsize=256)
def is_drop_frame_rate(rate: Fraction) -> bool:
    return rate in DROP_FRAME_RATES


def _dropped_per_minute(rate: Fraction) -> int:
    return 2 * nominal(rate) // 30


def timecode_frames(text: str, rate: Fraction) -> int:
    """A timecode ('01:00:00:00', '01:00:00;00' drop-frame) or a plain frame count ('86400')
    -> frames from 00:00:00:00. TimecodeError for minutes or seconds past 59, frames past the
    rate, a drop-frame number that does not exist, or anything else."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    match = _TIMECODE.fullmatch(text)
    if match is None:
        raise TimecodeError(f"not a timecode: {text[:40]!r}")
    hours, minutes, seconds, separator, frames = match.groups()
    h, m, s, f = int(hours), int(minutes), int(seconds), int(frames)
    per_second = nominal(rate)
    if m > 59 or s > 59:
        raise TimecodeError(f"timecode {text!r}: minutes and seconds go up to 59")
    if f >= per_second:
        raise TimecodeError(f"timecode {text!r}: frame {f} at {float(rate):g} fps")
    count = ((h * 60 + m) * 60 + s) * per_second + f
    if separator in ";," and is_drop_frame_rate(rate):
        drop = _dropped_per_minute(rate)
        if s == 0 and f < drop and m % 10:
            raise TimecodeError(f"timecode {text!r}: no such frame in drop-frame counting")
        minutes_total = h * 60 + m
        count -= drop * (minutes_total - minutes_total // 10)
    return count


def drop_frame_of(text: str) -> bool:
    """True when a timecode is written drop-frame (';' or ',' before the frames)."""
    match = _TIMECODE.fullmatch(text.strip())
    return bool(match and match.group(4) in ";,")


def timecode_text(frame: int, rate: Fraction, drop_frame: bool | None = None) -> str:
    """Frames -> 'HH:MM:SS:FF' ('HH:MM:SS;FF' drop-frame). `drop_frame` None: drop-frame at
    29.97 and 59.94. Never raises: negative counts get a '-', hours go past 23."""
    sign = "-" if frame < 0 else ""
    count = abs(int(frame))
    per_second = nominal(rate)
    df = is_drop_frame_rate(rate) if drop_frame is None else drop_frame and is_drop_frame_rate(rate)
    if df:
        drop = _dropped_per_minute(rate)
        per_ten_minutes = per_second * 600 - drop * 9
        per_minute = per_second * 60 - drop
        tens, rest = divmod(count, per_ten_minutes)
        count += drop * 9 * tens
        if rest > drop:
            count += drop * ((rest - drop) // per_minute)
    seconds, frames = divmod(count, per_second)
    separator = ";" if df else ":"
    return (
        f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        f"{separator}{frames:02d}"
    )


def rescale(value: Fraction, from_rate: Fraction, to_rate: Fraction) -> int:
    """A frame count at one rate as the nearest frame count at another."""
    return round(value * to_rate / from_rate)
