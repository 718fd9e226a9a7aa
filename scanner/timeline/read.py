"""One editorial timeline file's bytes -> a ParsedTimeline, in a bounded worker process.

The kind comes from the bytes, never from the name (OpenTimelineIO sends every `.xml` to the
FCP7 adapter): the compound-file magic is AAF, `{` is OTIO JSON, an XML root of `xmeml` is
FCP7 XML and `fcpxml` FCPXML, other text with event lines is a CMX3600 EDL. Every XML file is
screened first (`xml_screen`), OTIO JSON is parsed once by Python's own reader with a depth
bound before OpenTimelineIO's C++ reader sees it.

The adapters raise a dozen kinds of exception, print to stdout (the AAF adapter, when it
replaces a clip it cannot resolve with a gap) and log through the root logger (pyaaf2), so a
read runs in one of the scan's worker processes (time and memory bounded, `read_task`) with
stdout captured and logging off; what the adapter printed becomes a note on the timeline.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import logging
import re
import tempfile
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import descriptor_path
from scanner.timeline.edl import line_of, read_edl
from scanner.timeline.fcp7 import Fcp7Tree, check_items, read_fcp7
from scanner.timeline.model import Clip, ParsedTimeline
from scanner.timeline.otio_clips import TimelineProblem, record_rate, timeline_clips
from scanner.timeline.xml_screen import screen_xml

MAX_TEXT_BYTES = 32 * 1024 * 1024  # EDL, XML, OTIO JSON (a 20,000-event EDL: 2.8 MB)
MAX_AAF_BYTES = 256 * 1024 * 1024
MAX_CLIPS = 100_000
MAX_JSON_DEPTH = 200
CFB_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


@dataclass(frozen=True)
class ReadRequest:
    """A timeline to read: its bytes (read by the scanning process from where the gatekeeper
    keeps them) and the rate the caller gives (an EDL has none of its own)."""

    source: str
    data: bytes
    rate: Fraction | None = None
    rate_from: str = ""
    origin: str = "option"


@dataclass(frozen=True)
class ReadResult:
    timeline: ParsedTimeline | None
    problem: str = ""
    line: int = 0


def sniff_kind(data: bytes) -> str:
    """edl, fcp7-xml, fcpxml, aaf or otio, from the bytes; TimelineProblem otherwise."""
    if data.startswith(CFB_MAGIC):
        return "aaf"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "otio"
    if head.startswith(b"<"):
        root = screen_xml(data).root
        kinds = {"xmeml": "fcp7-xml", "fcpxml": "fcpxml"}
        if root in kinds:
            return kinds[root]
        if root in ("CompositionPlaylist", "AssetMap", "PackingList"):
            raise TimelineProblem(
                f"an IMF {root}: IMF packages are read from the delivery itself, not given "
                "with --timeline"
            )
        raise TimelineProblem(f"XML with root <{root[:40]}> is no timeline provscan reads")
    if b"\x00" in head:
        raise TimelineProblem(
            "binary data that is no timeline provscan reads (AAF, EDL, XML, OTIO)"
        )
    return "edl"


def read_timeline(request: ReadRequest) -> ParsedTimeline:
    """Read one timeline; TimelineProblem (with the line, where the format has lines). A
    timeline without a single event is refused: as the cut, it would say nothing ships."""
    timeline = _read(request)
    if not timeline.clips:
        raise TimelineProblem("the timeline holds no event (no clip on any track)")
    return timeline


def _read(request: ReadRequest) -> ParsedTimeline:
    data = request.data
    kind = sniff_kind(data)
    limit = MAX_AAF_BYTES if kind == "aaf" else MAX_TEXT_BYTES
    if len(data) > limit:
        raise TimelineProblem(f"larger than {limit} bytes: over the timeline size limit")
    base = ParsedTimeline(
        source=request.source,
        kind=kind,
        name="",
        rate=request.rate or Fraction(24),
        rate_from=request.rate_from if request.rate else "file",
        drop_frame=None,
        start=0,
        origin=request.origin,
    )
    if kind == "edl":
        if request.rate is None:
            raise TimelineProblem(
                "an EDL holds no frame rate: give it with --timeline-rate (or `rate` beside the "
                "timeline in the policy)"
            )
        text = _text(data)
        title, drop_frame, clips = read_edl(text, request.rate, max_events=MAX_CLIPS)
        start = min((c.record_in for c in clips), default=0)  # an EDL starts at its first event
        return replace(base, name=title, drop_frame=drop_frame, start=start, clips=tuple(clips))
    if kind == "fcp7-xml":
        screened = screen_xml(data, watch=frozenset({"clipitem", "generatoritem"}))
        items = _item_lines(screened.lines)
        if len(items) > MAX_CLIPS:
            raise TimelineProblem(
                f"more than {MAX_CLIPS} clip items: over the timeline limit", items[MAX_CLIPS]
            )
        tree = Fcp7Tree(data, items)
        check_items(tree, Fraction(1000))  # the fastest rate: read_fcp7 checks hours again
        timeline = _first_timeline(
            _adapter(
                lambda: _otio().adapters.read_from_string(
                    data.decode("utf-8", "replace"), adapter_name="fcp_xml"
                ),
                data,
            )
        )
        rate, start, clips, notes = read_fcp7(data, timeline, tree, max_clips=MAX_CLIPS)
        return _finish(base, timeline, rate, start, clips, notes)
    if kind == "fcpxml":
        screen_xml(data)
        timeline = _first_timeline(
            _adapter(
                lambda: _otio().adapters.read_from_string(
                    data.decode("utf-8", "replace"), adapter_name="fcpx_xml"
                ),
                data,
            )
        )
    elif kind == "otio":
        _check_json(data)
        timeline = _first_timeline(
            _adapter(
                lambda: _otio().adapters.read_from_string(
                    data.decode("utf-8", "replace"), adapter_name="otio_json"
                ),
                data,
            )
        )
    else:
        timeline = _first_timeline(_read_aaf(data))
    rate = record_rate(timeline, None)
    start, clips = timeline_clips(timeline, rate, max_clips=MAX_CLIPS)
    if kind in ("otio", "fcpxml"):
        clips = _with_lines(clips, data)
    return _finish(base, timeline, rate, start, clips, [])


_REFERENCE = re.compile(rb'"target_url(?:_base)?"\s*:\s*"((?:[^"\\]|\\.)*)"|\bsrc="([^"]*)"')


def _with_lines(clips: list[Clip], data: bytes) -> list[Clip]:
    """The line where each clip's media is named (OTIO JSON `target_url`, FCPXML `src`): the
    adapters keep none, and a clip that names a path out of the delivery is reported by line."""
    lines: dict[str, int] = {}
    for number, line in enumerate(data.splitlines(), 1):
        for match in _REFERENCE.finditer(line):
            raw = match.group(1) if match.group(1) is not None else match.group(2)
            try:
                value = (
                    json.loads(b'"' + raw + b'"') if match.group(1) is not None else raw.decode()
                )
            except (ValueError, UnicodeDecodeError):
                continue
            lines.setdefault(html.unescape(value), number)
    return [
        replace(clip, line=next((lines[m] for m in clip.media if m in lines), 0)) for clip in clips
    ]


def _finish(
    base: ParsedTimeline,
    timeline: Any,
    rate: Fraction,
    start: int,
    clips: list[Clip],
    notes: list[str],
) -> ParsedTimeline:
    return replace(
        base,
        name=str(timeline.name or ""),
        rate=rate,
        rate_from="file",
        start=start,
        clips=tuple(clips),
        notes=(*base.notes, *notes),
    )


def _otio() -> Any:
    import opentimelineio

    return opentimelineio


def _text(data: bytes) -> str:
    """EDLs come in UTF-8 or in an 8-bit code page: Latin-1 never fails and keeps every byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _adapter(read: Any, data: bytes) -> Any:
    try:
        return read()
    except TimelineProblem:
        raise
    except Exception as exc:  # noqa: BLE001 - adapters raise many kinds, none with a line
        message = f"the adapter refused it: {type(exc).__name__}: {exc}"
        raise TimelineProblem(message, line_of(_text(data), str(exc))) from exc


