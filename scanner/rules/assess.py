"""Signals (+ the C2PA summary) -> Assessment: did generative AI make or touch this asset?

`ai`:
- `generated` when a strong or definitive `ai-generated` signal describes the asset itself:
  any such signal from unsigned metadata (XMP, EXIF, PNG text, container tags), or a C2PA one
  from the active manifest or a manifest it descends from through `parentOf` ingredients, on an
  action that makes or opens the whole asset (`c2pa.created`, `c2pa.opened`, or a conversion),
  or in a metadata assertion. So the ChatGPT case, where the active manifest only `opened` an
  AI-generated parent, is `generated`: the parent's pixels are the output's pixels.
- `composite` when a strong or definitive `ai-composite` signal is found, or an `ai-generated`
  one sits lower in the tree: in a `componentOf` ingredient (an AI element placed into the
  asset), in a manifest no ingredient points at, or on a partial action such as `c2pa.placed`
  or `c2pa.edited` of the asset's own chain.
- `none` otherwise. That means "no AI signal found", never "not AI".

Weak `ai-*` signals (free text, unverified markers) never decide `ai`: they stay in `signals`
for the reviewer, as do `ai-possible` and `ai-enhanced` ones. Signals from a manifest reached
only through an `inputTo` ingredient describe an input to the process (a prompt image, a
reference photo), not the output: their AI meanings become `ai-possible` and a capture claim
becomes `info`, with the description saying why.

`generators` lists the names carried by the AI signals that decided `ai`, plus (when `ai` is
not `none`) the names of `tool` and `ai-enhanced` signals of the same asset.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import replace

from scanner.model import Assessment, C2paManifest, C2paReport, Signal
from scanner.rules.signals import signal_sort_key

DECIDING = ("strong", "definitive")
# Actions that make, open or re-wrap the whole asset: an AI source type on them describes it all.
WHOLE_ASSET_ACTIONS = frozenset(
    {
        "c2pa.created",
        "c2pa.opened",
        "c2pa.converted",
        "c2pa.transcoded",
        "c2pa.repackaged",
        "c2pa.published",
    }
)
_ACTION_FIELD = re.compile(r"^(?P<assertion>[^/]+)/actions\[(?P<index>\d+)\]\.")
INPUT_NOTE = (
    " [In an ingredient used as an input to the process (inputTo): it describes that input, "
    "not this asset.]"
)

SELF, COMPONENT, INPUT = "self", "component", "input"
_ROLE_RANK = {SELF: 0, COMPONENT: 1, INPUT: 2}


def assess(signals: Iterable[Signal], c2pa: C2paReport | None) -> Assessment:
    """The assessment of one asset (rules in the module docstring)."""
    roles = manifest_roles(c2pa) if c2pa else {}
    manifests = {m.label: m for m in c2pa.manifests} if c2pa else {}
    placed = [_relabel_inputs(s, roles, manifests) for s in signals]

    generated: list[Signal] = []
    composite: list[Signal] = []
    for s in placed:
        if s.strength not in DECIDING:
            continue
        if s.meaning == "ai-composite":
            composite.append(s)
        elif s.meaning == "ai-generated":
            if _describes_whole_asset(s, roles, manifests):
                generated.append(s)
            else:
                composite.append(s)

    ai = "generated" if generated else "composite" if composite else "none"
    names = {s.generator for s in generated + composite if s.generator}
    if ai != "none":
        names |= {
            s.generator for s in placed if s.meaning in ("tool", "ai-enhanced") and s.generator
        }
    return Assessment(
        ai=ai,
        credentials=c2pa.credentials if c2pa else "absent",
        generators=tuple(sorted(names, key=lambda n: (n.casefold(), n))),
        signals=tuple(sorted(set(placed), key=signal_sort_key)),
    )


def manifest_roles(report: C2paReport) -> dict[str, str]:
    """Where each manifest of the store sits relative to the asset.

    `self` for the active manifest and its `parentOf` ancestors, `input` below an `inputTo`
    ingredient, `component` for everything else (componentOf ingredients and their trees, and
    manifests nothing points at). A manifest reachable several ways keeps its closest role.
    """
    by_label = {m.label: m for m in report.manifests}
    roles: dict[str, str] = {}
    if report.active_manifest in by_label:
        roles[report.active_manifest] = SELF
        queue = deque([report.active_manifest])
        while queue:
            label = queue.popleft()
            for ing in by_label[label].ingredients:
                child = ing.manifest_label
                if child not in by_label:
                    continue
                role = _child_role(roles[label], ing.relationship)
                if child not in roles or _ROLE_RANK[role] < _ROLE_RANK[roles[child]]:
                    roles[child] = role
                    queue.append(child)
    for label in by_label:
        roles.setdefault(label, COMPONENT)
    return roles


def _child_role(parent: str, relationship: str) -> str:
    if parent == INPUT or relationship == "inputTo":
        return INPUT
    if parent == SELF and relationship == "parentOf":
        return SELF
    return COMPONENT


def _manifest_of(signal: Signal, manifests: dict[str, C2paManifest]) -> tuple[str, str]:
    """(manifest label, rest of the field) for a c2pa signal, ("", "") when not tied to one."""
    if signal.source != "c2pa" or not signal.field.startswith("manifest["):
        return "", ""
    best = ""
    for label in manifests:
        if signal.field.startswith(f"manifest[{label}]/") and len(label) > len(best):
            best = label
    if not best:
        return "", ""
    return best, signal.field[len(best) + len("manifest[]/") :]


def _relabel_inputs(
    signal: Signal, roles: dict[str, str], manifests: dict[str, C2paManifest]
) -> Signal:
    label, _ = _manifest_of(signal, manifests)
    if not label or roles.get(label) != INPUT:
        return signal
    if signal.meaning in ("ai-generated", "ai-composite"):
        return replace(signal, meaning="ai-possible", description=signal.description + INPUT_NOTE)
    if signal.meaning == "capture":
        return replace(signal, meaning="info", description=signal.description + INPUT_NOTE)
    return signal


def _describes_whole_asset(
    signal: Signal, roles: dict[str, str], manifests: dict[str, C2paManifest]
) -> bool:
    label, rest = _manifest_of(signal, manifests)
    if not label:
        return True  # unsigned metadata, or nothing to place it by: it describes the asset
    if roles.get(label) != SELF:
        return False
    action = _action_at(manifests[label], rest)
    return action is None or action in WHOLE_ASSET_ACTIONS


def _action_at(manifest: C2paManifest, rest: str) -> str | None:
    """The action name behind `<assertion>/actions[i].…`, None when the field is not an action's."""
    m = _ACTION_FIELD.match(rest)
    if m is None:
        return None
    same = [a for a in manifest.actions if a.assertion == m.group("assertion")]
    index = int(m.group("index"))
    return same[index].action if index < len(same) else None
