"""An OpenTimelineIO timeline -> clips at record frames, one pass per track.

Record in = the timeline's start (`global_start_time`: AAF, FCP7 XML) + the clip's range in
its track - the track's own start (`track.source_range.start_time`: the EDL adapter keeps the
first record timecode there, as a negative start; None counts as 0). Nested stacks add their
place in the parent. `track.range_of_all_children()` gives every child's range in one pass:
OpenTimelineIO's per-clip `range_in_parent()` walks the track again for each clip, quadratic
(20,000 AAF clips: 34 s instead of 0.7 s).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from scanner.timeline.model import Clip
from scanner.timeline.timecode import TimecodeError, normalise_rate

MAX_HOURS = 100  # a record or source time past this many hours is not a real timecode
RationalTime = otio.opentime.RationalTime
TimeRange = otio.opentime.TimeRange


class TimelineProblem(Exception):
    """A timeline that cannot be read as given, with the line where that shows (0: none)."""

    def __init__(self, message: str, line: int = 0) -> None:
        self.line = line
        super().__init__(message)


def frames(time: Any, rate: Fraction, what: str) -> int:
    """An OTIO RationalTime as whole frames at `rate`; TimelineProblem when it is not finite
    or lies beyond MAX_HOURS."""
    per_second = float(rate)
    value = time.value_rescaled_to(per_second)
    if not math.isfinite(value) or abs(value) > MAX_HOURS * 3600 * per_second:
        raise TimelineProblem(f"{what}: {time.value!r} at {time.rate!r} fps is not a usable time")
    return int(round(value))


def rate_of(time: Any, what: str) -> Fraction:
    try:
        return normalise_rate(float(time.rate))
    except (TimecodeError, ValueError, OverflowError) as exc:
        raise TimelineProblem(f"{what}: {exc}") from exc


def record_rate(timeline: Any, fallback: Fraction | None) -> Fraction:
    """The rate record frames are counted in: the timeline's start, else `fallback` (the
    EDL rate), else the first track's."""
    start = timeline.global_start_time
    if start is not None and start.rate > 0:
        return rate_of(start, "timeline start")
    if fallback is not None:
        return fallback
    for track in timeline.tracks:
        for item in track:
            return rate_of(item.duration(), "track rate")
    return Fraction(24)


def timeline_clips(
    timeline: Any,
    rate: Fraction,
    *,
    max_clips: int,
) -> tuple[int, list[Clip]]:
    """(record start frame, clips in track order then record order). Tracks are labelled V1,
    A1, ... by kind. TimelineProblem past `max_clips`."""
    start = timeline.global_start_time
    base = frames(start, rate, "timeline start") if start is not None else 0
    clips: list[Clip] = []
    counts = {"V": 0, "A": 0}
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track):
            continue
        kind = "A" if track.kind == otio.schema.TrackKind.Audio else "V"
        counts[kind] += 1
        label = f"{kind}{counts[kind]}"
        for clip, ordinal, record_in, record_out in _placed(track, base, rate, ""):
            if len(clips) >= max_clips:
                raise TimelineProblem(f"more than {max_clips} clips: over the timeline limit")
            clips.append(_clip(clip, label, ordinal, record_in, record_out))
    return base, clips


def _placed(
    track: Any, base: int, rate: Fraction, prefix: str
) -> Iterator[tuple[Any, str, int, int]]:
    """(clip or nested stack, its place on the track, record in, record out) for each clip of
    a track, in order; a nested stack's clips follow it, placed within it ("3.1", "3.2")."""
    if track.source_range is not None:
        base -= frames(track.source_range.start_time, rate, "track start")
    ranges = track.range_of_all_children()
    ordinal = 0
    for item in track:
        if isinstance(item, (otio.schema.Gap, otio.schema.Transition)):
            continue
        ordinal += 1
        place = ranges[item]
        record_in = base + frames(place.start_time, rate, f"clip {item.name!r} record in")
        record_out = record_in + frames(place.duration, rate, f"clip {item.name!r} duration")
        label = f"{prefix}{ordinal}"
        if isinstance(item, otio.schema.Clip):
            yield item, label, record_in, record_out
        elif isinstance(item, otio.schema.Stack):
            yield item, label, record_in, record_out
            inner = record_in
            if item.source_range is not None:
                inner -= frames(item.source_range.start_time, rate, "nested start")
            for sub in item:
                if isinstance(sub, otio.schema.Track):
                    yield from _placed(sub, inner, rate, f"{label}.")


