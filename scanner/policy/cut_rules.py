"""What the cut changes in a finding: `final = "cut"` and where an asset plays.

With `final = "cut"` in the policy, the final deliverable is what the timelines and IMF
compositions use. Pure, like `scanner.policy.decide`, which calls it:

* An asset the cut plays is final, wherever it sits (a previs shot in temp/ that made it into
  the locked cut ships), unless an archival pattern matches it: archival keeps its rules.
* AI material the cut plays without a granted final-scope approval (approved, in force on the
  scan date, not expired, scope final) is `ai-in-final-cut`, naming the record timecodes (and
  any known-AI fingerprint hit inside the part it plays); it stands in for `unapproved-ai`
  and sits beside the approval's own reasons (`approval-not-granted`, `temporary-in-final`).
* AI material no cut plays and no area pattern matches (area `unused`) is `not-in-cut`:
  informational, it is not delivered (`scanner.policy.decide`).
* An archival still the cut plays that fails archival verification says where it plays.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from datetime import date

from scanner.model import Approval, Reason
from scanner.model_timeline import CutUse
from scanner.policy.areas import UNUSED

MAX_USES_SHOWN = 3
_ARCHIVAL_CODES = ("archival-unverified", "archival-altered", "ai-in-archival")


def area_in_cut(area: str, cut: Sequence[CutUse], final_cut: bool) -> str:
    """The area once the cut is known: what the cut plays is final (archival stays)."""
    if final_cut and cut and area != "archival":
        return "final"
    return area


def granted_final(used: Approval | None, as_of: date) -> bool:
    return (
        used is not None
        and used.status == "approved"
        and used.scope == "final"
        and not (used.approved_on and as_of < used.approved_on)
        and not (used.expires_on and as_of > used.expires_on)
    )


def plays_at(cut: Sequence[CutUse]) -> str:
    """'in reel1.edl V event 003 at 01:00:02:00-01:00:04:00 (and 2 more places); known-AI
    material at record 01:00:03:00 (concept/keeper_concept_07.png)'."""
    shown = [
        f"in {posixpath.basename(use.timeline.replace(chr(92), '/'))} {use.track} event "
        f"{use.event} at {use.record_in}-{use.record_out}"
        for use in cut[:MAX_USES_SHOWN]
    ]
    text = "; ".join(shown)
    if len(cut) > MAX_USES_SHOWN:
        text += f" (and {len(cut) - MAX_USES_SHOWN} more places)"
    hits = [hit for use in cut for hit in use.known_ai]
    if hits:
        text += "; known-AI material at record " + ", ".join(hits[:MAX_USES_SHOWN])
    return text


def cut_reasons(
    reasons: list[Reason],
    *,
    what: str,
    area: str,
    has_ai: bool,
    used: Approval | None,
    as_of: date,
    cut: Sequence[CutUse],
    final_cut: bool,
) -> list[Reason]:
    """The reasons once the cut is known (module docstring)."""
    if not cut or area == UNUSED:
        return reasons
    if final_cut and area == "final" and has_ai and not granted_final(used, as_of):
        why = (
            "no approval covers it"
            if used is None
            else f"{used.request_id} is no granted final-scope approval"
        )
        kept = [r for r in reasons if r.code != "unapproved-ai"]
        return [Reason("ai-in-final-cut", f"{what}; {why}; plays {plays_at(cut)}"), *kept]
    if area == "archival":
        return [
            Reason(r.code, f"{r.detail}; plays {plays_at(cut)}") if r.code in _ARCHIVAL_CODES else r
            for r in reasons
        ]
    return reasons
