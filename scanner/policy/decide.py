"""Assessment + approvals + delivery policy -> Finding. Pure: no I/O, no clock (`as_of` is given).

How an asset is judged (every applicable reason is listed; the worst decides the status,
violation > error > review > approved > clean; codes and their statuses are in
scanner.policy.reasons):

* `ai` generated and composite are treated alike: both are AI material and need approval.
* In a temporary area AI material is `clean` (`temporary-material`): generated material is meant
  to stay temporary. Unless the request for it was denied or revoked: `approval-not-granted`.
* Elsewhere (final or archival) AI material needs a covering approval. The decision uses the
  most specific match (sha256 / C2PA manifest > reference > path > tool) and names it:
  - none: `unapproved-ai`;
  - pending / denied / revoked, or approved_on after the scan date: `approval-not-granted`;
  - expires_on before the scan date (the approval is good through that day): `approval-expired`;
  - the approval lists tools and a generator named by the asset's AI signals is not one of them:
    `tool-not-approved`; the asset names no generator at all: `tool-unknown` (review);
  - scope `temporary`, or (without a granted approval) a fingerprint match with the known-AI
    library, the production's generated/temp material: `temporary-in-final`;
    no written_approval_ref:
    `missing-written-approval` (shipping AI, or any sensitive use, needs one);
  - in the archival area, unless the approval is granted with archival_use: `ai-in-archival`;
  - otherwise `approved`.
* strong or definitive `ai-possible` signals alone (composite or screen-capture source types,
  no AI claim): `review` with `ai-possible`, unless an approval covers the asset: then it is
  judged as AI material. Weak ones decide nothing (they stay in the signals for people).
  In a temporary area they are clean, like AI material.
* C2PA credentials `invalid` -> `credentials-invalid`, `remote` -> `credentials-remote` (review),
  whatever the area: the integrity of what was delivered is always worth a look. Signer
  problems beside intact credentials (`C2paReport.signer_problems`): `signingCredential.untrusted`
  -> `signer-untrusted`, any other (invalid, expired, revoked) -> `signer-invalid` (review), the
  SDK codes in the detail. A manifest store bound to no asset -> `sidecar-unbound` (review)
  instead of `credentials-invalid`: nothing was there to check it against.
* Archival fingerprint outcomes (`archival` argument): unverified / altered -> review.
* The delivery's own checksum manifests (ASC MHL): a listed hash the bytes do not have ->
  `checksum-mismatch`, a file (or frame) in a folder they cover but not listed ->
  `not-in-manifest` (review; the policy may make a mismatch a violation).
* A frame sequence's AI reasons name the frames that carry the AI signals.
* A fatal read problem -> `unreadable` (error); a violation found in what could be read wins.
* An IMF track file whose bytes differ from its packing list -> `package-altered` (review).
* The cut (`final = "cut"`, where the asset plays): `scanner.policy.cut_rules`.
Matches are kept on the finding only for assets with an AI or ai-possible signal, so an
approval whose globs touch nothing but clean files counts as unused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from scanner.approvals.coverage import AI_MEANINGS, ai_generators
from scanner.approvals.fields import SENSITIVE_FIELDS
from scanner.approvals.tools import tools_covered
from scanner.discover.sequences import ranges_text
from scanner.extract.c2pa_codes import UNTRUSTED
from scanner.model import (
    KNOWN_AI_RULE_ID,
    Approval,
    ApprovalMatch,
    ArchivalCheck,
    AssetAnalysis,
    C2paReport,
    Finding,
    Reason,
)
from scanner.model_timeline import CutUse
from scanner.policy.areas import UNUSED
from scanner.policy.cut_rules import cut_reasons
from scanner.policy.reasons import NO_OVERRIDES, Overrides, rank, worst_status

AI_VALUES_NEEDING_APPROVAL = ("generated", "composite")
DECIDING = ("strong", "definitive")  # weak signals are shown to people but decide nothing
MAX_DETAIL_ITEMS = 5
_NOT_IN_CUT = "no timeline or composition plays it and no area pattern makes it final"


def decide(
    analysis: AssetAnalysis,
    *,
    area: str,
    matches: Sequence[ApprovalMatch],
    approvals_by_id: Mapping[str, Approval],
    as_of: date,
    archival: ArchivalCheck | None = None,
    overrides: Overrides = NO_OVERRIDES,
    cut: Sequence[CutUse] = (),
    final_cut: bool = False,
    package_mismatch: str = "",
) -> Finding:
    """The finding for one asset: status, every applicable reason, the approval used.
    `overrides`: the statuses the policy sets for adjustable reasons (`reasons.ADJUSTABLE`);
    `cut`: where the asset plays; `final_cut`: the policy's final = "cut";
    `package_mismatch`: why its bytes differ from its IMF packing list, "" when they do not."""
    assessment = analysis.assessment
    has_ai = assessment.ai in AI_VALUES_NEEDING_APPROVAL
    possible = [
        s for s in assessment.signals if s.meaning == "ai-possible" and s.strength in DECIDING
    ]
    kept = tuple(m for m in matches if m.request_id in approvals_by_id)
    if not (has_ai or possible):
        kept = ()
    used = approvals_by_id[kept[0].request_id] if kept else None

    reasons: list[Reason] = []
    if analysis.unreadable:
        reasons.append(Reason("unreadable", _problems(analysis)))
    if analysis.not_inspected:
        reasons.append(Reason("not-inspected", _problems(analysis, incomplete=True)))
    if analysis.truncated:
        reasons.append(Reason("evidence-truncated", "; ".join(analysis.truncated)))
    if has_ai or (possible and used is not None):
        reasons += _ai_reasons(analysis, area, used, kept[0] if kept else None, as_of)
    elif possible and area not in ("temporary", UNUSED):
        shown = "; ".join(f"{s.field}={s.value}" for s in possible[:MAX_DETAIL_ITEMS])
        reasons.append(
            Reason("ai-possible", f"may hold AI material ({shown}); no approval covers it")
        )
    elif possible and area == UNUSED:
        reasons.append(Reason("not-in-cut", f"may hold AI material; {_NOT_IN_CUT}"))
    elif possible:
        reasons.append(Reason("temporary-material", f"may hold AI material, in the {area} area"))
    reasons += _credential_reasons(analysis)
    reasons += _checksum_reasons(analysis)
    if archival is not None:
        reasons += _archival_reasons(archival)
    if package_mismatch:
        reasons.append(Reason("package-altered", package_mismatch))
    reasons = cut_reasons(
        reasons,
        what=_what(analysis),
        area=area,
        has_ai=has_ai,
        used=used,
        as_of=as_of,
        cut=cut,
        final_cut=final_cut,
    )
    if not (has_ai or possible or analysis.unreadable or analysis.not_inspected):
        hints = sum(1 for s in assessment.signals if s.meaning in AI_MEANINGS)
        detail = f"no deciding AI signal found ({hints} weak hint(s) among the signals)"
        reasons.append(Reason("no-ai-signal", detail if hints else "no AI signal found"))

    reasons.sort(key=lambda r: rank(r.code, overrides))
    return Finding(
        status=worst_status([r.code for r in reasons], overrides),
        reasons=tuple(reasons),
        approval=used.request_id if used else "",
        matches=kept,
        area=area,
        archival=archival,
        cut=tuple(cut),
    )


def _ai_reasons(
    analysis: AssetAnalysis,
    area: str,
    used: Approval | None,
    match: ApprovalMatch | None,
    as_of: date,
) -> list[Reason]:
    what = _what(analysis)
    if area == UNUSED:
        return [Reason("not-in-cut", f"{what}; {_NOT_IN_CUT}")]
    if area == "temporary":
        if used is not None and used.status in ("denied", "revoked"):
            return [Reason("approval-not-granted", f"{used.request_id} is {used.status}: {what}")]
        return [Reason("temporary-material", f"{what}, in the temporary area")]
    if used is None or match is None:
        reasons = [Reason("unapproved-ai", f"{what}; no approval covers it")]
        reasons += _known_temporary_reasons(analysis, area)
        if area == "archival":
            reasons.append(Reason("ai-in-archival", f"{what} in archival footage"))
        return reasons

    rid = used.request_id
    reasons = []
    if used.status != "approved":
        reasons.append(Reason("approval-not-granted", f"{rid} is {used.status}"))
    else:
        if used.approved_on and as_of < used.approved_on:
            reasons.append(
                Reason(
                    "approval-not-granted",
                    f"{rid} is approved from {used.approved_on.isoformat()}, "
                    f"after the scan date {as_of.isoformat()}",
                )
            )
        if used.expires_on and as_of > used.expires_on:
            reasons.append(
                Reason("approval-expired", f"{rid} expired {used.expires_on.isoformat()}")
            )
        reasons += _approval_content_reasons(analysis, area, used)
    if not _granted(used, as_of) and "temporary-in-final" not in (r.code for r in reasons):
        # Not granted: the known-AI match says what the material is, as with no approval.
        reasons += _known_temporary_reasons(analysis, area)
    if area == "archival" and not (used.status == "approved" and used.archival_use):
        reasons.append(
            Reason(
                "ai-in-archival", f"{what} in archival footage; {rid} does not allow archival_use"
            )
        )
    if not reasons:
        by = f" by {used.approved_by}" if used.approved_by else ""
        on = f" on {used.approved_on.isoformat()}" if used.approved_on else ""
        how = f"{match.matched_by} {match.detail}" if match.detail else match.matched_by
        reasons.append(Reason("approved", f"{rid} approved{by}{on}; matched by {how}"))
    return reasons


def _granted(used: Approval, as_of: date) -> bool:
    """Approved, and already in force on the scan date (expiry is its own reason)."""
    return used.status == "approved" and not (used.approved_on and as_of < used.approved_on)


def _known_temporary_reasons(analysis: AssetAnalysis, area: str) -> list[Reason]:
    """The known-AI library is the production's generated and temp material: finding it in a
    final or archival area, with no granted final-scope approval, is temporary-in-final."""
    hits = [s for s in analysis.assessment.signals if s.rule_id == KNOWN_AI_RULE_ID]
    if not hits:
        return []
    shown = "; ".join(f"{s.field.removeprefix('known-ai:')} ({s.value})" for s in hits[:3])
    return [Reason("temporary-in-final", f"matches known generated/temp material: {shown}")]


def _approval_content_reasons(analysis: AssetAnalysis, area: str, used: Approval) -> list[Reason]:
    rid = used.request_id
    reasons: list[Reason] = []
    if used.tools:
        generators = ai_generators(analysis)
        uncovered = [g for g in generators if not tools_covered(used.tools, [g])]
        covers = ", ".join(used.tools)
        if not generators:
            reasons.append(
                Reason("tool-unknown", f"{rid} covers only {covers}; the asset names no generator")
            )
        elif uncovered:
            reasons.append(
                Reason(
                    "tool-not-approved",
                    f"{rid} covers {covers}; made with {', '.join(uncovered[:MAX_DETAIL_ITEMS])}",
                )
            )
    if used.scope == "temporary":
        reasons.append(
            Reason(
                "temporary-in-final", f"{rid} has scope temporary; the asset is in the {area} area"
            )
        )
    if not used.written_approval_ref:
        sensitive = [name for name in SENSITIVE_FIELDS if getattr(used, name)]
        why = f"sensitive use ({', '.join(sensitive)})" if sensitive else f"use in the {area} area"
        reasons.append(
            Reason(
                "missing-written-approval", f"{rid} has no written_approval_ref; {why} needs one"
            )
        )
    return reasons


def _what(analysis: AssetAnalysis) -> str:
    ai = analysis.assessment.ai
    text = {
        "generated": "AI-generated",
        "composite": "contains AI material (composite)",
    }.get(ai, "may hold AI material")
    generators = ai_generators(analysis)
    if generators:
        text += f" ({', '.join(generators[:MAX_DETAIL_ITEMS])})"
    if analysis.sequence is not None and analysis.sequence.ai_frames:
        frames = analysis.sequence.ai_frames
        text += f" in frame{'s' if len(frames) > 1 else ''} {ranges_text(frames, MAX_DETAIL_ITEMS)}"
    return text


def _checksum_reasons(analysis: AssetAnalysis) -> list[Reason]:
    check = analysis.checksums
    if check is None:
        return []
    reasons = []
    if check.mismatched:
        shown = "; ".join(
            f"{m.path}: {m.manifest} lists {m.algorithm} {m.expected[:16]}…, "
            f"the bytes have {m.actual[:16]}…"
            for m in check.mismatches[:MAX_DETAIL_ITEMS]
        )
        more = f" ({check.mismatched:,} files in all)" if check.mismatched > 1 else ""
        reasons.append(Reason("checksum-mismatch", shown + more))
    if check.not_listed:
        where = ", ".join(check.manifests[:MAX_DETAIL_ITEMS])
        shown = ", ".join(check.unlisted[:MAX_DETAIL_ITEMS])
        more = f" ({check.not_listed:,} files in all)" if check.not_listed > 1 else ""
        reasons.append(Reason("not-in-manifest", f"{where} does not list {shown}{more}"))
    return reasons


def _credential_reasons(analysis: AssetAnalysis) -> list[Reason]:
    credentials = analysis.assessment.credentials
    report = analysis.c2pa
    if report is not None and report.binding == "unbound":
        return [Reason("sidecar-unbound", report.error)]
    # the report's own credentials: a sequence's are `absent` when a frame has no store, and
    # its signed frames' signer must still be named
    holds = report is not None and report.credentials in ("valid", "trusted")
    reasons = _signer_reasons(report) if holds else []
    if credentials == "invalid":
        codes = report.failure_codes if report else ()
        detail = ", ".join(codes[:MAX_DETAIL_ITEMS]) or (report.error if report else "")
        return [Reason("credentials-invalid", detail or "C2PA validation failed")]
    if credentials == "remote":
        url = report.remote_url if report else ""
        return [Reason("credentials-remote", f"manifest at {url}" if url else "remote manifest")]
    return reasons


def _signer_reasons(report: C2paReport | None) -> list[Reason]:
    if report is None or not report.signer_problems:
        return []
    signer = _signer_of(report)
    reasons = []
    if UNTRUSTED in report.signer_problems:
        reasons.append(Reason("signer-untrusted", f"{UNTRUSTED}{signer}"))
    others = [c for c in report.signer_problems if c != UNTRUSTED]
    if others:
        reasons.append(Reason("signer-invalid", ", ".join(others[:MAX_DETAIL_ITEMS]) + signer))
    return reasons


def _signer_of(report: C2paReport) -> str:
    active = next((m for m in report.manifests if m.label == report.active_manifest), None)
    if active is None:
        return ""
    parts = [f"signer {active.signer_name}" if active.signer_name else ""]
    parts.append(f"issuer {active.signer_issuer}" if active.signer_issuer else "")
    who = ", ".join(p for p in parts if p)
    return f" ({who})" if who else ""


def _archival_reasons(check: ArchivalCheck) -> list[Reason]:
    near = f"{check.source} (distance {check.distance})" if check.source else ""
    if check.outcome == "verified":
        return [Reason("archival-verified", f"matches {near}" if near else "matches the archive")]
    if check.outcome == "altered":
        return [Reason("archival-altered", f"differs from {near}" if near else "altered")]
    return [Reason("archival-unverified", "no original archival scan is near it")]


def _problems(analysis: AssetAnalysis, *, incomplete: bool = False) -> str:
    """The fatal problems (or, with `incomplete`, the limits reached), as one line."""
    chosen = [
        f"{p.source}: {p.message}"
        for p in analysis.problems
        if (p.incomplete if incomplete else p.fatal)
    ]
    more = f" (and {len(chosen) - MAX_DETAIL_ITEMS} more)" if len(chosen) > MAX_DETAIL_ITEMS else ""
    return "; ".join(chosen[:MAX_DETAIL_ITEMS]) + more
