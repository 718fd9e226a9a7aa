"""The scan's verdict for a pipeline: the exit code, and the approvals nothing used."""

from __future__ import annotations

from collections.abc import Iterable

from scanner.model import Approval
from scanner.model_timeline import PackageReport, TimelineReport


def unused_approvals(approvals: Iterable[Approval], matched: Iterable[str]) -> tuple[str, ...]:
    """Request ids, in register order, that are not among the `matched` request ids (those of
    every finding's matches)."""
    used = set(matched)
    return tuple(a.request_id for a in approvals if a.request_id not in used)


def exit_code(statuses: Iterable[str], strict: bool = False) -> int:
    """0 pass, 1 violation (or review with strict), 3 no violation but something unreadable.

    (2, usage/config/register errors, is the CLI's: nothing is scanned then.)
    """
    statuses = set(statuses)
    if "violation" in statuses or (strict and "review" in statuses):
        return 1
    if "error" in statuses:
        return 3
    return 0


def cut_statuses(
    timelines: Iterable[TimelineReport], packages: Iterable[PackageReport]
) -> set[str]:
    """What the timelines and packages add to the gate, beside the assets' statuses: a
    composition or timeline not wholly read is an error (the cut may be incomplete); an event
    whose media the delivery lacks, a package problem, or a package file that is missing or
    differs from its packing list needs review."""
    statuses: set[str] = set()
    for timeline in timelines:
        if timeline.problems:
            statuses.add("error")
        if any("missing-media" in event.reasons for event in timeline.events):
            statuses.add("review")
    for package in packages:
        if package.problems or any(f.check in ("mismatch", "missing") for f in package.files):
            statuses.add("review")
    return statuses
