"""The scan's verdict for a pipeline: the exit code, and the approvals nothing used."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from scanner.discover.walk import SKIP_LINK_BROKEN, SKIP_LINK_OUTSIDE, SKIP_SYMLINK
from scanner.model import MISSING_FROM_DELIVERY, UNREADABLE_FOLDER, Approval
from scanner.model_timeline import PackageReport, TimelineReport

PASS, FAIL, INCOMPLETE = 0, 1, 3  # the gate's exit codes (contract)
VERDICT_WORDS = {PASS: "PASS", FAIL: "FAIL", INCOMPLETE: "INCOMPLETE"}

# Statuses a person must act on, worst first: a violation fails the gate, an error leaves it
# incomplete, a review fails it with --strict. Every other status (approved, clean, and any
# status added later that is not listed here) is not a problem.
PROBLEM_STATUSES = ("violation", "error", "review")


# Skipped paths whose content was never read, by kind: with any of them the gate is
# incomplete, never a pass (a folder not listed, a file the manifests list that is not there, a
# symlink not followed: one provscan does not follow, that leads out of the delivery, or that
# leads nowhere). `--follow-links` reads links inside the delivery; `--exclude` leaves a path
# out on purpose.
UNREAD_SKIPS = {
    "folders": (UNREADABLE_FOLDER,),
    "missing": (MISSING_FROM_DELIVERY,),
    "links": (SKIP_SYMLINK, SKIP_LINK_OUTSIDE, SKIP_LINK_BROKEN),
}


def unread_skips(reasons: Iterable[str]) -> dict[str, int]:
    """How many of the skipped paths' `reasons` are of each kind of UNREAD_SKIPS."""
    counts = dict.fromkeys(UNREAD_SKIPS, 0)
    for reason in reasons:
        for kind, prefixes in UNREAD_SKIPS.items():
            if reason.startswith(prefixes):
                counts[kind] += 1
    return counts


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
    unread: int,
    strict: bool = False,
    extra: Iterable[str] = (),
) -> int:
    """The exit code of a whole scan from its counts (and `extra` statuses beside the assets':
    the cut's, `cut_statuses`). Nothing scanned is never a pass: a delivery without a single
    media file (a wrong path, an unmounted share) is incomplete, and so is one with a folder
    that could not be listed, or with `unread` skipped paths (UNREAD_SKIPS)."""
    statuses = {s for s, n in by_status.items() if n} | set(extra)
    code = exit_code(statuses, strict=strict)
    if code == PASS and (assets == 0 or unread):
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
