"""The delivery's areas: which paths are final deliverables, temporary material or archival footage.

Precedence: the pattern with the most literal characters wins, so `temp/**` beats `**` and a path
under temp/ is temporary even though final is `**`. On a tie the stricter area wins: archival,
then final, then temporary. A path no pattern matches is final: nothing leaves the gate
unclassified.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.common import pathglob

AREAS = ("final", "temporary", "archival")
# on equal specificity the stricter area wins
_AREA_TIE_ORDER = ("archival", "final", "temporary")


@dataclass(frozen=True)
class Policy:
    source: str = ""  # the file it came from, "" for the built-in default
    final: tuple[str, ...] = ("**",)
    temporary: tuple[str, ...] = ()
    archival: tuple[str, ...] = ()
    # how it was chosen (scanner.policy.load.ORIGINS): "option", "user-config", "site-config",
    # "delivery" or "default"; "" when a caller built it by hand
    origin: str = ""


DEFAULT_POLICY = Policy()


def area_for(path: str, policy: Policy) -> str:
    """`final`, `temporary` or `archival` for a delivery-relative path (rules above)."""
    best: tuple[int, int] | None = None
    best_area = "final"
    for tie, area in enumerate(_AREA_TIE_ORDER):
        for pattern in getattr(policy, area):
            if pathglob.matches(pattern, path):
                key = (pathglob.specificity(pattern), -tie)
                if best is None or key > best:
                    best, best_area = key, area
    return best_area
