"""FCP7 XML (xmeml: Premiere, Resolve, Hiero exports): the adapter's model, held to the file.

`otio-fcp-adapter` reads the names, media and source ranges, but three of its habits would
put clips in the wrong place or leave them out (measured on the shared Premiere export):
overlapping clipitems are appended at the end of the one before (shifted later), nested
sequences come back as empty stacks, and the second channel of a stereo pair (an "exploded"
track) is skipped. So the tracks are also read from the XML itself, in the adapter's order
(video tracks, then the first channel of each audio pair): each clip's record in/out is the
file's own `<start>`/`<end>` (a transition's cut point for -1), and the clips of nested
sequences and exploded channels are built from the XML, placed where the file puts them.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DefusedET

from scanner.timeline.model import Clip
from scanner.timeline.otio_clips import (
    MAX_HOURS,
    TimelineProblem,
    record_rate,
    timeline_clips,
)
from scanner.timeline.timecode import normalise_rate, rescale

ITEMS = ("clipitem", "generatoritem")


class Fcp7Tree:
    """The XML with elements dereferenced by id (`<file id="f1"/>` -> the full `<file>`),
    and the line of each clip item (from the screening pass)."""

    def __init__(self, data: bytes, item_lines: list[int]) -> None:
        self.root = DefusedET.fromstring(data)
        self.ids: dict[str, Element] = {}
        self.lines: dict[int, int] = {}
        items = [e for e in self.root.iter() if e.tag in ITEMS]
        for element, line in zip(items, item_lines, strict=False):
            self.lines[id(element)] = line
        for element in self.root.iter():
            key = element.get("id")
            if key and len(element) and key not in self.ids:
                self.ids[key] = element

    def deref(self, element: Element | None) -> Element | None:
        if element is not None and not len(element) and element.get("id") in self.ids:
            return self.ids[element.get("id", "")]
        return element

    def line(self, element: Element) -> int:
        return self.lines.get(id(element), 0)

    def sequences(self) -> list[Element]:
        """The top-level sequences, in the adapter's order."""
        found = [self.deref(e) for e in self.root.iterfind("./sequence")]
        found += [self.deref(e) for e in self.root.iterfind(".//children/sequence")]
        return [e for e in found if e is not None]


def check_items(tree: Fcp7Tree, rate: Fraction) -> None:
    """Every clip item's <start>/<end> a frame number in range, before the adapter sees the
    file (its own errors name no line). TimelineProblem with the item's line."""
    for sequence in tree.sequences():
        for _label, track, _primary in _tracks(sequence):
            _items(track, tree, rate)


def read_fcp7(
    data: bytes, timeline: Any, tree: Fcp7Tree, *, max_clips: int
) -> tuple[Fraction, int, list[Clip], list[str]]:
    """(record rate, start frame, clips, notes) of the first sequence, record times from the
    file. TimelineProblem (with the line) for numbers no timecode can hold."""
    sequences = tree.sequences()
    if not sequences:
        raise TimelineProblem("no <sequence> in the file")
    notes = (
        [f"{len(sequences) - 1} more sequence(s) in the file not read"]
        if len(sequences) > 1
        else []
    )
    rate = record_rate(timeline, None)
    start, clips = timeline_clips(timeline, rate, max_clips=max_clips)
    sequence = sequences[0]
    by_place = {(c.track, c.event): c for c in clips}
    out: list[Clip] = []
    for label, track, primary in _tracks(sequence):
        for ordinal, (item, record_in, record_out) in enumerate(_items(track, tree, rate), 1):
            line = tree.line(item)
            adapter = by_place.get((label, str(ordinal))) if primary else None
            if adapter is not None and item.find("./sequence") is None:
                out.append(
                    replace(
                        adapter,
                        record_in=start + record_in,
                        record_out=start + record_out,
                        line=line,
                    )
                )
                continue
            built = _xml_clip(
                item, tree, label, str(ordinal), start + record_in, start + record_out, rate, line
            )
            out.append(built)
            nested = item.find("./sequence")
            if nested is not None:
                out += _nested(
                    item, tree.deref(nested), tree, label, str(ordinal), start + record_in, rate
                )
            if len(out) > max_clips:
                raise TimelineProblem(f"more than {max_clips} clips: over the timeline limit", line)
    return rate, start, out, notes


def _tracks(sequence: Element) -> list[tuple[str, Element, bool]]:
    """(label, track, read by the adapter) in the adapter's order; an exploded channel the
    adapter skips is labelled after its pair (A1.2)."""
    tracks: list[tuple[str, Element, bool]] = []
    media = sequence.find("./media")
    if media is None:
        return tracks
    for kind_element in media:
        kind = {"video": "V", "audio": "A"}.get(kind_element.tag)
        if kind is None:
            continue
        count = 0
        for track in kind_element.iterfind("./track"):
            index = track.get("currentExplodedTrackIndex", "0")
            primary = (
                kind == "V" or index == "0" or track.get("totalExplodedTrackCount", "1") == "1"
            )
            if primary:
                count += 1
                tracks.append((f"{kind}{count}", track, True))
            else:
                tracks.append((f"{kind}{count}.{_int(index, 0, track) + 1}", track, False))
    return tracks


