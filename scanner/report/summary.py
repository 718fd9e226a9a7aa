"""The short summary a scan prints on stderr: counts per status and the worst offenders."""

from __future__ import annotations

from typing import Any

from scanner.model import STATUSES, UNREADABLE_FOLDER

WORST_SHOWN = 10
# C0 controls, DEL and C1 controls: in a file name they could move the cursor, clear lines or
# retitle the reviewer's terminal (ESC sequences, CR), so they are shown as \xNN.
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}


def terminal_safe(text: str) -> str:
    """Untrusted text (paths, ids) made safe for a terminal."""
    return text.translate(_CONTROLS)


def render_summary(doc: dict[str, Any]) -> str:
    summary = doc["summary"]
    lines = [
        f"provscan {doc['tool']['version']} (rules {doc['tool']['catalog_version']}): "
        f"{summary['assets']} assets, {summary['skipped']} skipped, "
        f"in {terminal_safe(doc['delivery'])}",
        "  " + "  ".join(f"{s}: {summary['by_status'][s]}" for s in STATUSES),
        "  AI: "
        + "  ".join(f"{k}: {v}" for k, v in summary["by_ai"].items()).replace(
            "none:", "no AI signal found:"
        ),
    ]
    rank = {"violation": 0, "error": 1}
    worst = sorted(
        (a for a in doc["assets"] if a["status"] in rank),
        key=lambda a: (rank[a["status"]], -len(a["reasons"]), a["path"]),
    )
    if worst:
        lines.append("  worst offenders:")
        for asset in worst[:WORST_SHOWN]:
            codes = ", ".join(r["code"] for r in asset["reasons"]) or "-"
            lines.append(f"    {asset['status']:<9} {terminal_safe(asset['path'])}  [{codes}]")
        if len(worst) > WORST_SHOWN:
            lines.append(f"    … and {len(worst) - WORST_SHOWN} more")
    unlisted = [s for s in doc.get("skipped", []) if s["reason"].startswith(UNREADABLE_FOLDER)]
    for skip in unlisted:
        lines.append(f"  NOT SCANNED  {terminal_safe(skip['path'])}: {skip['reason']}")
    if doc.get("unused_approvals"):
        lines.append("  unused approvals: " + terminal_safe(", ".join(doc["unused_approvals"])))
    return "\n".join(lines) + "\n"
