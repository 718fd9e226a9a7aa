"""The reason codes a finding can carry (contract: they appear in every report), as data.

Each code decides a status; a finding's status is the worst status among its reasons
(violation > error > review > approved > clean). Reports may use the descriptions as a legend.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from scanner.model import STATUSES

# code -> (status it forces, what it means)
REASONS: dict[str, tuple[str, str]] = {
    "unapproved-ai": ("violation", "AI material that no approval covers"),
    "approval-not-granted": (
        "violation",
        "the matching approval is pending, denied or revoked (or not yet valid on the scan date)",
    ),
    "approval-expired": ("violation", "the matching approval expired before the scan date"),
    "tool-not-approved": ("violation", "made with a tool the matching approval does not cover"),
    "temporary-in-final": (
        "violation",
        "covered only by a temporary-scope approval but placed outside the temporary area",
    ),
    "missing-written-approval": (
        "violation",
        "final or sensitive use without a written approval reference",
    ),
    "ai-in-archival": (
        "violation",
        "AI material in archival/factual footage without an approval allowing archival_use",
    ),
    "ai-in-final-cut": (
        "violation",
        "AI material the final cut plays (a timeline or IMF composition uses it) without a "
        "granted final-scope approval; the detail names the record timecodes",
    ),
    "unreadable": ("error", "the file could not be read (empty, truncated, corrupt, too large)"),
    "not-inspected": (
        "error",
        "provenance not fully read: a reader reached a limit (count, size, depth, decompression "
        "budget) or no reader exists for the format; no AI signal here means nothing was seen "
        "(the policy may make it review)",
    ),
    "credentials-invalid": (
        "review",
        "C2PA integrity broken: the file changed after signing, its claims are unproven",
    ),
    "credentials-remote": (
        "review",
        "C2PA manifest referenced but not embedded; provscan never fetches it",
    ),
    "ai-possible": (
        "review",
        "may hold AI material (composite or screen-capture source type, or a C2PA rubric "
        "'possibly GenAI' signal): a person must look",
    ),
    "signer-untrusted": (
        "review",
        "C2PA manifest intact, but its signer is on none of the trust lists in use (the "
        "official C2PA list, --trust-list, --trust-anchors): who signed it is not vouched for",
    ),
    "signer-invalid": (
        "review",
        "C2PA manifest intact, but the signer's certificate is invalid (e.g. lacks a required "
        "extended key usage), expired without a trusted timestamp, or revoked; the SDK code is "
        "in the detail. What the manifest claims still counts",
    ),
    "sidecar-unbound": (
        "review",
        "a C2PA manifest store (.c2pa sidecar) with no single asset beside it to check it "
        "against: what it claims is shown unverified",
    ),
    "tool-unknown": (
        "review",
        "the matching approval covers named tools, but the asset names no generator",
    ),
    "evidence-truncated": (
        "review",
        "the report holds only part of this asset's evidence (over the per-asset cap); the "
        "decision used all of it",
    ),
    "package-altered": (
        "review",
        "an IMF track file whose size or hash differs from what its packing list (PKL) records: "
        "altered after packaging",
    ),
    "missing-media": (
        "review",
        "a timeline or composition event whose media the delivery lacks (on the timeline's "
        "events, not on an asset)",
    ),
    "checksum-mismatch": (
        "review",
        "the bytes differ from a hash the delivery's own checksum manifest (ASC MHL) lists: the "
        "file changed after the manifest was made (the policy may make it a violation)",
    ),
    "not-in-manifest": (
        "review",
        "the delivery's checksum manifest (ASC MHL) covers the folder but does not list the file: "
        "it was added after the manifest was made",
    ),
    "archival-unverified": ("review", "no original archival scan matches this archival still"),
    "archival-altered": ("review", "near an original archival scan, but altered from it"),
    "approved": ("approved", "AI material covered by a granted, current approval"),
    "temporary-material": (
        "clean",
        "AI material in a temporary area: generated material is meant to stay temporary",
    ),
    "not-in-cut": (
        "clean",
        "AI material no timeline or composition uses, outside every final area (final = "
        '"cut"): it is not delivered',
    ),
    "archival-verified": ("clean", "matches an original archival scan"),
    "no-ai-signal": ("clean", "no AI signal found (not proof that no AI was used)"),
}

_RANK = {status: rank for rank, status in enumerate(STATUSES)}  # 0 = worst


# Reasons whose status the gatekeeper's policy may set, and the statuses it may choose: never
# one that passes as clean.
ADJUSTABLE: dict[str, tuple[str, ...]] = {
    "not-inspected": ("error", "review"),
    "checksum-mismatch": ("review", "violation"),
}

Overrides = Mapping[str, str]  # reason code -> status, from the policy (see ADJUSTABLE)
NO_OVERRIDES: Overrides = MappingProxyType({})


def status_of(code: str, overrides: Overrides = NO_OVERRIDES) -> str:
    return overrides.get(code) or REASONS[code][0]


def rank(code: str, overrides: Overrides = NO_OVERRIDES) -> int:
    """Sort key: reasons of worse statuses first."""
    return _RANK[status_of(code, overrides)]


def worst_status(codes: list[str], overrides: Overrides = NO_OVERRIDES) -> str:
    """The worst status among the codes' statuses; `clean` when there are none."""
    if not codes:
        return "clean"
    return STATUSES[min(rank(c, overrides) for c in codes)]
