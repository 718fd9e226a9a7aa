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
        *_trust_lines(doc),
        "  " + "  ".join(f"{s}: {summary['by_status'][s]}" for s in STATUSES),
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
    lines.extend(_cut_lines(doc))
    return "\n".join(lines) + "\n"


def _cut_lines(doc: dict[str, Any]) -> list[str]:
    """One line per timeline or composition: events, AI in it, media missing, problems."""
    lines = []
    for timeline in doc.get("timelines") or []:
        events = timeline.get("events") or []
        ai = sum(1 for e in events if e.get("ai") in ("generated", "composite"))
        missing = sum(1 for e in events if "missing-media" in (e.get("reasons") or []))
        problems = len(timeline.get("problems") or [])
        lines.append(
            f"  cut {terminal_safe(str(timeline.get('source', '')))}: {len(events)} events, "
            f"{ai} with AI, {missing} missing media"
            + (f", {problems} PROBLEMS" if problems else "")
        )
    for package in doc.get("packages") or []:
        bad = [f for f in package.get("files") or [] if f.get("check") in ("mismatch", "missing")]
        if bad or package.get("problems"):
            lines.append(
                f"  IMF package {terminal_safe(str(package.get('path') or '.'))}: "
                f"{len(bad)} file(s) not as packed, {len(package.get('problems') or [])} problem(s)"
            )
    return lines


def _policy_line(doc: dict[str, Any]) -> str:
    text = terminal_safe(policy_description(doc))
    if policy_from_delivery(doc):
        return f"  POLICY FROM THE DELIVERY ITSELF: {text}"
    return f"  policy: {text}"


def _trust_lines(doc: dict[str, Any]) -> list[str]:
    """Which C2PA trust lists signers were checked against; a warning for a stale one."""
    lists = doc.get("trust_lists") or []
    if not lists:
        return []
    shown = "; ".join(
        f"{t['name']} ({t['anchors']} anchors"
        + (f", issued {t['issued']})" if t["issued"] else ")")
        for t in lists
    )
    lines = [f"  C2PA trust lists: {terminal_safe(shown)}"]
    for t in lists:
        if t.get("stale"):
            lines.append(
                f"  WARNING: C2PA trust list {terminal_safe(t['name'])} was issued {t['issued']}, "
                "over six months ago: signers added since read untrusted (update provscan, or "
                "give a newer list with --trust-list FILE)"
            )
    return lines


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
