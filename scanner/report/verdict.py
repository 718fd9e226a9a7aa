"""The scan's verdict in words, from a provscan/1 document: PASS, FAIL or INCOMPLETE, and why.

Every report says it the same way (terminal summary, HTML, diff), and it is the gate's own
rule (`scanner.policy.gate.gate_code`) applied to the document's counts, so the words cannot
disagree with the exit code. Statuses and reason codes are read from the document: a status or
reason this version does not know is shown, and counted as a problem (fail closed), never
dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.model import STATUSES
from scanner.policy.gate import PROBLEM_STATUSES, VERDICT_WORDS, gate_code, unread_skips
from scanner.policy.reasons import REASONS


@dataclass(frozen=True)
class Verdict:
    code: int  # the gate's exit code: 0, 1 or 3
    word: str  # PASS, FAIL or INCOMPLETE
    sentence: str  # why, e.g. "2 violations, 1 asset could not be read, 3 to review"
    problems: int  # assets a person must act on (violation, error, review)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _summary(header: Mapping[str, Any]) -> Mapping[str, Any]:
    summary = header.get("summary")
    return summary if isinstance(summary, dict) else {}


def by_status(header: Mapping[str, Any]) -> dict[str, int]:
    """The document's status counts, in its order (statuses added later included)."""
    counts = _summary(header).get("by_status")
    if not isinstance(counts, dict):
        return {}
    return {str(k): v for k, v in counts.items() if type(v) is int and v >= 0}


def is_problem_status(status: str) -> bool:
    """A status a person must act on: violation, error, review, or a status this version
    does not know (from a newer provscan: it cannot be judged here, so it is not passed)."""
    return status in PROBLEM_STATUSES or status not in STATUSES


def is_problem_reason(code: str) -> bool:
    """A reason that is a problem: one whose status is violation, error or review, or one
    this version does not know. `approved`, `no-ai-signal`, `temporary-material` and
    `archival-verified` are not."""
    entry = REASONS.get(code)
    return entry is None or entry[0] in PROBLEM_STATUSES


def problem_reasons(asset: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The asset's reasons worth a reviewer's line: the problems among them, or all of them
    when none is (a status this version does not know the reasons of)."""
    reasons = [r for r in asset.get("reasons") or [] if isinstance(r, dict)]
    problems = [r for r in reasons if is_problem_reason(str(r.get("code", "")))]
    return problems or reasons


def unread_paths(header: Mapping[str, Any]) -> dict[str, int]:
    """Skipped paths whose content was not read, by kind (`scanner.policy.gate.UNREAD_SKIPS`):
    files a checksum manifest lists but the delivery lacks from the summary's count."""
    skipped = header.get("skipped")
    reasons = [
        str(item.get("reason", ""))
        for item in (skipped if isinstance(skipped, list) else ())
        if isinstance(item, dict)
    ]
    counts = unread_skips(reasons)
    missing = _summary(header).get("missing_from_delivery", 0)
    counts["missing"] = max(counts["missing"], missing if type(missing) is int else 0)
    return counts


def verdict_of(header: Mapping[str, Any], *, strict: bool = False) -> Verdict:
    """The verdict of a document (its header is enough: the counts are in the summary)."""
    counts = by_status(header)
    assets = _summary(header).get("assets", 0)
    assets = assets if type(assets) is int else 0
    unread = unread_paths(header)
    folders, missing, links = unread["folders"], unread["missing"], unread["links"]
    unknown = sum(n for s, n in counts.items() if s not in STATUSES)
    cut = cut_statuses_of(header)
    code = gate_code(
        {**counts, "error": counts.get("error", 0) + unknown},
        assets=assets,
        unread=folders + missing + links,  # as `scanner.scan.gate` counts them
        strict=strict,
        extra=cut,
    )
    parts = []
    if counts.get("violation"):
        parts.append(_plural(counts["violation"], "violation", "violations"))
    if counts.get("error"):
        parts.append(_plural(counts["error"], "asset", "assets") + " could not be fully read")
    if unknown:
        parts.append(_plural(unknown, "asset", "assets") + " with a status this provscan "
                     "does not know")  # fmt: skip
    if folders:
        parts.append(_plural(folders, "folder", "folders") + " could not be listed")
    if links:
        parts.append(_plural(links, "symlink", "symlinks") + " not followed (not read)")
    if missing:
        parts.append(
            _plural(missing, "file", "files")
            + " the checksum manifests list missing from the delivery"
        )
    if counts.get("review"):
        review = _plural(counts["review"], "asset needs", "assets need") + " a person's review"
        parts.append(review + (" (--strict: fails)" if strict else ""))
    if "error" in cut:
        parts.append("a timeline or composition could not be wholly read")
    if "review" in cut:
        parts.append("the cut needs a person's review (media missing, or a package not as packed)")
    if assets == 0:
        parts.insert(0, "no media found: nothing was scanned")
    sentence = "; ".join(parts) if parts else "no violation, error or review"
    problems = sum(n for s, n in counts.items() if is_problem_status(s)) + unknown
    return Verdict(code, VERDICT_WORDS[code], sentence, problems)


def cut_statuses_of(header: Mapping[str, Any]) -> set[str]:
    """`policy.gate.cut_statuses` over a document's plain `timelines` and `packages`, so the
    verdict a report shows is the exit code the scan gave."""
    statuses: set[str] = set()
    for timeline in _dicts(header.get("timelines")):
        if timeline.get("problems"):
            statuses.add("error")
        events = _dicts(timeline.get("events"))
        if any("missing-media" in _strings(e.get("reasons")) for e in events):
            statuses.add("review")
    for package in _dicts(header.get("packages")):
        files = _dicts(package.get("files"))
        if package.get("problems") or any(f.get("check") in ("mismatch", "missing") for f in files):
            statuses.add("review")
    return statuses


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
