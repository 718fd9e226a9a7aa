"""The short summary a scan prints on stderr: counts per status and the worst offenders."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any

from scanner.common.safetext import terminal_safe
from scanner.model import STATUSES, UNREADABLE_FOLDER
from scanner.report.document import ReportSource, policy_description, policy_from_delivery

WORST_SHOWN = 10


def render_summary(source: ReportSource) -> str:
    """The summary text: counts from the header, the worst offenders from one pass."""
    doc = source.header
    summary = doc["summary"]
    lines = [
        f"provscan {doc['tool']['version']} (rules {doc['tool']['catalog_version']}): "
        f"{summary['assets']} assets, {summary['skipped']} skipped, "
        f"in {terminal_safe(doc['delivery'])}",
        _policy_line(doc),
        "  " + "  ".join(f"{s}: {summary['by_status'].get(s, 0)}" for s in STATUSES),
        "  AI: "
        + "  ".join(f"{k}: {v}" for k, v in summary["by_ai"].items()).replace(
            "none:", "no AI signal found:"
        ),
    ]
    lines.extend(_worst_offenders(source))
    unlisted = [s for s in doc.get("skipped", []) if s["reason"].startswith(UNREADABLE_FOLDER)]
    for skip in unlisted:
        lines.append(f"  NOT SCANNED  {terminal_safe(skip['path'])}: {skip['reason']}")
    if doc.get("unused_approvals"):
        lines.append("  unused approvals: " + terminal_safe(", ".join(doc["unused_approvals"])))
    lines.extend(register_warning_lines(doc))
    lines.extend(waiver_lines(doc))
    return "\n".join(lines) + "\n"


def register_warning_lines(doc: dict[str, Any]) -> list[str]:
    """Register paths that start with the delivery's own name, each; those matching nothing,
    counted with the first few (a production's register mostly covers other deliveries)."""
    warnings = doc.get("register_warnings") or []
    lines = [
        f"  REGISTER PATH: {terminal_safe(w['message'])}"
        for w in warnings
        if w.get("kind") == "delivery-name"
    ][:WORST_SHOWN]
    nothing = [w for w in warnings if w.get("kind") == "matches-nothing"]
    if nothing:
        shown = ", ".join(f"{w['request_id']} '{w['pattern']}'" for w in nothing[:5])
        more = f" and {len(nothing) - 5} more" if len(nothing) > 5 else ""
        lines.append(
            f"  register paths matching no asset here: {len(nothing)} "
            f"({terminal_safe(shown)}{more})"
        )
    return lines


def waiver_lines(doc: dict[str, Any]) -> list[str]:
    """The waiver file, and its waivers that did nothing: unused (in force, nothing matched)
    and expired (before the scan date)."""
    if not doc.get("waivers"):
        return []
    lines = [f"  waivers: {terminal_safe(doc['waivers'])}"]
    for key, label in (("unused_waivers", "unused"), ("expired_waivers", "expired")):
        waivers = doc.get(key) or []
        for waiver in waivers[:WORST_SHOWN]:
            lines.append(f"    {label} waiver: {terminal_safe(describe_waiver(waiver))}")
        if len(waivers) > WORST_SHOWN:
            lines.append(f"    … and {len(waivers) - WORST_SHOWN} more {label}")
    return lines


def describe_waiver(waiver: dict[str, Any]) -> str:
    """One waiver in a line: its row, what it waives, for which file, by whom, until when."""
    what = waiver.get("path") or ""
    if waiver.get("sha256"):
        what = f"{what} sha256 {waiver['sha256'][:12]}…".strip()
    by = f", {waiver['reviewer']}" if waiver.get("reviewer") else ""
    until = f", until {waiver['expires_on']}" if waiver.get("expires_on") else ""
    return f"row {waiver.get('row')}: {waiver.get('reason')} for {what}{by}{until}"


def _policy_line(doc: dict[str, Any]) -> str:
    text = terminal_safe(policy_description(doc))
    if policy_from_delivery(doc):
        return f"  POLICY FROM THE DELIVERY ITSELF: {text}"
    return f"  policy: {text}"


def _worst_offenders(source: ReportSource) -> list[str]:
    rank = {"violation": 0, "error": 1}
    count = 0

    def offenders() -> Iterator[dict[str, Any]]:
        nonlocal count
        for asset in source.assets:
            if asset["status"] in rank:
                count += 1
                yield {k: asset[k] for k in ("status", "reasons", "path")}

    # nsmallest is sorted(...)[:n]; it keeps only n assets at a time
    worst = heapq.nsmallest(
        WORST_SHOWN,
        offenders(),
        key=lambda a: (rank[a["status"]], -len(a["reasons"]), a["path"]),
    )
    if not worst:
        return []
    lines = ["  worst offenders:"]
    for asset in worst:
        codes = ", ".join(r["code"] for r in asset["reasons"]) or "-"
        lines.append(f"    {asset['status']:<9} {terminal_safe(asset['path'])}  [{codes}]")
    if count > WORST_SHOWN:
        lines.append(f"    … and {count - WORST_SHOWN} more")
    return lines
