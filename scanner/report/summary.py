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
        "  " + "  ".join(f"{s}: {summary['by_status'][s]}" for s in STATUSES),
        "  AI: "
        + "  ".join(f"{k}: {v}" for k, v in summary["by_ai"].items()).replace(
            "none:", "no AI signal found:"
        ),
    ]
    not_inspected = summary.get("not_inspected", 0)
    if not_inspected:
        lines.append(
            f"  {not_inspected} asset{'s' if not_inspected != 1 else ''} could not be inspected "
            "(not-inspected: no reader looks into the format, or a reader stopped at a limit; "
            "no AI signal there means nothing was seen)"
        )
    lines.extend(_manifest_lines(doc))
    lines.extend(_worst_offenders(source))
    unlisted = [s for s in doc.get("skipped", []) if s["reason"].startswith(UNREADABLE_FOLDER)]
    for skip in unlisted:
        lines.append(f"  NOT SCANNED  {terminal_safe(skip['path'])}: {skip['reason']}")
    if doc.get("unused_approvals"):
        lines.append("  unused approvals: " + terminal_safe(", ".join(doc["unused_approvals"])))
    return "\n".join(lines) + "\n"


def _manifest_lines(doc: dict[str, Any]) -> list[str]:
    """The delivery's checksum manifests: what they list that is missing, what does not fit."""
    lines = []
    for manifest in doc.get("checksum_manifests") or []:
        path = terminal_safe(str(manifest.get("path", "")))
        line = f"  checksum manifest {path}: {manifest.get('files', 0)} files listed"
        if manifest.get("missing"):
            line += f", MISSING FROM THE DELIVERY: {manifest['missing']}"
        lines.append(line)
        lines += [f"    {terminal_safe(str(p))}" for p in (manifest.get("problems") or [])[:5]]
    return lines


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
