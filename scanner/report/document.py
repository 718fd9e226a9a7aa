"""The machine report (contract `provscan/1`): ScanResult <-> JSON document.

Every other format renders from the document, so `provscan report SCAN.json` gives exactly what
a live scan gives. Per asset the analysis and the finding are flattened into one object.

The writers take the document in two parts (`ReportSource`): the header (every key but
"assets") and the assets, converted one at a time on each pass, so a live scan's results are
never all in memory at once, neither as results nor as plain dicts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from scanner.common.serialize import from_plain, to_plain
from scanner.errors import ReportInputError
from scanner.model import (
    AI_VALUES,
    CREDENTIAL_VALUES,
    STATUSES,
    AssetAnalysis,
    AssetResult,
    Finding,
    RegisterWarning,
    ScanResult,
    Skipped,
    ToolInfo,
    TrustListInfo,
    Waiver,
)
from scanner.model_delivery import ChecksumManifest
from scanner.model_timeline import PackageReport, TimelineReport
from scanner.report.spool import tally

SCHEMA = "provscan/1"

# How a policy was chosen ("policy_origin"), in words; the key is scanner.policy.load.ORIGINS.
POLICY_ORIGIN_LABELS = {
    "option": "given with --policy",
    "user-config": "the user's config",
    "site-config": "the site's config",
    "delivery": "the delivery's own file, honoured with --policy-from-delivery: the vendor set "
    "which areas are final",
    "default": "built-in: everything is final",
}

_FINDING_KEYS = ("status", "reasons", "approval", "matches", "area", "archival", "cut", "waivers")
# In a document, "assets" comes right after this key (then "skipped", "unused_approvals").
ASSETS_AFTER = "summary"


def policy_from_delivery(header: dict[str, Any]) -> bool:
    """True when the delivery's own policy file set the areas (`--policy-from-delivery`)."""
    return header.get("policy_origin") == "delivery"


def policy_parts(header: dict[str, Any]) -> tuple[str, str]:
    """(the policy file's path, "" for none; how it was chosen, in words). The path is
    untrusted text: escape it for where it goes."""
    path = str(header.get("policy") or "")
    origin = header.get("policy_origin")
    if origin in POLICY_ORIGIN_LABELS:
        return path, POLICY_ORIGIN_LABELS[origin]
    # a scan stored before provscan recorded the origin
    return path, "origin not recorded" if path else POLICY_ORIGIN_LABELS["default"]


def policy_description(header: dict[str, Any]) -> str:
    """Which policy the scan used and how it was chosen, in one line."""
    path, label = policy_parts(header)
    return f"{path} ({label})" if path else label


def summarise(result: ScanResult) -> dict[str, Any]:
    """Counts per status, AI assessment and credentials; zero entries kept for stable shape."""
    counts = tally(result.assets)  # a live scan's running tally: no pass over the assets
    return {
        "assets": counts.assets,
        "skipped": len(result.skipped),
        "by_status": {s: counts.by_status.get(s, 0) for s in STATUSES},
        "by_ai": {v: counts.by_ai.get(v, 0) for v in AI_VALUES},
        "by_credentials": {v: counts.by_credentials.get(v, 0) for v in CREDENTIAL_VALUES},
        "by_reason": dict(sorted(counts.by_reason.items())),
        "unused_approvals": len(result.unused_approvals),
        "register_warnings": len(result.register_warnings),
        "unused_waivers": len(result.unused_waivers),
        "expired_waivers": len(result.expired_waivers),
        "not_inspected": counts.by_reason.get("not-inspected", 0),
        "missing_from_delivery": sum(m.missing for m in result.manifests),
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
            "sequence": to_plain(a.sequence),
            "checksums": to_plain(a.checksums),
        }
    )
    return plain


@dataclass(frozen=True)
class ReportSource:
    """A provscan/1 document in two parts, what every writer takes.

    `header`: every key but "assets", in document order. `assets`: the asset objects in order,
    re-iterable (each pass reads them again; a writer may make several passes).
    """

    header: dict[str, Any]
    assets: Iterable[dict[str, Any]]

    def items(self) -> Iterator[tuple[str, Any]]:
        """The document's keys and values in order, "assets" (the iterable) in its place."""
        placed = False
        for key, value in self.header.items():
            yield key, value
            if key == ASSETS_AFTER:
                yield "assets", self.assets
                placed = True
        if not placed:
            yield "assets", self.assets