def _items(track: Element, tree: Fcp7Tree, rate: Fraction) -> list[tuple[Element, int, int]]:
    """(clip item, record in, record out) relative to the sequence start, from the file."""
    children = [tree.deref(c) for c in track if c.tag in (*ITEMS, "transitionitem")]
    placed = []
    for index, item in enumerate(children):
        if item is None or item.tag not in ITEMS:
            continue
        line = tree.line(item)
        start = _int(item.findtext("./start"), line, item)
        end = _int(item.findtext("./end"), line, item)
        if start == -1:
            start = _cut(children[index - 1] if index else None, line)
        if end == -1:
            end = _cut(children[index + 1] if index + 1 < len(children) else None, line)
        if end < start or start < 0:
            raise TimelineProblem(f"clip item runs from {start} to {end}", line)
        if end > MAX_HOURS * 3600 * rate:
            raise TimelineProblem(f"clip item ends at frame {end}: past {MAX_HOURS} hours", line)
        placed.append((item, start, end))
    return placed


def _cut(transition: Element | None, line: int) -> int:
    """Where a transition cuts from one clip to the next (the adapter's rule)."""
    if transition is None or transition.tag != "transitionitem":
        raise TimelineProblem("a start or end of -1 with no transition beside it", line)
    start = _int(transition.findtext("./start"), line, transition)
    end = _int(transition.findtext("./end"), line, transition)
    alignment = transition.findtext("./alignment") or ""
    if alignment in ("end", "end-black"):
        return end
    if alignment in ("start", "start-black"):
        return start
    return int((start + end) / 2)


def _int(text: str | None, line: int, element: Element) -> int:
    try:
        value = int((text or "").strip())
    except ValueError as exc:
        raise TimelineProblem(
            f"<{element.tag}> holds {text!r} where a frame number goes", line
        ) from exc
    if abs(value) > 10**12:
        raise TimelineProblem(f"<{element.tag}> frame number {value} is out of range", line)
    return value


def _rate(element: Element | None, inherited: Fraction) -> Fraction:
    if element is None:
        return inherited
    timebase = element.findtext("./rate/timebase")
    if not timebase:
        return inherited
    try:
        base = Fraction(timebase.strip())
    except ValueError:
        return inherited
    if (element.findtext("./rate/ntsc") or "").strip().upper() == "TRUE":
        base = base * 1000 / 1001
    try:
        return normalise_rate(base)
    except ValueError:
        return inherited


def _xml_clip(
    item: Element,
    tree: Fcp7Tree,
    track: str,
    event: str,
    record_in: int,
    record_out: int,
    rate: Fraction,
    line: int,
) -> Clip:
    """A clip built from the XML alone (nested sequences, exploded channels)."""
    clip_rate = _rate(item, rate)
    file = tree.deref(item.find("./file"))
    source_rate = _rate(file, clip_rate)
    media_start = 0
    if file is not None and file.find("./timecode") is not None:
        code = file.find("./timecode")
        frame = _int(code.findtext("./frame") or "0", line, item) if code is not None else 0
        media_start = rescale(Fraction(frame), _rate(code, source_rate), source_rate)
    source_in = media_start + rescale(
        Fraction(_int(item.findtext("./in") or "0", line, item)), clip_rate, source_rate
    )
    duration = rescale(Fraction(record_out - record_in), rate, source_rate)
    url = (file.findtext("./pathurl") or "").strip() if file is not None else ""
    nested = item.find("./sequence") is not None
    return Clip(
        event=event,
        track=track,
        name=(item.findtext("./name") or "").strip(),
        record_in=record_in,
        record_out=record_out,
        source_rate=source_rate,
        source_in=source_in,
        source_out=source_in + duration,
        media=(url,) if url else (),
        line=line,
        media_start=media_start if file is not None else None,
        generator="nested" if nested else ("generator" if item.tag == "generatoritem" else ""),
        notes=("nested sequence: its clips follow it",) if nested else (),
    )


def _nested(
    outer: Element,
    sequence: Element | None,
    tree: Fcp7Tree,
    label: str,
    event: str,
    record_in: int,
    rate: Fraction,
) -> list[Clip]:
    """The clips of a nested sequence, placed where the outer clip shows them: a nested clip
    at frame S of the sequence plays at outer record in + S - the outer clip's <in>."""
    if sequence is None:
        return []
    line = tree.line(outer)
    offset = _int(outer.findtext("./in") or "0", line, outer)
    length = _int(outer.findtext("./out") or "0", line, outer) - offset
    clips = []
    for sub_label, track, _primary in _tracks(sequence):
        if sub_label[0] != label[0]:  # a video track shows the nested video, audio the audio
            continue
        for ordinal, (item, start, end) in enumerate(_items(track, tree, rate), 1):
            shown_in, shown_out = max(start - offset, 0), min(end - offset, length)
            if shown_out <= shown_in:
                continue
            clip = _xml_clip(
                item,
                tree,
                label,
                f"{event}.{sub_label}.{ordinal}",
                record_in + shown_in,
                record_in + shown_out,
                rate,
                tree.line(item),
            )
            trimmed = rescale(Fraction(max(0, offset - start)), rate, clip.source_rate)
            clips.append(
                replace(
                    clip,
                    source_in=clip.source_in + trimmed,
                    source_out=clip.source_out + trimmed,
                    notes=(*clip.notes, f"in the nested sequence of event {event} on {label}"),
                )
            )
    return clips
