"""The delivery's areas: which paths are final deliverables, temporary material or archival footage.

Precedence: the pattern with the most literal characters wins, so `temp/**` beats `**` and a path
under temp/ is temporary even though final is `**`. On a tie the stricter area wins: archival,
then final, then temporary. A path no pattern matches is final: nothing leaves the gate
unclassified, unless the policy makes the cut the final deliverable (`final = "cut"`): then
the timelines and compositions decide what is final (`scanner.policy.cut_rules`), and a path
no pattern matches is `unused`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from scanner.common.globset import Deadline, PatternSet
from scanner.timeline.model import TimelineSource

AREAS = ("final", "temporary", "archival")
# final = "cut": an asset in no timeline or composition and matched by no area pattern.
UNUSED = "unused"
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
    # [gate]: the status the gatekeeper sets for adjustable reasons (scanner.policy.reasons
    # ADJUSTABLE), as (reason code, status) pairs; e.g. (("not-inspected", "review"),)
    statuses: tuple[tuple[str, str], ...] = ()
    # `final = "cut"` (alone or among the final patterns): the cut is the final deliverable.
    final_cut: bool = False
    # `timelines = [...]`: the gatekeeper's timelines, read with every scan under this policy.
    timelines: tuple[TimelineSource, ...] = ()
    # [gate] waivable: the violation reason codes a reviewer's waiver may pass (`--waivers`);
    # none by default (review and error reasons are always waivable)
    waivable: tuple[str, ...] = ()
    # `exclude = [...]`: globs of paths the scan leaves out (listed as skipped, with the glob)
    exclude: tuple[str, ...] = ()

    @property
    def overrides(self) -> dict[str, str]:
        return dict(self.statuses)

    @cached_property
    def area_patterns(self) -> PatternSet[int]:
        """Every area's patterns, each filed with its area's place in the tie order: built on
        first use and kept with the policy, so each pattern compiles once per scan."""
        return PatternSet.of(
            (pattern, tie)
            for tie, area in enumerate(_AREA_TIE_ORDER)
            for pattern in getattr(self, area)
        )


DEFAULT_POLICY = Policy()


def area_for(path: str, policy: Policy, deadline: Deadline | None = None) -> str:
    """`final`, `temporary` or `archival` (or `unused`, see above) for a delivery-relative
    path (rules above).

    GlobTimeBound (scanner.errors) past `deadline` (default: ten seconds from now).
    """
    best: tuple[int, int] | None = None
    best_area = UNUSED if policy.final_cut else "final"
    for hit in policy.area_patterns.matching(path, deadline):  # in tie order, then file order
        key = (hit.specificity, -hit.value)
        if best is None or key > best:
            best, best_area = key, _AREA_TIE_ORDER[hit.value]
    return best_area
