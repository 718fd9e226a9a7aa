"""A waiver file to fill in, drafted from a stored scan: one entry per review or error reason.

The draft names what only the scan knows (each file's sha256 and path, the reason code) and
leaves blank what only a person can say (reviewer, date, why): a blank entry does not load, so
nothing is waived unsaid. Every string from the scan is written as a JSON string (valid YAML,
escaped), and in comments with its control characters shown, never obeyed.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.common.safetext import terminal_safe
from scanner.policy.reasons import ADJUSTABLE, REASONS
from scanner.policy.waiver_file import VERSION

WAIVABLE_STATUSES = ("review", "error")


def waivable_reasons(asset: dict[str, Any]) -> list[dict[str, Any]]:
    """The reasons of a review or error asset that a waiver may pass (without a policy)."""
    if asset.get("status") not in WAIVABLE_STATUSES:
        return []
    out = []
    for reason in asset.get("reasons") or []:
        code = reason.get("code") if isinstance(reason, dict) else None
        if code not in REASONS:
            continue
        statuses = {REASONS[code][0], *ADJUSTABLE.get(code, ())}
        if statuses & set(WAIVABLE_STATUSES):
            out.append(reason)
    return out


def draft_waivers(doc: dict[str, Any]) -> str:
    """The YAML text of a waiver file with one blank entry per waivable reason of the scan."""
    source = terminal_safe(f"{doc.get('delivery', '')}, scanned {doc.get('scanned_at', '')}")
    lines = [
        f"# provscan waivers drafted from the scan of {source}.",
        "# One entry per review or error reason. For each one you decide to waive, fill in",
        "# reviewer, reviewed_on (YYYY-MM-DD) and why; delete the others. An entry left blank",
        "# does not load. Then: provscan waivers check FILE, and scan with --waivers FILE.",
        f"version: {VERSION}",
    ]
    entries: list[str] = []
    for asset in doc.get("assets") or []:
        if not isinstance(asset, dict):
            continue
        for reason in waivable_reasons(asset):
            entries += _entry(asset, reason)
    if not entries:
        return "\n".join([*lines, "waivers: []  # the scan has no review or error finding"]) + "\n"
    return "\n".join([*lines, "waivers:", *entries]) + "\n"


def _entry(asset: dict[str, Any], reason: dict[str, Any]) -> list[str]:
    path, code = str(asset.get("path", "")), str(reason.get("code", ""))
    detail = str(reason.get("detail") or REASONS[code][1])
    shown = detail if len(detail) <= 120 else detail[:119] + "…"
    about = terminal_safe(f"{asset.get('status')}: {path}: {code}: {shown}")
    sha256 = str(asset.get("sha256") or "")
    return [
        f"  # {about}",
        f"  - sha256: {json.dumps(sha256)}",
        f"    path: {json.dumps(path)}",
        f"    reason: {json.dumps(code)}",
        '    reviewer: ""',
        '    reviewed_on: ""',
        '    why: ""',
    ]
