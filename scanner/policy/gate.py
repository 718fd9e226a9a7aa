"""The scan's verdict for a pipeline: the exit code, and the approvals nothing used."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from scanner.model import Approval
from scanner.model_timeline import PackageReport, TimelineReport

PASS, FAIL, INCOMPLETE = 0, 1, 3  # the gate's exit codes (contract)
VERDICT_WORDS = {PASS: "PASS", FAIL: "FAIL", INCOMPLETE: "INCOMPLETE"}

# Statuses a person must act on, worst first: a violation fails the gate, an error leaves it
# incomplete, a review fails it with --strict. Every other status (approved, clean, and any
# status added later that is not listed here) is not a problem.
PROBLEM_STATUSES = ("violation", "error", "review")


def unused_approvals(approvals: Iterable[Approval], matched: Iterable[str]) -> tuple[str, ...]:
    """Request ids, in register order, that are not among the `matched` request ids (those of
    every finding's matches)."""
    used = set(matched)
    return tuple(a.request_id for a in approvals if a.request_id not in used)


def exit_code(statuses: Iterable[str], strict: bool = False) -> int:
    """0 pass, 1 violation (or review with strict), 3 no violation but something unreadable.

    `waived`, `approved` and `clean` pass, also with strict: a waived finding is a review or
    error a reviewer decided on (scanner.policy.waivers). (2, usage/config/register errors, is
    the CLI's: nothing is scanned then.)
    """
    statuses = set(statuses)
    if "violation" in statuses or (strict and "review" in statuses):
        return FAIL
    if "error" in statuses:
        return INCOMPLETE
    return PASS


def gate_code(
    by_status: Mapping[str, int],
    *,
    assets: int,
    unreadable_folders: int,
    strict: bool = False,
    extra: Iterable[str] = (),
) -> int:
    """The exit code of a whole scan from its counts (and `extra` statuses beside the assets':
    the cut's, `cut_statuses`). Nothing scanned is never a pass: a delivery without a single
    media file (a wrong path, an unmounted share) is incomplete, and so is one with a folder
    that could not be listed (its contents are unknown)."""
    statuses = {s for s, n in by_status.items() if n} | set(extra)
    code = exit_code(statuses, strict=strict)
    if code == PASS and (assets == 0 or unreadable_folders):
        return INCOMPLETE
    return code


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
