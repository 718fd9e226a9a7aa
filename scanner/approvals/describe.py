"""A plain-text account of what a register covers, for `provscan approvals check`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from scanner.approvals.coverage import has_identifiers
from scanner.approvals.fields import SCOPES, SENSITIVE_FIELDS, STATUSES
from scanner.common.safetext import terminal_safe
from scanner.model import Approval

if TYPE_CHECKING:
    from scanner.approvals import Register


def describe_register(register: Register, *, as_of: date | None = None) -> str:
    """Counts, one line per approval, then warnings (expired, not yet valid, matches nothing)."""
    as_of = as_of or date.today()
    approvals = register.approvals
    status = Counter(a.status for a in approvals)
    scope = Counter(a.scope for a in approvals)
    sensitive = Counter(name for a in approvals for name in SENSITIVE_FIELDS if getattr(a, name))
    lines = [
        f"register {terminal_safe(register.file)} ({register.format.upper()}): "
        f"{len(approvals)} approval{'' if len(approvals) == 1 else 's'}, valid",
        *(f"  read as: {terminal_safe(note)}" for note in register.notes),
        "  status: " + ", ".join(f"{s} {status.get(s, 0)}" for s in STATUSES),
        "  scope: " + ", ".join(f"{s} {scope.get(s, 0)}" for s in SCOPES),
        "  sensitive uses: "
        + (", ".join(f"{n} {sensitive[n]}" for n in SENSITIVE_FIELDS if sensitive[n]) or "none"),
        "  archival use allowed: " + (_ids(a for a in approvals if a.archival_use) or "none"),
    ]
    if approvals:
        lines.append("")
        width = max(len(a.request_id) for a in approvals)
        lines += [_line(a, width) for a in approvals]
    warnings = [w for a in approvals for w in _warnings(a, as_of)]
    if warnings:
        lines += ["", f"warnings (as of {as_of.isoformat()}):"]
        lines += [f"  {w}" for w in warnings]
    return "\n".join(lines) + "\n"


def _line(approval: Approval, width: int) -> str:
    parts = []
    for name in ("paths", "sha256", "c2pa_manifest", "reference", "tools"):
        values = getattr(approval, name)
        if values:
            shown = [v[:12] + "…" if name == "sha256" else v for v in values]
            parts.append(f"{name} {'; '.join(shown)}")
    if not approval.tools:
        parts.append("any tool")
    flags = [name for name in SENSITIVE_FIELDS if getattr(approval, name)]
    if approval.archival_use:
        flags.append("archival_use")
    if flags:
        parts.append("flags " + ", ".join(flags))
    if approval.written_approval_ref:
        parts.append(f"written {approval.written_approval_ref}")
    if approval.approved_on:
        word = "from" if approval.status == "approved" else "decided"
        parts.append(f"{word} {approval.approved_on.isoformat()}")
    if approval.expires_on:
        parts.append(f"until {approval.expires_on.isoformat()}")
    head = f"{approval.request_id:<{width}}  {approval.status:<8}  {approval.scope:<9}"
    return terminal_safe(f"{head}  " + " · ".join(parts))


def _warnings(approval: Approval, as_of: date) -> list[str]:
    rid = approval.request_id
    out = []
    if approval.status == "approved":
        if approval.expires_on and approval.expires_on < as_of:
            out.append(f"{rid} expired on {approval.expires_on.isoformat()}")
        if approval.approved_on and approval.approved_on > as_of:
            out.append(f"{rid} is approved only from {approval.approved_on.isoformat()}")
    if not has_identifiers(approval) and not approval.tools:
        out.append(
            f"{rid} names no paths, sha256, c2pa_manifest, reference or tools: it can match nothing"
        )
    elif not has_identifiers(approval):
        out.append(
            f"{rid} names only tools: it covers every asset made with " + ", ".join(approval.tools)
        )
    return [terminal_safe(w) for w in out]


def _ids(approvals: Iterable[Approval]) -> str:
    return ", ".join(a.request_id for a in approvals)
