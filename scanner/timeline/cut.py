"""The cut: every clip of the timelines and compositions resolved to the delivery's assets.

Also what each track file's packing list says, and (after judging) each asset's verdict.

Built in the scanning process before the first asset is analysed (`Cut.build`), consulted for
each asset as it is judged (`uses_of`, `cut_uses`, `package_mismatch`), told each verdict
(`record`), and turned into the report's `timelines` and `packages` at the end (`reports`).
It holds the clips and, per asset in the cut, a few words: memory grows with the cut, not
with the delivery. `scanner.timeline.cut_report` turns it into the report.
"""

from __future__ import annotations

import base64
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanner.errors import TimelineError
from scanner.model import AssetAnalysis, AssetResult
from scanner.model_timeline import CutUse
from scanner.timeline.assets import AssetIndex
from scanner.timeline.imf import PackageAsset, PackageRead, is_track_file
from scanner.timeline.imf_xml import SHA1, SHA256
from scanner.timeline.model import Clip, ParsedTimeline
from scanner.timeline.otio_clips import TimelineProblem
from scanner.timeline.resolve import Resolution, resolve
from scanner.timeline.timecode import timecode_text

if TYPE_CHECKING:  # the picture code is not needed to place a hit on the cut
    from scanner.fingerprint.library import KnownAiHit


@dataclass(frozen=True)
class Placed:
    """A clip of a timeline and where its media is."""

    timeline: int  # index into Cut.timelines
    clip: Clip
    resolution: Resolution


@dataclass(frozen=True)
class Verdict:
    """What the judging said about an asset in the cut, as its events show it."""

    status: str
    ai: str
    approval: str
    reasons: tuple[str, ...]
    # (timeline, track, event, "record timecode (known-AI file)") for hits inside its uses
    known_ai: tuple[tuple[str, str, str, str], ...] = ()


class Cut:
    def __init__(
        self,
        timelines: Sequence[ParsedTimeline],
        packages: Sequence[PackageRead],
        placed: list[list[Placed]],
    ) -> None:
        self.timelines = list(timelines)
        self.packages = list(packages)
        self.placed = placed
        self._uses: dict[str, list[Placed]] = {}
        for events in placed:
            for event in events:
                for path in event.resolution.assets:
                    self._uses.setdefault(path, []).append(event)
        self._listed: dict[str, PackageAsset] = {
            asset.path: asset
            for package in packages
            for asset in package.assets
            if asset.path and is_track_file(asset.path) and asset.listed is not None
        }
        self.verdicts: dict[str, Verdict] = {}
        self.checks: dict[str, tuple[str, str]] = {}  # track file path -> (check, detail)

    @classmethod
    def build(
        cls,
        timelines: Sequence[ParsedTimeline],
        packages: Sequence[PackageRead],
        index: AssetIndex,
    ) -> Cut:
        """Resolve every clip; TimelineError for a gatekeeper's timeline whose clip names a
        path out of the delivery (a composition's such clip is a problem of its own)."""
        by_uuid = {
            asset.uuid: asset.path for package in packages for asset in package.assets if asset.path
        }
        every = [*timelines, *(c for p in packages for c in p.compositions)]
        placed: list[list[Placed]] = []
        for number, timeline in enumerate(every):
            events = []
            for clip in timeline.clips:
                try:
                    resolution = resolve(clip, index, by_uuid)
                except TimelineProblem as exc:
                    if timeline.origin == "delivery":
                        resolution = Resolution(detail=str(exc))
                    else:
                        raise TimelineError(timeline.source, exc.line or None, str(exc)) from exc
                events.append(Placed(number, clip, resolution))
            placed.append(events)
        return cls(every, packages, placed)

    @property
    def empty(self) -> bool:
        return not self.timelines and not self.packages

    def in_cut(self, path: str) -> bool:
        return path in self._uses

    def cut_uses(self, analysis: AssetAnalysis, hits: Sequence[KnownAiHit]) -> tuple[CutUse, ...]:
        """Where the asset plays, each use with the known-AI hits inside the part it plays,
        at their record timecode."""
        uses = []
        for event in self._uses.get(analysis.path, ()):
            timeline = self.timelines[event.timeline]
            clip = event.clip
            rate, df = timeline.rate, timeline.drop_frame
            found = tuple(
                f"{timecode_text(at, rate, df)} ({hit.library_file})"
                for hit in hits
                if (at := _record_frame(clip, hit)) is not None
            )
            uses.append(
                CutUse(
                    timeline=timeline.source,
                    track=clip.track,
                    event=clip.event,
                    record_in=timecode_text(clip.record_in, rate, df),
                    record_out=timecode_text(clip.record_out, rate, df),
                    source_in=timecode_text(clip.source_in, clip.source_rate, df),
                    source_out=timecode_text(clip.source_out, clip.source_rate, df),
                    resolved_by=event.resolution.how,
                    known_ai=found,
                )
            )
        return tuple(uses)

    def package_mismatch(self, analysis: AssetAnalysis) -> str:
        """Why a track file's bytes are not the ones its packing list records ("" when they
        are, or no packing list lists it). Remembers the check for the package report."""
        listed = self._listed.get(analysis.path)
        if listed is None or listed.listed is None:
            return ""
        check, detail = compare(listed, analysis.size, analysis.sha1, analysis.sha256)
        if not analysis.sha256:
            check, detail = "not-checked", "the file could not be read"
        self.checks[analysis.path] = (check, detail)
        return detail if check == "mismatch" else ""

    def record(self, result: AssetResult) -> None:
        """Keep what the verdict on an asset in the cut was, for its events."""
        path = result.analysis.path
        if path not in self._uses:
            return
        finding = result.finding
        found = tuple(
            (use.timeline, use.track, use.event, text)
            for use in finding.cut
            for text in use.known_ai
        )
        self.verdicts[path] = Verdict(
            status=finding.status,
            ai=result.analysis.assessment.ai,
            approval=finding.approval,
            reasons=tuple(r.code for r in finding.reasons),
            known_ai=found,
        )


def compare(asset: PackageAsset, size: int, sha1: str, sha256_hex: str) -> tuple[str, str]:
    """(ok | mismatch | not-checked, detail) for bytes of `size` with these digests against
    the packing list's size and hash."""
    listed = asset.listed
    if listed is None:
        return "not-checked", "in no packing list"
    if listed.algorithm == SHA1:
        actual = sha1
    elif listed.algorithm == SHA256 and sha256_hex:
        actual = base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")
    else:
        return (
            "not-checked",
            f"hash algorithm {listed.algorithm[:100]!r} is not one provscan checks",
        )
    if not actual:
        return "not-checked", "no digest of the file was taken"
    name = posixpath.basename(asset.path)
    if listed.size >= 0 and size != listed.size:
        return "mismatch", (
            f"{name} is {size} bytes; its packing list says {listed.size}: altered after packaging"
        )
    if actual != listed.hash:
        return "mismatch", (
            f"{name} hashes to {actual}; its packing list says {listed.hash[:100]}: altered after "
            "packaging"
        )
    return "ok", "size and hash as packed"


def _record_frame(clip: Clip, hit: KnownAiHit) -> int | None:
    """The record frame of a hit at `hit.timecode` seconds into the file, when the clip plays
    that part of it."""
    if hit.timecode is None:
        return None
    source = (clip.media_start or 0) + round(hit.timecode * clip.source_rate)
    if not clip.source_in <= source < clip.source_out:
        return None
    offset = source - clip.source_in
    if clip.speed:
        offset = round(offset / abs(clip.speed))
    return clip.record_in + offset
