"""The scan's verdict for a pipeline: the exit code, and the approvals nothing used."""

from __future__ import annotations

from collections.abc import Iterable

from scanner.model import Approval


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
        return 1
    if "error" in statuses:
        return 3
    return 0
