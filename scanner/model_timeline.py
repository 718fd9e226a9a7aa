"""The cut as the report holds it: where assets play, each timeline's events, each IMF package.

Frozen values a scan hands to the reports (`ScanResult.timelines`, `ScanResult.packages`,
`Finding.cut`), beside `scanner.model`; like it, this module imports nothing of ours.
Timecodes are text (`01:00:10:00`, `;` before the frames when drop-frame); frames are counted
from the timeline's start, for drawing. Every string from a timeline or a package is
untrusted: reports must escape it.
"""

from __future__ import annotations

from dataclasses import dataclass

# How a clip was matched to the delivery's assets, in order of precedence (contract: the
# report's `resolved_by`). "" : nothing matched (missing media); "generator": black, bars, a
# title, a nested sequence: no media to find.
RESOLVED_BY = ("path", "file-name", "clip-name", "reel", "sequence", "package")


@dataclass(frozen=True)
class CutUse:
    """One place an asset plays: which timeline, track and event, where in the cut (record)
    and which part of the asset (source)."""

    timeline: str
    track: str
    event: str
    record_in: str
    record_out: str
    source_in: str = ""
    source_out: str = ""
    resolved_by: str = ""
    # Known-AI fingerprint hits inside this part of a video, at their record timecode.
    known_ai: tuple[str, ...] = ()


@dataclass(frozen=True)
class TimelineEvent:
    """One event of a timeline, resolved, with the verdict on what it plays."""

    event: str
    track: str
    clip: str
    record_in: str
    record_out: str
    source_in: str = ""
    source_out: str = ""
    line: int = 0
    reel: str = ""
    media: str = ""  # the media reference as the timeline writes it
    start: int = 0  # record in, in frames from the timeline's start
    frames: int = 0  # record length in frames
    assets: tuple[str, ...] = ()
    resolved_by: str = ""
    resolution: str = ""  # how, in words
    status: str = ""  # the worst status among its assets; "review" for missing media
    reasons: tuple[str, ...] = ()  # its assets' reason codes, or missing-media
    ai: str = ""  # the most AI its assets hold: generated > composite > none
    approval: str = ""
    known_ai: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TimelineReport:
    """An editorial timeline or an IMF composition, resolved against the delivery."""

    source: str  # the file as given, or the composition's path in the delivery
    kind: str  # edl, fcp7-xml, fcpxml, aaf, otio, imf-cpl
    name: str
    rate: str  # "25", "30000/1001"
    rate_from: str  # option, policy, file
    start: str  # record timecode of its start
    frames: int  # record length, start to the end of the last event
    origin: str  # option, policy, delivery
    events: tuple[TimelineEvent, ...] = ()
    package: str = ""
    title: str = ""
    issuer: str = ""
    creator: str = ""
    content_kind: str = ""
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackageFile:
    """One asset of an IMF package and its packing-list check."""

    path: str
    uuid: str
    type: str = ""
    size: int = -1  # as the packing list says
    hash: str = ""  # as the packing list says (base64)
    # ok, mismatch (the bytes differ from the packing list), missing (not in the delivery),
    # not-checked (no packing list hash, an unknown algorithm, or unreadable)
    check: str = ""
    detail: str = ""


@dataclass(frozen=True)
class PackageReport:
    """An IMF package: one deliverable, its packing lists and compositions."""

    path: str  # the package folder
    assetmap: str
    packing_lists: tuple[str, ...] = ()
    compositions: tuple[str, ...] = ()  # the CPLs' paths (their events are in timelines)
    files: tuple[PackageFile, ...] = ()
    supplemental: bool = False  # plays track files of another package of the delivery
    problems: tuple[str, ...] = ()