def _first_timeline(result: Any) -> Any:
    otio = _otio()
    if isinstance(result, otio.schema.Timeline):
        return result
    if isinstance(result, otio.schema.SerializableCollection):
        for child in result:
            if isinstance(child, otio.schema.Timeline):
                return child
    raise TimelineProblem("the file holds no timeline")


def _item_lines(lines: dict[str, list[int]]) -> list[int]:
    """The lines of clipitem and generatoritem elements, merged in document order."""
    return sorted(lines.get("clipitem", []) + lines.get("generatoritem", []))


def _check_json(data: bytes) -> None:
    try:
        tree = json.loads(data)
    except RecursionError as exc:
        raise TimelineProblem("JSON nested too deeply") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", 0)
        raise TimelineProblem(f"not JSON: {exc}", line) from exc
    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise TimelineProblem(f"JSON nested deeper than {MAX_JSON_DEPTH}")
        children = (
            value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        )
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def _read_aaf(data: bytes) -> Any:
    """The AAF adapter wants a path: the bytes go into an unnamed temporary file (outside any
    delivery), reached through /proc/self/fd."""
    with tempfile.TemporaryFile() as handle:
        handle.write(data)
        handle.flush()
        return _adapter(
            lambda: _otio().adapters.read_from_file(descriptor_path(handle), adapter_name="AAF"),
            b"",
        )


def read_task(media: MediaFile, requests: tuple[ReadRequest, ...]) -> ReadResult:
    """What a worker does (module level: sent by reference): read the request numbered by
    `media.rel`, stdout captured."""
    request = requests[int(media.rel)]
    printed = io.StringIO()
    logging.disable(logging.CRITICAL)  # pyaaf2 warns through the root logger
    try:
        with contextlib.redirect_stdout(printed):
            timeline = read_timeline(request)
    except TimelineProblem as exc:
        return ReadResult(None, str(exc), exc.line)
    except RecursionError:
        return ReadResult(None, "nested too deeply for the adapter (RecursionError)")
    finally:
        logging.disable(logging.NOTSET)
    said = [
        re.sub(r" at 0x[0-9a-f]+", "", line.strip())  # object addresses: not the same twice
        for line in printed.getvalue().splitlines()
        if line.strip()
    ]
    if said:
        # The AAF adapter replaces a clip it cannot resolve with a gap and says so on stdout:
        # that clip's media is unknown, so the cut is not wholly read.
        lost = [f"the adapter lost a clip: {line[:300]}" for line in said if "Gap" in line]
        notes = [f"the adapter said: {line[:300]}" for line in said if "Gap" not in line]
        if len(lost) + len(notes) > 20:
            notes = [*notes[:10], f"the adapter said {len(said) - 10} more line(s)"]
            lost = lost[:10]
        timeline = replace(
            timeline,
            notes=(*timeline.notes, *notes),
            problems=(*timeline.problems, *lost),
        )
    return ReadResult(timeline)


def read_failed(_media: MediaFile, message: str) -> ReadResult:
    """A read that exceeded a bound or crashed its worker."""
    return ReadResult(None, message)
