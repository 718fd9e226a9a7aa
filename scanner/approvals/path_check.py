"""Register path patterns that look wrong for a delivery: ones that match no asset in it, and
ones that start with the delivery folder's own name (`ep101/vfx/x.png` scanned as `ep101`).

Register paths are relative to the delivery folder, so `ep101/vfx/x.png` never matches in a
delivery named `ep101`; it silently covers nothing and the asset it meant is reported as
unapproved. These are warnings, not errors: a register serves a whole production, and most of
its patterns match nothing in any one delivery. The scan collects them as it matches each asset
(`PathTally.see`); `provscan approvals check --delivery DIR` walks the delivery's names.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from scanner.common.globset import Deadline, PatternSet
from scanner.common.safetext import terminal_safe
from scanner.model import Approval, RegisterWarning


class PathTally:
    """Which of a register's path patterns some asset path matched, one path at a time."""

    def __init__(self, approvals: Iterable[Approval]) -> None:
        self.approvals = tuple(approvals)
        self._patterns: PatternSet[int] = PatternSet.of(
            (p, i) for i, a in enumerate(self.approvals) for p in a.paths
        )
        self._left = {p for a in self.approvals for p in a.paths}  # not matched yet

    def see(self, path: str, deadline: Deadline | None = None) -> None:
        """Count one delivery-relative asset path (GlobTimeBound past the deadline)."""
        if self._left:
            for hit in self._patterns.matching(path, deadline):
                self._left.discard(hit.pattern)

    def warnings(self, delivery_name: str) -> tuple[RegisterWarning, ...]:
        """One warning per (approval, pattern) no asset matched, in register order."""
        out: list[RegisterWarning] = []
        for approval in self.approvals:
            for pattern in dict.fromkeys(approval.paths):
                if pattern in self._left:
                    out.append(_warning(approval, pattern, delivery_name))
        return tuple(out)


def _warning(approval: Approval, pattern: str, delivery_name: str) -> RegisterWarning:
    rid, row = approval.request_id, approval.row
    first, _, rest = pattern.partition("/")
    if delivery_name and first == delivery_name and rest:
        message = (
            f"{rid} (row {row}): path '{pattern}' starts with the delivery folder's own name "
            f"'{delivery_name}' and matches nothing: register paths are relative to the "
            f"delivery folder, so write '{rest}'"
        )
        return RegisterWarning(rid, row, pattern, "delivery-name", terminal_safe(message))
    message = f"{rid} (row {row}): path '{pattern}' matches no asset in the delivery"
    return RegisterWarning(rid, row, pattern, "matches-nothing", terminal_safe(message))


def delivery_warnings(approvals: Iterable[Approval], delivery: Path) -> tuple[RegisterWarning, ...]:
    """The warnings for a delivery folder, from its media files' names (their first bytes are
    read to tell media from the rest, as the scan does; nothing else)."""
    from scanner.discover.media import MediaFile
    from scanner.discover.walk import walk

    tally = PathTally(approvals)
    for item in walk(delivery):
        if isinstance(item, MediaFile):
            tally.see(item.rel)
    return tally.warnings(delivery_name(delivery))


def delivery_name(delivery: Path) -> str:
    """The delivery folder's own name, as a user would have typed it into a path."""
    return Path(os.path.abspath(delivery)).name