class PlainAssets:
    """A result's assets as plain objects, converted one at a time on each pass."""

    def __init__(self, assets: Iterable[AssetResult]) -> None:
        self._assets = assets

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(asset_to_plain, self._assets)


def report_source(result: ScanResult) -> ReportSource:
    header = {
        "schema": SCHEMA,
        "delivery": result.delivery,
        "scanned_at": result.scanned_at,
        "as_of": result.as_of,
        "tool": to_plain(result.tool),
        "register": result.register or None,
        "policy": result.policy or None,
        "policy_origin": result.policy_origin or None,
        "trust_lists": to_plain(result.trust_lists),
        "waivers": result.waivers or None,
        "summary": summarise(result),
        "skipped": to_plain(result.skipped),
        "unused_approvals": list(result.unused_approvals),
        "register_warnings": to_plain(result.register_warnings),
        "unused_waivers": to_plain(result.unused_waivers),
        "expired_waivers": to_plain(result.expired_waivers),
        "timelines": to_plain(result.timelines),
        "packages": to_plain(result.packages),
        "checksum_manifests": to_plain(result.manifests),
    }
    return ReportSource(header, PlainAssets(result.assets))


def source_of_document(doc: dict[str, Any]) -> ReportSource:
    """A whole document (e.g. a stored scan) split for the writers.

    The writers put "assets" right after "summary", as `to_document` does.
    """
    assets = doc.get("assets") or []
    return ReportSource(
        {k: v for k, v in doc.items() if k != "assets"},
        assets if isinstance(assets, list) else list(assets),
    )


def to_document(result: ScanResult) -> dict[str, Any]:
    """The whole document in memory (tests, small scans; the writers stream instead)."""
    return {
        key: list(value) if key == "assets" else value
        for key, value in report_source(result).items()
    }


_ASSESSMENT_KEYS = ("ai", "credentials", "generators", "signals")
# `digests` are the analysis' own (for the checksum check); the document does not carry them
_ANALYSIS_KEYS = frozenset(f.name for f in dataclasses.fields(AssetAnalysis)) - {
    "assessment",
    "digests",
}


def asset_from_plain(plain: dict[str, Any]) -> AssetResult:
    """One asset object of a document back to an AssetResult; ValueError when it does not fit.
    Every key must be one the document writes (`asset_to_plain`)."""
    if not isinstance(plain, dict):
        raise ValueError(f"expected an asset object, got {type(plain).__name__}")
    unknown = plain.keys() - _ANALYSIS_KEYS - set(_FINDING_KEYS) - set(_ASSESSMENT_KEYS)
    if unknown:
        raise ValueError(f"unknown asset keys: {sorted(map(str, unknown))[:5]}")
    finding = {k: plain[k] for k in _FINDING_KEYS if k in plain}
    finding["approval"] = finding.get("approval") or ""
    analysis = {k: plain[k] for k in _ANALYSIS_KEYS if k in plain}
    analysis["assessment"] = {k: plain[k] for k in _ASSESSMENT_KEYS if k in plain}
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
            policy_origin=doc.get("policy_origin") or "",
            trust_lists=tuple(from_plain(TrustListInfo, t) for t in doc.get("trust_lists") or []),
            assets=tuple(asset_from_plain(a) for a in doc["assets"]),
            skipped=tuple(from_plain(Skipped, s) for s in doc.get("skipped", [])),
            unused_approvals=tuple(doc.get("unused_approvals", [])),
            timelines=tuple(from_plain(TimelineReport, t) for t in doc.get("timelines", [])),
            packages=tuple(from_plain(PackageReport, p) for p in doc.get("packages", [])),
            register_warnings=tuple(
                from_plain(RegisterWarning, w) for w in doc.get("register_warnings", [])
            ),
            waivers=doc.get("waivers") or "",
            unused_waivers=tuple(from_plain(Waiver, w) for w in doc.get("unused_waivers", [])),
            expired_waivers=tuple(from_plain(Waiver, w) for w in doc.get("expired_waivers", [])),
            manifests=tuple(
                from_plain(ChecksumManifest, m) for m in doc.get("checksum_manifests", [])
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportInputError(f"malformed provscan scan: {exc}") from exc
