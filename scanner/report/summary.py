"""The summary a scan prints on stderr: counts, what must be fixed (the first 20 assets, each
with its reasons), and last the PASS / FAIL / INCOMPLETE line with the exit code."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from typing import Any

from scanner.common.safetext import terminal_safe
from scanner.model import UNREADABLE_FOLDER
from scanner.policy.gate import PROBLEM_STATUSES
from scanner.report.document import ReportSource, policy_description, policy_from_delivery
from scanner.report.verdict import by_status, is_problem_status, problem_reasons, verdict_of

FIX_SHOWN = 20
_STATUS_WIDTH = 10


def render_summary(source: ReportSource, *, strict: bool = False, notes: Sequence[str] = ()) -> str:
    """The summary text: counts from the header, the assets to fix from one pass, `notes`
    (our own words), and last the verdict line."""
    doc = source.header
    summary = doc["summary"]
    counts = by_status(doc)
    lines = [
        f"provscan {doc['tool']['version']} (rules {doc['tool']['catalog_version']}): "
        f"{summary['assets']} assets, {summary['skipped']} skipped, "
        f"in {terminal_safe(doc['delivery'])}",
        _policy_line(doc),
        *_trust_lines(doc),
        "  " + "  ".join(f"{terminal_safe(s)}: {n}" for s, n in counts.items()),
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
    lines.extend(_must_fix(source))
    unlisted = [s for s in doc.get("skipped", []) if s["reason"].startswith(UNREADABLE_FOLDER)]
    for skip in unlisted:
        lines.append(f"  NOT SCANNED  {terminal_safe(skip['path'])}: {skip['reason']}")
    if doc.get("unused_approvals"):
        lines.append("  unused approvals: " + terminal_safe(", ".join(doc["unused_approvals"])))
    lines.extend(_cut_lines(doc))
    lines.extend(register_warning_lines(doc))
    lines.extend(waiver_lines(doc))
    lines.extend(notes)
    verdict = verdict_of(doc, strict=strict)
    lines.append(f"{verdict.word}: {verdict.sentence} (exit {verdict.code})")
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


def register_warning_lines(doc: dict[str, Any]) -> list[str]:
    """Register paths that start with the delivery's own name, each; those matching nothing,
    counted with the first few (a production's register mostly covers other deliveries)."""
    warnings = doc.get("register_warnings") or []
    lines = [
        f"  REGISTER PATH: {terminal_safe(w['message'])}"
        for w in warnings
        if w.get("kind") == "delivery-name"
    ][:FIX_SHOWN]
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
        for waiver in waivers[:FIX_SHOWN]:
            lines.append(f"    {label} waiver: {terminal_safe(describe_waiver(waiver))}")
        if len(waivers) > FIX_SHOWN:
            lines.append(f"    … and {len(waivers) - FIX_SHOWN} more {label}")
    return lines


def describe_waiver(waiver: dict[str, Any]) -> str:
    """One waiver in a line: its row, what it waives, for which file, by whom, until when."""
    what = waiver.get("path") or ""
    if waiver.get("sha256"):
        what = f"{what} sha256 {waiver['sha256'][:12]}…".strip()
    by = f", {waiver['reviewer']}" if waiver.get("reviewer") else ""
    until = f", until {waiver['expires_on']}" if waiver.get("expires_on") else ""
    return f"row {waiver.get('row')}: {waiver.get('reason')} for {what}{by}{until}"


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


def _rank(status: str) -> int:
    # a status this version does not know sorts with the errors: it cannot be judged here
    return PROBLEM_STATUSES.index(status) if status in PROBLEM_STATUSES else 1


def _must_fix(source: ReportSource) -> list[str]:
    """Every asset a person must act on, violations first, then errors, then reviews, in
    path order within each; the first FIX_SHOWN with their reasons."""
    count = 0

    def problems() -> Iterator[tuple[int, int, dict[str, Any]]]:
        nonlocal count
        for index, asset in enumerate(source.assets):
            status = str(asset.get("status", ""))
            if is_problem_status(status):
                count += 1
                kept = {k: asset.get(k) for k in ("status", "path", "approval")}
                kept["reasons"] = problem_reasons(asset)
                yield _rank(status), index, kept

    # nsmallest is sorted(...)[:n]; it keeps only n assets at a time
    first = heapq.nsmallest(FIX_SHOWN, problems(), key=lambda item: item[:2])
    if not first:
        return []
    shown = f"; the first {FIX_SHOWN}" if count > FIX_SHOWN else ""
    lines = [f"  what must be fixed ({count}{shown}):"]
    indent = " " * (4 + _STATUS_WIDTH + 1)
    for *_order, asset in first:
        approval = asset["approval"]
        approval = f"  (approval {terminal_safe(approval)})" if approval else ""
        status = terminal_safe(str(asset["status"]))
        lines.append(f"    {status:<{_STATUS_WIDTH}} {terminal_safe(asset['path'])}{approval}")
        for reason in asset["reasons"]:
            code, detail = terminal_safe(reason.get("code", "")), reason.get("detail")
            lines.append(f"{indent}{code}: {terminal_safe(detail)}" if detail else indent + code)
    if count > FIX_SHOWN:
        lines.append(
            f"    … and {count - FIX_SHOWN} more: the HTML report lists every one "
            "(--format html -o DIR)"
        )
    return lines