def _clip(item: Any, track: str, ordinal: str, record_in: int, record_out: int) -> Clip:
    name = str(item.name or "")
    if isinstance(item, otio.schema.Stack):
        note = (
            "nested sequence: its clips follow it"
            if len(item)
            else ("nested sequence the adapter did not expand")
        )
        rate = Fraction(1)
        return Clip(
            ordinal,
            track,
            name,
            record_in,
            record_out,
            rate,
            0,
            0,
            notes=(note,),
            generator="nested",
        )
    try:
        source = item.trimmed_range()
    except Exception:  # noqa: BLE001 - no source range and no available range
        source = None
    reference = item.media_reference
    available = getattr(reference, "available_range", None)
    source_rate = (
        rate_of(available.start_time, f"clip {name!r} media rate")
        if (available is not None and available.start_time.rate > 0)
        else (rate_of(source.start_time, f"clip {name!r} rate") if source else Fraction(1))
    )
    source_in = frames(source.start_time, source_rate, f"clip {name!r} source in") if source else 0
    duration = (
        frames(source.duration, source_rate, f"clip {name!r} source duration") if source else 0
    )
    speed = clip_speed(item)
    source_out = source_in + (
        duration if speed is None else 1 if speed == 0 else int(round(duration * abs(speed)))
    )
    media_start = (
        frames(available.start_time, source_rate, f"clip {name!r} media start")
        if available is not None
        else None
    )
    metadata = item.metadata.get("cmx_3600", {})  # an OTIO file made from an EDL keeps reels
    reel = str(metadata.get("reel") or "") if hasattr(metadata, "get") else ""
    first_frame = None
    if isinstance(reference, otio.schema.ImageSequenceReference):
        first_frame = int(reference.start_frame)
    generator = ""
    if isinstance(reference, otio.schema.GeneratorReference):
        generator = str(reference.generator_kind or "generator")
    return Clip(
        event=ordinal,
        track=track,
        name=name,
        record_in=record_in,
        record_out=record_out,
        source_rate=source_rate,
        source_in=source_in,
        source_out=source_out,
        media=media_references(item),
        reel=reel,
        media_start=media_start,
        first_frame=first_frame,
        speed=speed,
        generator=generator,
    )


def media_references(clip: Any) -> tuple[str, ...]:
    """Every media reference of a clip as text, the active one first: a URL, an image
    sequence pattern (`name.%04d.exr`), or a missing reference's name (AAF keeps the original
    file's path there)."""
    found: list[str] = []
    active = clip.active_media_reference_key
    references = clip.media_references()
    for key in [active, *[k for k in references if k != active]]:
        reference = references.get(key)
        text = _reference_text(reference)
        if text and text not in found:
            found.append(text)
    return tuple(found)


def _reference_text(reference: Any) -> str:
    if isinstance(reference, otio.schema.ExternalReference):
        return str(reference.target_url or "")
    if isinstance(reference, otio.schema.ImageSequenceReference):
        base = str(reference.target_url_base or "")
        if base and not base.endswith("/"):
            base += "/"
        pad = int(reference.frame_zero_padding)
        return f"{base}{reference.name_prefix}%0{pad}d{reference.name_suffix}"
    if isinstance(reference, otio.schema.MissingReference):
        return str(reference.name or "")
    return ""


def clip_speed(clip: Any) -> float | None:
    for effect in clip.effects:
        if isinstance(effect, otio.schema.FreezeFrame):
            return 0.0
        if isinstance(effect, otio.schema.LinearTimeWarp):
            return float(effect.time_scalar)
        remap = effect.metadata.get("fcp_xml", {})  # FCP7 Time Remap: a generic Effect
        if hasattr(remap, "get") and remap.get("effectid") == "timeremap":
            parameter = remap.get("parameter", {})
            try:
                return float(parameter.get("value")) if hasattr(parameter, "get") else None
            except (TypeError, ValueError):
                return None
    return None
