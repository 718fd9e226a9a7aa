"""The cut as the report shows it: timelines' events with their verdicts, IMF packages.

Each timeline's events with the verdict on what they play, and each IMF package with its
packing-list checks.

An event's status is the worst status among its assets. An event whose media the delivery
lacks (nothing matched, frames of a sequence missing, or the matching file was not scanned)
carries `missing-media` and is at least `review`. Generators (black, bars, titles) and nested
sequences have no media and no status.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from scanner.model import AI_VALUES, STATUSES, Skipped
from scanner.model_timeline import PackageFile, PackageReport, TimelineEvent, TimelineReport
from scanner.timeline.cut import Cut, Placed, Verdict, compare
from scanner.timeline.imf import PackageAsset, PackageRead, is_track_file
from scanner.timeline.timecode import rate_text, timecode_text

MAX_EVENT_ASSETS = 100  # asset paths listed per event (a long sequence plays many frames)
MISSING_MEDIA = "missing-media"


def reports(
    cut: Cut, skipped: Iterable[Skipped]
) -> tuple[tuple[TimelineReport, ...], tuple[PackageReport, ...]]:
    """The report's `timelines` and `packages`, once every asset is judged; `skipped`: the
    paths the scan did not analyse, and why (an event playing one of them lacks its media)."""
    reasons = {s.path: s.reason for s in skipped}
    return timeline_reports(cut, reasons), package_reports(cut, reasons)


def timeline_reports(cut: Cut, skipped: dict[str, str]) -> tuple[TimelineReport, ...]:
    reports = []
    for timeline, events in zip(cut.timelines, cut.placed, strict=True):
        rate, df = timeline.rate, timeline.drop_frame
        reports.append(
            TimelineReport(
                source=timeline.source,
                kind=timeline.kind,
                name=timeline.name,
                rate=rate_text(rate),
                rate_from=timeline.rate_from,
                start=timecode_text(timeline.start, rate, df),
                frames=max(0, timeline.end - timeline.start),
                origin=timeline.origin,
                events=tuple(_event(cut, timeline.start, event, skipped) for event in events),
                package=timeline.package,
                title=timeline.title,
                issuer=timeline.issuer,
                creator=timeline.creator,
                content_kind=timeline.content_kind,
                notes=timeline.notes,
                problems=timeline.problems,
            )
        )
    return tuple(reports)


def _event(cut: Cut, start: int, event: Placed, skipped: dict[str, str]) -> TimelineEvent:
    timeline = cut.timelines[event.timeline]
    clip, resolution = event.clip, event.resolution
    rate, df = timeline.rate, timeline.drop_frame
    notes = list(clip.notes)
    verdicts: list[Verdict] = []
    unscanned = []
    for path in resolution.assets:
        verdict = cut.verdicts.get(path)
        if verdict is None:
            unscanned.append(path)
        else:
            verdicts.append(verdict)
    if unscanned:
        why = skipped.get(unscanned[0], "not found as an asset when the delivery was scanned")
        more = f" (and {len(unscanned) - 1} more)" if len(unscanned) > 1 else ""
        notes.append(f"{unscanned[0]}{more} was not scanned: {why}")
    missing = not clip.generator and (not resolution.assets or resolution.missing or unscanned)
    if resolution.missing:
        notes.append(resolution.missing)
    statuses = [v.status for v in verdicts] + (["review"] if missing else [])
    reasons: list[str] = []
    for code in [r for v in verdicts for r in v.reasons] + ([MISSING_MEDIA] if missing else []):
        if code not in reasons:
            reasons.append(code)
    ais = [v.ai for v in verdicts if v.ai in AI_VALUES]
    shown = resolution.assets[:MAX_EVENT_ASSETS]
    detail = resolution.detail
    if len(resolution.assets) > MAX_EVENT_ASSETS:
        detail += f" ({len(resolution.assets)} assets; the first {MAX_EVENT_ASSETS} listed)"
    return TimelineEvent(
        event=clip.event,
        track=clip.track,
        clip=clip.name,
        record_in=timecode_text(clip.record_in, rate, df),
        record_out=timecode_text(clip.record_out, rate, df),
        source_in=timecode_text(clip.source_in, clip.source_rate, df),
        source_out=timecode_text(clip.source_out, clip.source_rate, df),
        line=clip.line,
        reel=clip.reel,
        media=clip.media[0] if clip.media else "",
        start=clip.record_in - start,
        frames=clip.record_out - clip.record_in,
        assets=shown,
        resolved_by=resolution.how,
        resolution=detail,
        status=min(statuses, key=STATUSES.index) if statuses else "",
        reasons=tuple(reasons),
        ai=min(ais, key=AI_VALUES.index) if ais else "",
        approval=next((v.approval for v in verdicts if v.approval), ""),
        known_ai=tuple(
            text
            for v in verdicts
            for (source, track, number, text) in v.known_ai
            if (source, track, number) == (timeline.source, clip.track, clip.event)
        ),
        notes=tuple(notes),
    )


def package_reports(cut: Cut, skipped: dict[str, str]) -> tuple[PackageReport, ...]:
    return tuple(_package(cut, package, skipped) for package in cut.packages)


def _package(cut: Cut, package: PackageRead, skipped: dict[str, str]) -> PackageReport:
    own = {asset.uuid for asset in package.assets}
    played = {
        media[len("urn:uuid:") :]
        for composition in package.compositions
        for clip in composition.clips
        for media in clip.media
        if media.startswith("urn:uuid:")
    }
    return PackageReport(
        path=package.folder,
        assetmap=package.assetmap,
        packing_lists=package.packing_lists,
        compositions=tuple(c.source for c in package.compositions),
        files=tuple(_file(cut, asset, skipped) for asset in package.assets),
        supplemental=bool(played - own),
        problems=package.problems,
    )


def _file(cut: Cut, asset: PackageAsset, skipped: dict[str, str]) -> PackageFile:
    listed = asset.listed
    check, detail = _check(cut, asset, skipped)
    return PackageFile(
        path=asset.path or (listed.name if listed else ""),
        uuid=asset.uuid,
        type=listed.type if listed else "",
        size=listed.size if listed else -1,
        hash=listed.hash if listed else "",
        check=check,
        detail=detail,
    )


def _check(cut: Cut, asset: PackageAsset, skipped: dict[str, str]) -> tuple[str, str]:
    if asset.listed is None:
        return "not-checked", "in no packing list: nothing says what it should be"
    if not asset.path:
        return "missing", "in the packing list but not in the ASSETMAP"
    if is_track_file(asset.path):
        if asset.path in cut.checks:
            return cut.checks[asset.path]
        if asset.path in skipped:
            return "not-checked", f"not scanned: {skipped[asset.path]}"
        return "missing", f"{posixpath.basename(asset.path)} is not in the delivery"
    if not asset.sha1:
        return "not-checked", "could not be read"
    return compare(asset, asset.size, asset.sha1, asset.sha256)
