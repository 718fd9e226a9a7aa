"""CMX3600 EDLs: OpenTimelineIO's adapter for names and media, the event lines for timecodes.

Two passes over the same text. Ours reads each event line as written (line number, event
number, channels, the four timecodes), checks it and stops at the first bad one, naming its
line: the adapter's errors carry no line number. The adapter (`otio-cmx3600-adapter`) then
reads clip names, reels, `FROM CLIP`/`FROM FILE` media, image sequences, generators and speed
effects. Timecodes come from our pass: the adapter's `ignore_timecode_mismatch` (needed for
EDLs whose record and source durations differ) shifts every later record time, and an M2
speed change loses the file's source out.

An EDL carries no frame rate: the caller gives it (`--timeline-rate`, or `rate` in the
policy). Drop-frame follows the timecodes (`;`), as in the adapter; `FCM:` lines are ignored.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from scanner.timeline.model import Clip
from scanner.timeline.otio_clips import TimelineProblem, clip_speed, media_references
from scanner.timeline.timecode import TimecodeError, drop_frame_of, timecode_frames

# The adapter's channel shorthands (otio_cmx3600_adapter.cmx_3600.channel_map).
CHANNELS = {
    "A": ("A1",),
    "AA": ("A1", "A2"),
    "B": ("V", "A1"),
    "A2/V": ("V", "A2"),
    "AA/V": ("V", "A1", "A2"),
}
MAX_HOURS = 23  # SMPTE timecode ends at 23:59:59:xx


@dataclass(frozen=True)
class EventLine:
    """One event line of an EDL as written."""

    line: int
    event: int
    reel: str
    tracks: tuple[str, ...]
    source_in: int
    source_out: int
    record_in: int
    record_out: int
    drop_frame: bool


def event_lines(text: str, rate: Fraction, *, max_events: int) -> list[EventLine]:
    """Every event line, in order; a second line with the same event number (a dissolve or
    wipe) replaces the first, as in the adapter. TimelineProblem at the first bad line."""
    events: list[EventLine] = []
    limit = int((MAX_HOURS + 1) * 3600 * rate)  # frames of a day: 24:00:00:00 and past
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or not line[0].isdigit():
            continue
        fields = line.split()
        if len(fields) not in (8, 9):
            raise TimelineProblem(f"event line with {len(fields)} fields (8 or 9 expected)", number)
        match = re.match(r"\d+", fields[0])
        event = int(match.group(0)) if match else 0
        if events and events[-1].event == event:  # the transition line of the same event
            while events and events[-1].event == event:
                events.pop()
        if len(events) >= max_events:
            raise TimelineProblem(f"more than {max_events} events: over the timeline limit", number)
        times = [_timecode(value, rate, number, limit) for value in fields[-4:]]
        source_in, source_out, record_in, record_out = times
        if record_out < record_in:
            raise TimelineProblem("record out is before record in", number)
        if source_out < source_in:
            raise TimelineProblem("source out is before source in", number)
        events.append(
            EventLine(
                line=number,
                event=event,
                reel=fields[1],
                tracks=CHANNELS.get(fields[2], (fields[2],)),
                source_in=source_in,
                source_out=source_out,
                record_in=record_in,
                record_out=record_out,
                drop_frame=drop_frame_of(fields[-1]),
            )
        )
    return events


def _timecode(value: str, rate: Fraction, line: int, limit: int) -> int:
    try:
        frames = timecode_frames(value, rate)
    except TimecodeError as exc:
        raise TimelineProblem(str(exc), line) from exc
    if frames >= limit:
        raise TimelineProblem(f"timecode {value[:40]!r} is past 23:59:59", line)
    return frames


def read_edl(text: str, rate: Fraction, *, max_events: int) -> tuple[str, bool, list[Clip]]:
    """(title, drop-frame, clips) of an EDL read at `rate`. TimelineProblem with the line."""
    lines = event_lines(text, rate, max_events=max_events)
    timeline = _adapter_read(text, rate)
    queues = _adapter_clips(timeline)
    clips: list[Clip] = []
    for written in lines:
        for track in written.tracks:
            queue = queues.get(track)
            if not queue:
                raise TimelineProblem(
                    f"event {written.event:03d} on track {track}: the adapter read no clip for it",
                    written.line,
                )
            clips.append(_from_line(queue.popleft(), written, track, rate))
    left = sum(len(q) for q in queues.values())
    if left:
        raise TimelineProblem(f"the adapter read {left} clip(s) no event line accounts for")
    clips.sort(key=lambda c: (_track_order(c.track), c.record_in, c.line))
    return str(timeline.name or ""), any(e.drop_frame for e in lines), clips


def _adapter_clips(timeline: Any) -> dict[str, deque[Clip]]:
    """What the adapter read of each clip (name, media, reel, speed, generator), per track in
    order; times come from the event lines, so no range is computed here."""
    import opentimelineio as otio

    queues: dict[str, deque[Clip]] = {}
    for track in timeline.tracks:
        queue = queues.setdefault(str(track.name), deque())
        for item in track:
            if not isinstance(item, otio.schema.Clip):
                continue
            metadata = item.metadata.get("cmx_3600")
            reference = item.media_reference
            queue.append(Clip(
                event="",
                track=str(track.name),
                name=str(item.name or ""),
                record_in=0,
                record_out=0,
                source_rate=Fraction(1),
                source_in=0,
                source_out=0,
                media=media_references(item),
                reel=str(metadata.get("reel") or "") if metadata is not None else "",
                first_frame=int(reference.start_frame)
                if isinstance(reference, otio.schema.ImageSequenceReference)
                else None,
                speed=clip_speed(item),
                generator=str(reference.generator_kind or "generator")
                if isinstance(reference, otio.schema.GeneratorReference)
                else "",
            ))  # fmt: skip
    return queues


def _from_line(clip: Clip, written: EventLine, track: str, rate: Fraction) -> Clip:
    notes = list(clip.notes)
    record = written.record_out - written.record_in
    source = written.source_out - written.source_in
    if clip.speed is None and record != source:
        notes.append(
            f"record lasts {record} frames, source {source}, and no speed change (M2) is given"
        )
    return replace(
        clip,
        event=f"{written.event:03d}",
        track=track,
        line=written.line,
        record_in=written.record_in,
        record_out=written.record_out,
        source_rate=rate,
        source_in=written.source_in,
        source_out=written.source_out,
        reel=clip.reel or (written.reel if written.reel != "AX" else ""),
        notes=tuple(notes),
    )


def _track_order(track: str) -> tuple[int, str]:
    return (0 if track.startswith("V") else 1, track)


def _adapter_read(text: str, rate: Fraction) -> Any:
    from otio_cmx3600_adapter import cmx_3600

    try:
        return cmx_3600.read_from_string(text, rate=float(rate), ignore_timecode_mismatch=True)
    except Exception as exc:  # noqa: BLE001 - the adapter raises a dozen kinds, all without a line
        raise TimelineProblem(
            f"the CMX3600 adapter refused it: {type(exc).__name__}: {exc}", line_of(text, str(exc))
        ) from exc


def line_of(text: str, message: str) -> int:
    """The first line of `text` holding a piece the message quotes (a statement, a timecode,
    a name), 0 when none does: the adapters' errors name no line."""
    pieces = re.findall(r"'([^']{3,})'", message)
    pieces += re.findall(r"statement: (.+)$", message)
    pieces += re.findall(r"\d\d[:;]\d\d[:;]\d\d[:;]\d\d", message)
    pieces += re.findall(r"for clip (\S.*)$", message)
    lines = text.splitlines()
    for piece in pieces:
        piece = piece.strip()
        for number, line in enumerate(lines, 1):
            if piece and piece in line:
                return number
    return 0
