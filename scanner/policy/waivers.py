"""Waivers applied to findings: which reasons a reviewer waived, the status that follows, and
which waivers no asset used. Pure: no I/O, no clock (`as_of` is given).

A waiver applies to a reason of an asset when it names that reason code, it is in force on the
scan date (`expires_on`, if any, is not before it), and it was made for that content: the
asset's sha256 (and, when the waiver names a path, that path too). A waiver with a path and no
sha256 applies only to an asset at that path that could not be read at all (no sha256).

Which reasons can be waived was checked when the file was loaded (review and error reasons, and
the violations the policy lists in [gate] waivable), and is checked again here with the
statuses the policy set: a waiver never passes a violation the policy did not let it.

The finding's status is then the worst status among the reasons not waived; when every failing
reason was waived it is `waived` (a passing status: the gate treats it like approved).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date

from scanner.model import AssetAnalysis, Finding, Waiver
from scanner.policy.reasons import NO_OVERRIDES, Overrides, status_of, worst_status

FAILING = ("violation", "error", "review")


class WaiverSet:
    """The waivers of one file for one scan: filed by content and path, with what each did."""

    def __init__(
        self, file: str, waivers: Iterable[Waiver], *, as_of: date, waivable: tuple[str, ...]
    ) -> None:
        self.file = file
        self.waivable = waivable
        listed = tuple(waivers)
        self.expired = tuple(w for w in listed if w.expires_on and w.expires_on < as_of)
        self.in_force = tuple(w for w in listed if w not in self.expired)
        self._by_sha256: dict[str, list[Waiver]] = {}
        self._unread_by_path: dict[str, list[Waiver]] = {}
        for waiver in self.in_force:
            if waiver.sha256:
                self._by_sha256.setdefault(waiver.sha256, []).append(waiver)
            else:
                self._unread_by_path.setdefault(waiver.path, []).append(waiver)
        self._used: set[int] = set()  # rows of the waivers some reason used

    def candidates(self, analysis: AssetAnalysis) -> list[Waiver]:
        """The waivers in force made for this asset's content (and place, when they say)."""
        if analysis.sha256:
            found = self._by_sha256.get(analysis.sha256, [])
            return [w for w in found if not w.path or w.path == analysis.path]
        return self._unread_by_path.get(analysis.path, [])

    def apply(
        self, finding: Finding, analysis: AssetAnalysis, overrides: Overrides = NO_OVERRIDES
    ) -> Finding:
        """The finding with its waivable failing reasons waived (see the module docstring)."""
        candidates = self.candidates(analysis)
        if not candidates:
            return finding
        applied: list[Waiver] = []
        kept: list[str] = []
        for reason in finding.reasons:
            status = status_of(reason.code, overrides)
            waiver = next((w for w in candidates if w.reason == reason.code), None)
            if waiver is not None and self._may_waive(reason.code, status):
                if waiver not in applied:
                    applied.append(waiver)
                self._used.add(waiver.row)
            else:
                kept.append(reason.code)
        if not applied:
            return finding
        status = worst_status(kept, overrides)
        if status not in FAILING:
            status = "waived"
        return dataclasses.replace(finding, status=status, waivers=tuple(applied))

    def _may_waive(self, code: str, status: str) -> bool:
        if status == "violation":
            return code in self.waivable
        return status in ("error", "review")

    @property
    def unused(self) -> tuple[Waiver, ...]:
        """In force, but no reason of any asset used them (so far: call after the scan)."""
        return tuple(w for w in self.in_force if w.row not in self._used)
