"""The pure delivery policy: decide(), area_for(), exit_code(), unused_approvals(). AssetAnalysis
values are built here, no media files involved. The policy file: tests/test_policy_file.py."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from scanner.approvals import match_asset
from scanner.model import (
    KNOWN_AI_RULE_ID,
    STATUSES,
    Approval,
    ApprovalMatch,
    ArchivalCheck,
    Assessment,
    AssetAnalysis,
    AssetResult,
    C2paReport,
    Finding,
    Problem,
    Reason,
    Signal,
)
from scanner.policy.areas import DEFAULT_POLICY, Policy, area_for
from scanner.policy.decide import decide
from scanner.policy.gate import exit_code, unused_approvals
from scanner.policy.reasons import REASONS, worst_status

AS_OF = date(2026, 11, 1)


def analysis(
    path: str = "final/stills/a.jpg",
    ai: str = "generated",
    generators: tuple[str, ...] = ("Adobe Firefly",),
    credentials: str = "absent",
    meaning: str | None = None,
    problems: tuple[Problem, ...] = (),
    c2pa: C2paReport | None = None,
) -> AssetAnalysis:
    if meaning is None:
        meaning = {"generated": "ai-generated", "composite": "ai-composite"}.get(ai, "")
    signals = ()
    if meaning:
        signals = tuple(
            Signal("rule.x", meaning, "strong", "xmp", "DigitalSourceType", "value", generator=g)
            for g in (generators or ("",))
        )
    return AssetAnalysis(
        path=path,
        size=10,
        sha256="f" * 64,
        media_type="image/jpeg",
        kind="image",
        format="JPEG",
        assessment=Assessment(
            ai=ai, credentials=credentials, generators=generators, signals=signals
        ),
        problems=problems,
        c2pa=c2pa,
    )


def approval(**fields: object) -> Approval:
    base: dict[str, object] = {
        "request_id": "GENAI-0001",
        "status": "approved",
        "scope": "final",
        "paths": ("final/**", "archival/**", "temp/**"),
        "written_approval_ref": "WA-1",
        "approved_by": "Jo",
        "approved_on": date(2026, 1, 15),
        "row": 2,
    }
    base.update(fields)
    return Approval(**base)  # type: ignore[arg-type]


def judge(
    asset: AssetAnalysis,
    approvals: tuple[Approval, ...] = (),
    *,
    area: str = "final",
    as_of: date = AS_OF,
    archival: ArchivalCheck | None = None,
) -> Finding:
    return decide(
        asset,
        area=area,
        matches=match_asset(asset, approvals),
        approvals_by_id={a.request_id: a for a in approvals},
        as_of=as_of,
        archival=archival,
    )


def codes(finding: Finding) -> list[str]:
    return [r.code for r in finding.reasons]


# --- clean and approved --------------------------------------------------------------------------


def test_no_ai_signal_is_clean_and_says_so_carefully() -> None:
    finding = judge(analysis(ai="none", generators=()))
    assert finding == Finding(
        status="clean", reasons=(Reason("no-ai-signal", "no AI signal found"),), area="final"
    )


def test_approved() -> None:
    finding = judge(analysis(), (approval(),))
    assert finding.status == "approved"
    assert finding.approval == "GENAI-0001"
    assert finding.reasons == (
        Reason("approved", "GENAI-0001 approved by Jo on 2026-01-15; matched by path final/**"),
    )


def test_composite_needs_approval_like_generated() -> None:
    assert codes(judge(analysis(ai="composite"))) == ["unapproved-ai"]
    assert judge(analysis(ai="composite"), (approval(),)).status == "approved"


def test_ai_in_temporary_area_is_clean() -> None:
    finding = judge(analysis(path="temp/previs/a.png"), area="temporary")
    assert finding.status == "clean"
    assert finding.reasons == (
        Reason("temporary-material", "AI-generated (Adobe Firefly), in the temporary area"),
    )


def test_denied_request_is_a_violation_even_in_temporary_area() -> None:
    finding = judge(
        analysis(path="temp/previs/a.png"), (approval(status="denied"),), area="temporary"
    )
    assert finding.status == "violation"
    assert finding.reasons == (
        Reason("approval-not-granted", "GENAI-0001 is denied: AI-generated (Adobe Firefly)"),
    )


# --- each violation reason -----------------------------------------------------------------------


def test_unapproved_ai() -> None:
    finding = judge(analysis())
    assert finding.status == "violation"
    assert finding.approval == ""
    assert finding.reasons == (
        Reason("unapproved-ai", "AI-generated (Adobe Firefly); no approval covers it"),
    )


@pytest.mark.parametrize("status", ["pending", "denied", "revoked"])
def test_approval_not_granted(status: str) -> None:
    finding = judge(analysis(), (approval(status=status),))
    assert finding.status == "violation"
    assert finding.approval == "GENAI-0001"
    assert finding.reasons == (Reason("approval-not-granted", f"GENAI-0001 is {status}"),)


def test_approval_not_yet_valid_on_the_scan_date() -> None:
    finding = judge(analysis(), (approval(approved_on=date(2026, 12, 1)),))
    assert finding.reasons == (
        Reason(
            "approval-not-granted",
            "GENAI-0001 is approved from 2026-12-01, after the scan date 2026-11-01",
        ),
    )


def test_approval_expired() -> None:
    expired = approval(expires_on=date(2026, 10, 31))
    finding = judge(analysis(), (expired,))
    assert finding.status == "violation"
    assert finding.reasons == (Reason("approval-expired", "GENAI-0001 expired 2026-10-31"),)


def test_approval_is_good_through_its_expiry_day_and_as_of_reproduces_a_past_scan() -> None:
    expired = approval(expires_on=date(2026, 10, 31))
    assert judge(analysis(), (expired,), as_of=date(2026, 10, 31)).status == "approved"
    assert judge(analysis(), (expired,), as_of=date(2026, 11, 1)).status == "violation"


def test_tool_not_approved() -> None:
    finding = judge(analysis(generators=("Midjourney v6",)), (approval(tools=("Adobe Firefly",)),))
    assert finding.status == "violation"
    assert finding.reasons == (
        Reason("tool-not-approved", "GENAI-0001 covers Adobe Firefly; made with Midjourney v6"),
    )


def test_tool_names_are_normalised() -> None:
    finding = judge(analysis(generators=("Adobe Firefly",)), (approval(tools=("adobe_firefly",)),))
    assert finding.status == "approved"


def test_tool_unknown_is_review() -> None:
    finding = judge(analysis(generators=()), (approval(tools=("Adobe Firefly",)),))
    assert finding.status == "review"
    assert finding.reasons == (
        Reason(
            "tool-unknown", "GENAI-0001 covers only Adobe Firefly; the asset names no generator"
        ),
    )


def test_temporary_scope_in_final_without_written_approval() -> None:
    temp = approval(scope="temporary", written_approval_ref="")
    finding = judge(analysis(), (temp,))
    assert finding.status == "violation"
    assert finding.reasons == (
        Reason(
            "temporary-in-final", "GENAI-0001 has scope temporary; the asset is in the final area"
        ),
        Reason(
            "missing-written-approval",
            "GENAI-0001 has no written_approval_ref; use in the final area needs one",
        ),
    )


def test_temporary_scope_approval_in_temporary_area_is_clean() -> None:
    temp = approval(scope="temporary", written_approval_ref="")
    finding = judge(analysis(path="temp/a.png"), (temp,), area="temporary")
    assert finding.status == "clean"
    assert finding.approval == "GENAI-0001"
    assert codes(finding) == ["temporary-material"]


def test_missing_written_approval_for_sensitive_use() -> None:
    """The register refuses this for approved rows; decide() still guards on its own."""
    sensitive = approval(scope="final", written_approval_ref="", talent_likeness=True)
    finding = judge(analysis(), (sensitive,))
    assert finding.reasons == (
        Reason(
            "missing-written-approval",
            "GENAI-0001 has no written_approval_ref; sensitive use (talent_likeness) needs one",
        ),
    )


def test_ai_in_archival_without_archival_use() -> None:
    finding = judge(analysis(path="archival/photo.jpg"), (approval(),), area="archival")
    assert finding.status == "violation"
    assert finding.reasons == (
        Reason(
            "ai-in-archival",
            "AI-generated (Adobe Firefly) in archival footage; GENAI-0001 does not allow "
            "archival_use",
        ),
    )


def test_ai_in_archival_allowed_by_archival_use() -> None:
    allowed = approval(archival_use=True)
    finding = judge(analysis(path="archival/photo.jpg"), (allowed,), area="archival")
    assert finding.status == "approved"


def test_unapproved_ai_in_archival_lists_both_reasons() -> None:
    finding = judge(analysis(path="archival/photo.jpg"), area="archival")
    assert codes(finding) == ["unapproved-ai", "ai-in-archival"]


def test_every_applicable_reason_is_listed() -> None:
    everything_wrong = approval(
        scope="temporary",
        written_approval_ref="",
        tools=("Midjourney",),
        expires_on=date(2026, 6, 30),
    )
    finding = judge(
        analysis(path="archival/x.jpg", credentials="invalid"), (everything_wrong,), area="archival"
    )
    assert finding.status == "violation"
    assert codes(finding) == [
        "approval-expired",
        "tool-not-approved",
        "temporary-in-final",
        "missing-written-approval",
        "ai-in-archival",
        "credentials-invalid",
    ]


def known_ai_analysis(path: str = "final/stills/a.jpg") -> AssetAnalysis:
    """An asset the --known-ai library recognised (the production's own generated material)."""
    hit = Signal(
        KNOWN_AI_RULE_ID, "ai-generated", "strong", "fingerprint", "known-ai:gen/a.png", "d 3"
    )
    base = analysis(path=path, generators=())
    return dataclasses.replace(base, assessment=Assessment(ai="generated", signals=(hit,)))


@pytest.mark.parametrize(
    "ungranted",
    [
        {"status": "pending"},
        {"status": "denied"},
        {"status": "revoked"},
        {"approved_on": date(2026, 12, 1)},  # approved, but only after the scan date
        {"status": "pending", "scope": "temporary"},
    ],
)
def test_known_ai_under_an_ungranted_approval_is_also_temporary_in_final(
    ungranted: dict[str, object],
) -> None:
    """The module docstring's rule: without a granted approval, a known-AI match in a final
    area is temporary-in-final, beside approval-not-granted (it was unreachable)."""
    finding = judge(known_ai_analysis(), (approval(**ungranted),))
    assert codes(finding) == ["approval-not-granted", "temporary-in-final"]
    temporary = next(r for r in finding.reasons if r.code == "temporary-in-final")
    assert "gen/a.png" in temporary.detail


def test_known_ai_under_a_granted_final_approval_is_approved() -> None:
    assert codes(judge(known_ai_analysis(), (approval(),))) == ["approved"]


# --- review and error ----------------------------------------------------------------------------


def test_credentials_invalid_is_review_and_lists_failure_codes() -> None:
    report = C2paReport(credentials="invalid", failure_codes=("assertion.dataHash.mismatch",))
    finding = judge(analysis(credentials="invalid", c2pa=report), (approval(),))
    assert finding.status == "review"
    assert finding.reasons[0] == Reason("credentials-invalid", "assertion.dataHash.mismatch")
    assert codes(finding) == ["credentials-invalid", "approved"]


def test_credentials_remote_is_review() -> None:
    report = C2paReport(credentials="remote", remote_url="https://example.test/m.c2pa")
    finding = judge(analysis(ai="none", generators=(), credentials="remote", c2pa=report))
    assert finding.status == "review"
    assert codes(finding) == ["credentials-remote", "no-ai-signal"]
    assert finding.reasons[0].detail == "manifest at https://example.test/m.c2pa"


def test_ai_possible_is_review_without_an_approval() -> None:
    finding = judge(analysis(ai="none", generators=(), meaning="ai-possible"))
    assert finding.status == "review"
    assert finding.reasons == (
        Reason(
            "ai-possible",
            "may hold AI material (DigitalSourceType=value); no approval covers it",
        ),
    )


def test_weak_ai_possible_decides_nothing() -> None:
    asset = analysis(ai="none", generators=(), meaning="ai-possible")
    weak = tuple(dataclasses.replace(s, strength="weak") for s in asset.assessment.signals)
    asset = dataclasses.replace(asset, assessment=Assessment(signals=weak))
    assert judge(asset).reasons == (
        Reason("no-ai-signal", "no deciding AI signal found (1 weak hint(s) among the signals)"),
    )


def test_ai_possible_covered_by_an_approval_is_judged_as_ai() -> None:
    covered = judge(analysis(ai="none", generators=(), meaning="ai-possible"), (approval(),))
    assert covered.status == "approved"
    denied = judge(
        analysis(ai="none", generators=(), meaning="ai-possible"), (approval(status="denied"),)
    )
    assert codes(denied) == ["approval-not-granted"]


def test_ai_possible_in_temporary_area_is_clean() -> None:
    finding = judge(
        analysis(path="temp/x.png", ai="none", generators=(), meaning="ai-possible"),
        area="temporary",
    )
    assert codes(finding) == ["temporary-material"]


def test_archival_fingerprint_outcomes() -> None:
    plain = analysis(path="archival/p.jpg", ai="none", generators=())
    altered = ArchivalCheck("altered", "scans/p_1962.tif", 14)
    finding = judge(plain, area="archival", archival=altered)
    assert finding.status == "review"
    assert finding.reasons[0] == Reason(
        "archival-altered", "differs from scans/p_1962.tif (distance 14)"
    )
    assert finding.archival == altered
    unverified = judge(plain, area="archival", archival=ArchivalCheck("unverified"))
    assert codes(unverified) == ["archival-unverified", "no-ai-signal"]
    verified = judge(plain, area="archival", archival=ArchivalCheck("verified", "scans/p.tif", 2))
    assert verified.status == "clean"
    assert codes(verified) == ["archival-verified", "no-ai-signal"]


def test_unreadable_is_error() -> None:
    broken = analysis(
        ai="none", generators=(), problems=(Problem("jpeg", "truncated at byte 512", fatal=True),)
    )
    finding = judge(broken)
    assert finding.status == "error"
    assert finding.reasons == (Reason("unreadable", "jpeg: truncated at byte 512"),)


def test_violation_wins_over_unreadable_and_both_are_listed() -> None:
    broken_ai = analysis(problems=(Problem("png", "bad CRC", fatal=True),))
    finding = judge(broken_ai)
    assert finding.status == "violation"
    assert codes(finding) == ["unapproved-ai", "unreadable"]


def test_non_fatal_problems_decide_nothing() -> None:
    finding = judge(analysis(ai="none", generators=(), problems=(Problem("exif", "odd tag"),)))
    assert finding.status == "clean"


# --- matches kept, unused approvals -----------------------------------------------------------


def test_matches_on_assets_without_ai_are_dropped() -> None:
    finding = judge(analysis(ai="none", generators=()), (approval(),))
    assert finding.matches == ()
    assert finding.approval == ""


def test_unused_approvals_in_register_order() -> None:
    approvals = (
        approval(request_id="A", row=2),
        approval(request_id="B", row=3, paths=("nowhere/**",)),
        approval(request_id="C", row=4, paths=("final/plain.jpg",)),
    )
    by_id = {a.request_id: a for a in approvals}
    results = []
    for asset in (analysis(), analysis(path="final/plain.jpg", ai="none", generators=())):
        finding = decide(
            asset, area="final", matches=match_asset(asset, approvals), approvals_by_id=by_id,
            as_of=AS_OF,
        )  # fmt: skip
        results.append(AssetResult(asset, finding))
    # C's glob only touches an asset without AI: it covered nothing it was meant for
    matched = [m.request_id for r in results for m in r.finding.matches]
    assert unused_approvals(approvals, matched) == ("B", "C")


def test_unknown_request_ids_in_matches_are_ignored() -> None:
    finding = decide(
        analysis(), area="final", matches=(ApprovalMatch("GHOST", "path"),), approvals_by_id={},
        as_of=AS_OF,
    )  # fmt: skip
    assert codes(finding) == ["unapproved-ai"]


# --- statuses and exit codes ------------------------------------------------------------------


def test_every_reason_code_forces_a_known_status() -> None:
    # every status but `waived`, which no reason forces: a reviewer's waiver sets it
    assert {status for status, _ in REASONS.values()} == set(STATUSES) - {"waived"}
    assert worst_status(["approved", "credentials-invalid", "unreadable"]) == "error"
    assert worst_status([]) == "clean"


@pytest.mark.parametrize(
    ("statuses", "strict", "code"),
    [
        (("clean", "approved"), False, 0),
        (("clean", "review"), False, 0),
        (("clean", "review"), True, 1),
        (("clean", "violation"), False, 1),
        (("error", "violation"), False, 1),
        (("clean", "error"), False, 3),
        (("review", "error"), False, 3),
        (("review", "error"), True, 1),
        ((), False, 0),
    ],
)
def test_exit_code(statuses: tuple[str, ...], strict: bool, code: int) -> None:
    assert exit_code(statuses, strict=strict) == code


# --- areas -------------------------------------------------------------------------------------


def test_default_policy_makes_everything_final() -> None:
    assert area_for("anything/at/all.jpg", DEFAULT_POLICY) == "final"


def test_more_specific_pattern_wins_so_temporary_beats_final_everything() -> None:
    policy = Policy(final=("**",), temporary=("temp/**",), archival=("archival/**",))
    assert area_for("temp/previs/a.png", policy) == "temporary"
    assert area_for("archival/photo.jpg", policy) == "archival"
    assert area_for("final/a.jpg", policy) == "final"


def test_a_final_carve_out_inside_a_temporary_area() -> None:
    policy = Policy(final=("temp/approved/**",), temporary=("temp/**",))
    assert area_for("temp/approved/a.png", policy) == "final"
    assert area_for("temp/b.png", policy) == "temporary"


def test_ties_go_to_the_stricter_area_and_unlisted_paths_are_final() -> None:
    final_or_temporary = Policy(final=("a/*/b",), temporary=("a/b/*",))  # 4 literals each
    assert area_for("a/b/b", final_or_temporary) == "final"
    archival_or_final = Policy(final=("*/y",), archival=("x/*",))  # 2 literals each
    assert area_for("x/y", archival_or_final) == "archival"
    assert area_for("docs/notes.jpg", Policy(final=("final/**",))) == "final"


def test_decide_is_pure_over_frozen_values() -> None:
    asset = analysis()
    before = dataclasses.replace(asset)
    judge(asset, (approval(),))
    assert asset == before
