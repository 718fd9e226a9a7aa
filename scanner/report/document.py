"""The machine report (contract `provscan/1`): ScanResult <-> JSON document.

Every other format renders from the document, so `provscan report SCAN.json` gives exactly what
a live scan gives. Per asset the analysis and the finding are flattened into one object.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from scanner.errors import ReportInputError
from scanner.model import (
    AI_VALUES,
    CREDENTIAL_VALUES,
    STATUSES,
    AssetAnalysis,
    AssetResult,
    Finding,
    ScanResult,
    Skipped,
    ToolInfo,
)
from scanner.serialize import from_plain, to_plain

SCHEMA = "provscan/1"

_FINDING_KEYS = ("status", "reasons", "approval", "matches", "area", "archival")


def summarise(result: ScanResult) -> dict[str, Any]:
    """Counts per status, AI assessment and credentials; zero entries kept for stable shape."""
    status = Counter(a.finding.status for a in result.assets)
    ai = Counter(a.analysis.assessment.ai for a in result.assets)
    creds = Counter(a.analysis.assessment.credentials for a in result.assets)
    reasons = Counter(r.code for a in result.assets for r in a.finding.reasons)
    return {
        "assets": len(result.assets),
        "skipped": len(result.skipped),
        "by_status": {s: status.get(s, 0) for s in STATUSES},
        "by_ai": {v: ai.get(v, 0) for v in AI_VALUES},
        "by_credentials": {v: creds.get(v, 0) for v in CREDENTIAL_VALUES},
        "by_reason": dict(sorted(reasons.items())),
        "unused_approvals": len(result.unused_approvals),
    }


def asset_to_plain(asset: AssetResult) -> dict[str, Any]:
    a = asset.analysis
    plain: dict[str, Any] = {
        "path": a.path,
        "size": a.size,
        "sha256": a.sha256,
        "media_type": a.media_type,
        "format": a.format,
        "kind": a.kind,
        "ai": a.assessment.ai,
        "credentials": a.assessment.credentials,
        "generators": list(a.assessment.generators),
        "signals": to_plain(a.assessment.signals),
    }
    finding = to_plain(asset.finding)
    plain.update({k: finding[k] for k in _FINDING_KEYS})
    plain["approval"] = plain["approval"] or None
    plain.update(
        {
            "evidence": to_plain(a.evidence),
            "c2pa": to_plain(a.c2pa),
            "fingerprints": to_plain(a.fingerprints),
            "problems": to_plain(a.problems),
            "notes": list(a.notes),
            "thumbnail": a.thumbnail,
        }
    )
    return plain


def to_document(result: ScanResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "delivery": result.delivery,
        "scanned_at": result.scanned_at,
        "as_of": result.as_of,
        "tool": to_plain(result.tool),
        "register": result.register or None,
        "policy": result.policy or None,
        "summary": summarise(result),
        "assets": [asset_to_plain(a) for a in result.assets],
        "skipped": to_plain(result.skipped),
        "unused_approvals": list(result.unused_approvals),
    }


def asset_from_plain(plain: dict[str, Any]) -> AssetResult:
    finding = {k: plain.get(k) for k in _FINDING_KEYS if k in plain}
    finding["approval"] = finding.get("approval") or ""
    analysis = dict(plain)
    analysis["assessment"] = {
        "ai": plain.get("ai", "none"),
        "credentials": plain.get("credentials", "absent"),
        "generators": plain.get("generators", []),
        "signals": plain.get("signals", []),
    }
    return AssetResult(
        analysis=from_plain(AssetAnalysis, analysis), finding=from_plain(Finding, finding)
    )


def from_document(doc: Any) -> ScanResult:
    """A stored JSON scan back to a ScanResult; ReportInputError when it is not one."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise ReportInputError(f"not a provscan scan (schema {SCHEMA!r} expected, found {found!r})")
    try:
        return ScanResult(
            delivery=doc["delivery"],
            scanned_at=doc["scanned_at"],
            as_of=doc.get("as_of", ""),
            tool=from_plain(ToolInfo, doc["tool"]),
            register=doc.get("register") or "",
            policy=doc.get("policy") or "",
            assets=tuple(asset_from_plain(a) for a in doc["assets"]),
            skipped=tuple(from_plain(Skipped, s) for s in doc.get("skipped", [])),
            unused_approvals=tuple(doc.get("unused_approvals", [])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportInputError(f"malformed provscan scan: {exc}") from exc
