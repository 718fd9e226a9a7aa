"""What changed between two scans of a delivery: a pure function of two provscan/1 documents.

Assets are matched by path. An asset whose path is gone while an added one has the same
content (sha256) was moved. For the rest: added, removed, content changed (same path, other
sha256), status changed, and **new violations**: assets that are violations in the new scan
and were not in the old one, or are now violations for a reason they did not have (the gate
of `provscan diff`). Reason codes and statuses are read from the documents, so a status or a
reason added by a later provscan is compared like any other.

Only what a diff needs is read from each asset (path, status, sha256, reasons, approval), and
a document from another provscan/1 writer may carry keys this version does not know: they are
ignored, not refused. A document that is not provscan/1, or whose assets lack a path or a
status, is a ReportInputError.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.errors import ReportInputError
from scanner.policy.reasons import REASONS
from scanner.report.document import SCHEMA
from scanner.report.verdict import verdict_of

DIFF_SCHEMA = "provscan-diff/1"
VIOLATION = "violation"
# The header values compared between the two scans; a difference is noted, since it (and not
# the delivery) may be what changed the findings.
_COMPARED = (
    ("delivery", "the delivery folder"),
    ("as_of", "the policy date (--as-of)"),
    ("register", "the approvals register"),
    ("policy", "the delivery policy"),
    ("policy_origin", "where the policy came from"),
)
_TOOL_COMPARED = (
    ("version", "provscan's version"),
    ("catalog_version", "the rule catalog"),
    ("c2pa_version", "the C2PA SDK"),
)


@dataclass(frozen=True)
class Reason:
    code: str
    detail: str = ""


@dataclass(frozen=True)
class AssetState:
    """What a diff keeps of one asset of one scan."""

    path: str
    status: str
    sha256: str = ""
    reasons: tuple[Reason, ...] = ()
    approval: str = ""


@dataclass(frozen=True)
class Change:
    """One asset in both scans (for a moved asset, at two paths); `old` is None for an asset
    that is new in the delivery (a new violation can be one)."""

    old: AssetState | None
    new: AssetState

    @property
    def path(self) -> str:
        return self.new.path


@dataclass(frozen=True)
class ScanInfo:
    """One scan, as the diff names it."""

    delivery: str
    scanned_at: str
    as_of: str
    register: str
    policy: str
    policy_origin: str
    tool: tuple[tuple[str, str], ...]
    assets: int
    verdict: str  # PASS, FAIL or INCOMPLETE
    exit_code: int


@dataclass(frozen=True)
class Skip:
    path: str
    reason: str


@dataclass(frozen=True)
class ScanDiff:
    old: ScanInfo
    new: ScanInfo
    notes: tuple[str, ...]  # what differs besides the delivery's files (register, date, ...)
    new_violations: tuple[Change, ...]
    added: tuple[AssetState, ...]
    removed: tuple[AssetState, ...]
    moved: tuple[Change, ...]
    content_changed: tuple[Change, ...]
    status_changed: tuple[Change, ...]
    skipped_added: tuple[Skip, ...]
    skipped_removed: tuple[Skip, ...]

    @property
    def exit_code(self) -> int:
        """1 when new violations appeared, 0 otherwise."""
        return 1 if self.new_violations else 0

    def counts(self) -> dict[str, int]:
        return {
            "new_violations": len(self.new_violations),
            "added": len(self.added),
            "removed": len(self.removed),
            "moved": len(self.moved),
            "content_changed": len(self.content_changed),
            "status_changed": len(self.status_changed),
            "skipped_added": len(self.skipped_added),
            "skipped_removed": len(self.skipped_removed),
        }


def diff_documents(old: Any, new: Any) -> ScanDiff:
    """The differences from the `old` scan to the `new` one (both provscan/1 documents)."""
    old_assets, new_assets = _assets(old, "old"), _assets(new, "new")
    added = [a for path, a in new_assets.items() if path not in old_assets]
    removed = [a for path, a in old_assets.items() if path not in new_assets]
    moved, added, removed = _moves(added, removed)
    was: dict[str, AssetState | None] = {a.path: old_assets.get(a.path) for a in added}
    was.update({change.new.path: change.old for change in moved})
    content_changed, status_changed = [], []
    for path, now in new_assets.items():
        before = old_assets.get(path)
        if before is None:
            continue
        was[path] = before
        if before.sha256 and now.sha256 and before.sha256 != now.sha256:
            content_changed.append(Change(before, now))
        if before.status != now.status:
            status_changed.append(Change(before, now))
    new_violations = [
        Change(was.get(path), now)
        for path, now in new_assets.items()
        if _is_new_violation(was.get(path), now)
    ]
    status_changed.extend(c for c in moved if c.old is not None and c.old.status != c.new.status)
    status_changed.sort(key=lambda c: c.path)
    old_skips, new_skips = _skips(old), _skips(new)
    return ScanDiff(
        old=_info(old),
        new=_info(new),
        notes=tuple(_notes(old, new)),
        new_violations=tuple(new_violations),
        added=tuple(added),
        removed=tuple(removed),
        moved=tuple(moved),
        content_changed=tuple(content_changed),
        status_changed=tuple(status_changed),
        skipped_added=tuple(s for s in new_skips if s not in old_skips),
        skipped_removed=tuple(s for s in old_skips if s not in new_skips),
    )


def _violation_codes(state: AssetState) -> set[str]:
    """The asset's reasons that make it a violation: those whose status is violation, and
    those this version does not know (a later provscan's reason counts until known)."""
    return {r.code for r in state.reasons if REASONS.get(r.code, (VIOLATION,))[0] == VIOLATION}


def _is_new_violation(before: AssetState | None, now: AssetState) -> bool:
    if now.status != VIOLATION:
        return False
    if before is None or before.status != VIOLATION:
        return True
    return not _violation_codes(now) <= _violation_codes(before)


def _moves(
    added: list[AssetState], removed: list[AssetState]
) -> tuple[list[Change], list[AssetState], list[AssetState]]:
    """Pairs (removed, added) with the same content: one file moved or renamed. Each removed
    asset pairs with at most one added asset, in path order."""
    by_hash: dict[str, list[AssetState]] = {}
    for state in removed:
        if state.sha256:
            by_hash.setdefault(state.sha256, []).append(state)
    moved: list[Change] = []
    still_added: list[AssetState] = []
    for state in added:
        sources = by_hash.get(state.sha256) if state.sha256 else None
        if sources:
            moved.append(Change(sources.pop(0), state))
        else:
            still_added.append(state)
    gone = {id(change.old) for change in moved}
    return moved, still_added, [s for s in removed if id(s) not in gone]


def _document(doc: Any, which: str) -> Mapping[str, Any]:
    if not isinstance(doc, dict):
        raise ReportInputError(f"{which} scan: not a provscan scan (a JSON object expected)")
    if doc.get("schema") != SCHEMA:
        raise ReportInputError(
            f"{which} scan: not a provscan scan (schema {SCHEMA!r} expected, "
            f"found {doc.get('schema')!r})"
        )
    return doc


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _assets(doc: Any, which: str) -> dict[str, AssetState]:
    """The document's assets by path, in document order."""
    assets = _document(doc, which).get("assets")
    if not isinstance(assets, list):
        raise ReportInputError(f"{which} scan: malformed: 'assets' is not a list")
    states: dict[str, AssetState] = {}
    for number, asset in enumerate(assets, 1):
        if not isinstance(asset, dict):
            raise ReportInputError(f"{which} scan: malformed: asset {number} is not an object")
        path, status = asset.get("path"), asset.get("status")
        if not isinstance(path, str) or not isinstance(status, str):
            raise ReportInputError(f"{which} scan: malformed: asset {number} has no path or status")
        if path in states:
            raise ReportInputError(f"{which} scan: malformed: two assets at {path!r}")
        states[path] = AssetState(
            path=path,
            status=status,
            sha256=_text(asset.get("sha256")),
            reasons=tuple(_reasons(asset.get("reasons"))),
            approval=_text(asset.get("approval")),
        )
    return states


def _reasons(reasons: Any) -> Iterable[Reason]:
    for reason in reasons if isinstance(reasons, list) else ():
        if isinstance(reason, dict) and isinstance(reason.get("code"), str):
            yield Reason(reason["code"], _text(reason.get("detail")))


def _skips(doc: Mapping[str, Any]) -> list[Skip]:
    skipped = doc.get("skipped")
    return [
        Skip(item["path"], _text(item.get("reason")))
        for item in (skipped if isinstance(skipped, list) else ())
        if isinstance(item, dict) and isinstance(item.get("path"), str)
    ]


def _tool(doc: Mapping[str, Any]) -> dict[str, str]:
    tool = doc.get("tool")
    return {k: _text(v) for k, v in tool.items()} if isinstance(tool, dict) else {}


def _info(doc: Mapping[str, Any]) -> ScanInfo:
    header = {k: v for k, v in doc.items() if k != "assets"}
    verdict = verdict_of(header)
    summary = doc.get("summary")
    assets = summary.get("assets") if isinstance(summary, dict) else None
    return ScanInfo(
        delivery=_text(doc.get("delivery")),
        scanned_at=_text(doc.get("scanned_at")),
        as_of=_text(doc.get("as_of")),
        register=_text(doc.get("register")),
        policy=_text(doc.get("policy")),
        policy_origin=_text(doc.get("policy_origin")),
        tool=tuple(_tool(doc).items()),
        assets=assets if isinstance(assets, int) else len(doc.get("assets") or []),
        verdict=verdict.word,
        exit_code=verdict.code,
    )


def _notes(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterable[str]:
    for key, what in _COMPARED:
        before, now = _text(old.get(key)), _text(new.get(key))
        if before != now:
            yield f"{what} differs: {before or '(none)'} -> {now or '(none)'}"
    old_tool, new_tool = _tool(old), _tool(new)
    for key, what in _TOOL_COMPARED:
        before, now = old_tool.get(key, ""), new_tool.get(key, "")
        if before != now:
            yield f"{what} differs: {before or '(none)'} -> {now or '(none)'}"
