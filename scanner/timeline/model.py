"""What a timeline holds before it meets the delivery: clips placed at record frames.

A `ParsedTimeline` comes out of a reader (EDL, FCP7 XML, FCPXML, AAF, OTIO, IMF CPL) in a
worker process and is resolved against the delivery's assets in the scanning process
(`scanner.timeline.resolve`). Frames are integers at the timeline's record rate (record) or
the clip's source rate (source), out points exclusive. Every string came from a file: the
reports escape it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

# The kinds of timeline provscan reads (the report's `kind`).
KINDS = ("edl", "fcp7-xml", "fcpxml", "aaf", "otio", "imf-cpl")
# Where a timeline came from: `--timeline`, the policy's `timelines`, the delivery (an IMF
# composition, or a timeline a delivery's own policy named).
ORIGINS = ("option", "policy", "delivery")


@dataclass(frozen=True)
class Clip:
    """One event: a piece of media placed on a track at record frames."""

    event: str  # the EDL event number, else the clip's place on its track (1-based)
    track: str  # V1, A1, ... (kind + place among the tracks of that kind)
    name: str
    record_in: int
    record_out: int
    source_rate: Fraction
    source_in: int
    source_out: int
    media: tuple[str, ...] = ()  # media references as written (URL, path, pattern), default first
    reel: str = ""  # reel / tape name
    line: int = 0  # where in the file, 0 when the format has no lines (AAF)
    # Where the media's own frame numbers start, in source frames (its start timecode); None
    # when the timeline does not say: maps a time inside a video to the cut.
    media_start: int | None = None
    # The first frame number of an image sequence the clip plays (OTIO ImageSequenceReference
    # or a file name ending in a frame number), None when it is not a sequence.
    first_frame: int | None = None
    speed: float | None = None  # 0.0 freeze frame, else the speed; None: played as is
    generator: str = ""  # black, bars, a title: no media to find
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedTimeline:
    """A timeline file read: its clips in track order, then record order."""

    source: str  # the file as given (or, for a composition, its path in the delivery)
    kind: str  # one of KINDS
    name: str
    rate: Fraction  # record rate
    rate_from: str  # "option", "policy", "file"
    drop_frame: bool | None
    start: int  # the record timecode of the timeline's start, in frames
    clips: tuple[Clip, ...] = ()
    notes: tuple[str, ...] = ()
    # What could not be read (a composition's bad resource): the cut may be incomplete.
    problems: tuple[str, ...] = ()
    origin: str = "option"
    package: str = ""  # IMF: the package folder in the delivery
    title: str = ""  # IMF CPL ContentTitle
    issuer: str = ""
    creator: str = ""
    content_kind: str = ""

    @property
    def end(self) -> int:
        return max((c.record_out for c in self.clips), default=self.start)


@dataclass(frozen=True)
class TimelineSource:
    """A timeline to read: the gatekeeper's file and the rate to read an EDL at."""

    path: str
    rate: Fraction | None = None
    rate_from: str = ""  # "option" or "policy" when `rate` is given
    origin: str = "option"
