"""Matching assets to approvals: globs, sha256, C2PA manifest ids, references, tools."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from scanner.approvals import (
    ai_generators,
    match_asset,
    normalise_tool,
    tool_aliases,
    tool_covers,
)
from scanner.common import pathglob
from scanner.model import (
    Approval,
    ApprovalMatch,
    Assessment,
    AssetAnalysis,
    C2paIngredient,
    C2paManifest,
    C2paReport,
    Signal,
)
from scanner.policy.decide import decide

HASH_A = "a" * 64
HASH_B = "b" * 64
AS_OF = date(2026, 11, 1)


def ai_asset(
    path: str = "final/stills/hero.jpg",
    sha256: str = HASH_A,
    generators: tuple[str, ...] = ("Adobe Firefly",),
    c2pa: C2paReport | None = None,
) -> AssetAnalysis:
    signals = tuple(
        Signal("c2pa.dst.trained", "ai-generated", "definitive", "c2pa", "digitalSourceType",
               "trainedAlgorithmicMedia", generator=g)
        for g in generators
    )  # fmt: skip
    return AssetAnalysis(
        path=path,
        size=1000,
        sha256=sha256,
        media_type="image/jpeg",
        kind="image",
        format="JPEG",
        assessment=Assessment(
            ai="generated",
            credentials=c2pa.credentials if c2pa else "absent",
            generators=generators,
            signals=signals,
        ),
        c2pa=c2pa,
    )


def approval(request_id: str, row: int, **fields: object) -> Approval:
    fields.setdefault("status", "approved")
    fields.setdefault("scope", "final")
    fields.setdefault("written_approval_ref", f"WA-{row}")
    return Approval(request_id=request_id, row=row, **fields)  # type: ignore[arg-type]


def store(credentials: str = "valid") -> C2paReport:
    return C2paReport(
        credentials=credentials,
        state="Valid" if credentials == "valid" else "Invalid",
        active_manifest="urn:c2pa:active-1",
        manifests=(
            C2paManifest(
                label="urn:c2pa:active-1",
                instance_id="xmp:iid:hero-export-7",
                ingredients=(
                    C2paIngredient("firefly.jpg", "parentOf", manifest_label="urn:c2pa:ff"),
                ),
            ),
            C2paManifest(label="urn:c2pa:ff", instance_id="xmp:iid:firefly-out"),
        ),
    )


def ids(matches: tuple[ApprovalMatch, ...]) -> list[tuple[str, str]]:
    return [(m.request_id, m.matched_by) for m in matches]


# --- the four ways an approval identifies assets ----------------------------------------------


def test_path_glob_relative_to_the_delivery_root() -> None:
    approvals = [approval("G-1", 2, paths=("final/stills/*.jpg",))]
    assert match_asset(ai_asset("final/stills/hero.jpg"), approvals) == (
        ApprovalMatch("G-1", "path", "final/stills/*.jpg"),
    )
    assert match_asset(ai_asset("final/stills/sub/hero.jpg"), approvals) == ()
    assert match_asset(ai_asset("other/final/stills/hero.jpg"), approvals) == ()


def test_exact_sha256() -> None:
    approvals = [approval("G-1", 2, sha256=(HASH_B, HASH_A))]
    assert ids(match_asset(ai_asset(sha256=HASH_A), approvals)) == [("G-1", "sha256")]
    assert match_asset(ai_asset(sha256="c" * 64), approvals) == ()


def test_c2pa_manifest_label_and_instance_id() -> None:
    by_label = [approval("G-1", 2, c2pa_manifest=("urn:c2pa:active-1",))]
    by_instance = [approval("G-2", 3, c2pa_manifest=("xmp:iid:hero-export-7",))]
    by_ingredient = [approval("G-3", 4, c2pa_manifest=("urn:c2pa:ff",))]
    asset = ai_asset(c2pa=store())
    assert match_asset(asset, by_label) == (
        ApprovalMatch("G-1", "c2pa_manifest", "active manifest label urn:c2pa:active-1"),
    )
    assert match_asset(asset, by_instance) == (
        ApprovalMatch("G-2", "c2pa_manifest", "active manifest instance id xmp:iid:hero-export-7"),
    )
    assert match_asset(asset, by_ingredient) == (
        ApprovalMatch("G-3", "c2pa_manifest", "ingredient manifest label urn:c2pa:ff"),
    )


@pytest.mark.parametrize("credentials", ["invalid", "remote", "absent"])
def test_manifest_ids_of_broken_credentials_identify_nothing(credentials: str) -> None:
    approvals = [approval("G-1", 2, c2pa_manifest=("urn:c2pa:active-1",))]
    assert match_asset(ai_asset(c2pa=store(credentials)), approvals) == ()


def test_reference_hit_comes_from_the_fingerprint_module() -> None:
    approvals = [approval("G-1", 2, reference=("refs/hero.png",)), approval("G-2", 3)]
    hits = {"G-1": "refs/hero.png, distance 4", "G-2": "ignored: G-2 names no reference"}
    assert match_asset(ai_asset(), approvals, reference_hits=hits) == (
        ApprovalMatch("G-1", "reference", "refs/hero.png, distance 4"),
    )


def test_tool_only_approval_covers_that_tools_output_anywhere() -> None:
    approvals = [approval("G-1", 2, tools=("adobe_firefly",))]
    assert match_asset(ai_asset(generators=("Adobe Firefly",)), approvals) == (
        ApprovalMatch("G-1", "tool", "Adobe Firefly"),
    )
    assert match_asset(ai_asset(generators=("Midjourney",)), approvals) == ()


def test_tools_do_not_stop_an_identifier_from_matching() -> None:
    """The match stands; policy then says tool-not-approved (tested in test_policy)."""
    approvals = [approval("G-1", 2, paths=("final/**",), tools=("Midjourney",))]
    assert ids(match_asset(ai_asset(generators=("Adobe Firefly",)), approvals)) == [("G-1", "path")]


def test_approval_naming_nothing_matches_nothing() -> None:
    assert match_asset(ai_asset(), [approval("G-1", 2)]) == ()


# --- several approvals: all shown, the most specific first -----------------------------------


def test_all_matches_listed_most_specific_first() -> None:
    approvals = [
        approval("BROAD", 2, paths=("final/**",)),
        approval("TOOL", 3, tools=("Adobe Firefly",)),
        approval("NARROW", 4, paths=("final/stills/hero*.jpg",)),
        approval("HASH", 5, sha256=(HASH_A,)),
        approval("REF", 6, reference=("r.png",)),
        approval("MANIFEST", 7, c2pa_manifest=("urn:c2pa:active-1",)),
        approval("OTHER", 8, paths=("temp/**",)),
    ]
    found = match_asset(ai_asset(c2pa=store()), approvals, reference_hits={"REF": "r.png"})
    assert ids(found) == [
        ("HASH", "sha256"),
        ("MANIFEST", "c2pa_manifest"),
        ("REF", "reference"),
        ("NARROW", "path"),
        ("BROAD", "path"),
        ("TOOL", "tool"),
    ]


def test_equal_specificity_keeps_register_order() -> None:
    approvals = [approval("LATER", 9, paths=("final/**",)), approval("FIRST", 2, paths=("x/**",
                 "final/**"))]  # fmt: skip
    assert ids(match_asset(ai_asset(), approvals)) == [("FIRST", "path"), ("LATER", "path")]


def test_the_decision_uses_the_most_specific_match_and_says_so() -> None:
    approvals = [
        approval("GLOB-DENIED", 2, status="denied", paths=("final/**",)),
        approval("BY-HASH", 3, sha256=(HASH_A,)),
    ]
    asset = ai_asset()
    matches = match_asset(asset, approvals)
    finding = decide(
        asset,
        area="final",
        matches=matches,
        approvals_by_id={a.request_id: a for a in approvals},
        as_of=AS_OF,
    )
    assert finding.status == "approved"
    assert finding.approval == "BY-HASH"
    assert ids(finding.matches) == [("BY-HASH", "sha256"), ("GLOB-DENIED", "path")]
    assert finding.reasons[0].detail == f"BY-HASH approved; matched by sha256 {HASH_A[:16]}…"


# --- the acceptance scenarios ------------------------------------------------------------------


def _decide(asset: AssetAnalysis, approvals: list[Approval]) -> tuple[str, str, list[str]]:
    finding = decide(
        asset,
        area="final",
        matches=match_asset(asset, approvals),
        approvals_by_id={a.request_id: a for a in approvals},
        as_of=AS_OF,
    )
    return finding.status, finding.approval, [r.code for r in finding.reasons]


APPROVED_HERO = approval(
    "GENAI-0001", 2, paths=("final/stills/hero_v*.jpg",), sha256=(HASH_A,), tools=("Adobe Firefly",)
)


def test_reexported_copy_with_new_bytes_stays_approved_by_its_glob() -> None:
    reexport = ai_asset("final/stills/hero_v002.jpg", sha256=HASH_B)
    assert _decide(reexport, [APPROVED_HERO]) == ("approved", "GENAI-0001", ["approved"])
    assert ids(match_asset(reexport, [APPROVED_HERO])) == [("GENAI-0001", "path")]


def test_same_bytes_moved_outside_the_glob_are_matched_by_hash() -> None:
    moved = ai_asset("final/posters/key_art.jpg", sha256=HASH_A)
    assert _decide(moved, [APPROVED_HERO]) == ("approved", "GENAI-0001", ["approved"])
    assert ids(match_asset(moved, [APPROVED_HERO])) == [("GENAI-0001", "sha256")]


def test_an_approval_for_one_tool_does_not_cover_another_tools_output() -> None:
    other_tool = ai_asset("final/stills/hero_v003.jpg", sha256=HASH_B, generators=("Midjourney",))
    assert _decide(other_tool, [APPROVED_HERO]) == (
        "violation",
        "GENAI-0001",
        ["tool-not-approved"],
    )


# --- tool names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "normal"),
    [
        ("Adobe Firefly", "adobe firefly"),
        ("Adobe_Firefly", "adobe firefly"),
        ("adobe-firefly", "adobe firefly"),
        ("ADOBE  FIREFLY", "adobe firefly"),
        ("Adobe_Firefly adobe_c2pa/0.12.4+sven2 c2pa-rs/0.32.7", "adobe firefly"),
        ("Adobe_Photoshop/26.11.0 adobe_c2pa/0.14.2 c2pa-rs/0.43.0", "adobe photoshop"),
        ("Fooocus v2.5.5", "fooocus"),
        ("Adobe Firefly 3", "adobe firefly"),
        ("ComfyUI 0.3.10", "comfyui"),
        ("GPT-4o", "gpt 4o"),
        ("Stable Diffusion (AUTOMATIC1111)", "stable diffusion (automatic1111)"),
    ],
)
def test_normalise_tool(name: str, normal: str) -> None:
    assert normalise_tool(name) == normal


def test_bracketed_generator_answers_to_each_part() -> None:
    assert tool_aliases("Stable Diffusion (AUTOMATIC1111)") == {
        "stable diffusion (automatic1111)",
        "stable diffusion",
        "automatic1111",
    }


@pytest.mark.parametrize(
    ("approved", "generator", "covered"),
    [
        ("Sora", "OpenAI Sora", True),
        ("Firefly", "Adobe Firefly", True),
        ("adobe_firefly", "Adobe Firefly 3", True),
        ("Stable Diffusion", "Stable Diffusion XL", True),
        ("AUTOMATIC1111", "Stable Diffusion (AUTOMATIC1111)", True),
        ("Stable Diffusion", "Stable Diffusion (AUTOMATIC1111)", True),
        ("Flux", "Fluxus", False),
        ("Adobe Firefly", "Firefly", False),
        ("Midjourney", "Adobe Firefly", False),
        ("Stable Diffusion XL", "Stable Diffusion", False),
    ],
)
def test_an_approved_tool_covers_generators_naming_it_in_whole_words(
    approved: str, generator: str, covered: bool
) -> None:
    assert tool_covers(approved, generator) is covered


def test_ai_generators_names_the_model_not_the_compositor() -> None:
    """A composite: Firefly made the AI element (ai-generated in the ingredient), Photoshop
    placed it (ai-composite). An approval for Firefly must cover it."""
    firefly = Signal("C2PA-DST-TRAINED", "ai-generated", "definitive", "c2pa", "f", "v",
                     generator="Adobe Firefly")  # fmt: skip
    placed = Signal("C2PA-DST-COMPOSITE-AI", "ai-composite", "definitive", "c2pa", "f", "v",
                    generator="Adobe Photoshop")  # fmt: skip
    weak = Signal("X", "ai-generated", "weak", "xmp", "f", "v", generator="Midjourney")
    asset = ai_asset(generators=())
    both = Assessment(ai="composite", generators=("Adobe Firefly", "Adobe Photoshop"),
                      signals=(firefly, placed, weak))  # fmt: skip
    assert ai_generators(dataclasses.replace(asset, assessment=both)) == ("Adobe Firefly",)
    only_placed = Assessment(ai="composite", generators=("Adobe Photoshop",), signals=(placed,))
    assert ai_generators(dataclasses.replace(asset, assessment=only_placed)) == ("Adobe Photoshop",)
    bare = Assessment(ai="generated", generators=("X",))
    assert ai_generators(dataclasses.replace(asset, assessment=bare)) == ("X",)


# --- globs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("final/**", "final/a/b/c.jpg", True),
        ("final/**", "final", False),
        ("final/**", "finale/a.jpg", False),
        ("**/*.exr", "shot.exr", True),
        ("**/*.exr", "vfx/sh010/shot.exr", True),
        ("final/*.jpg", "final/sub/a.jpg", False),
        ("final/a?.jpg", "final/a1.jpg", True),
        ("final/a?.jpg", "final/a/.jpg", False),
        ("final/[!x]*.jpg", "final/y.jpg", True),
        ("final/[!x]*.jpg", "final/x.jpg", False),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("temp/", "temp/x/y.png", True),
        ("./temp/**", "temp/y.png", True),
        ("Final/**", "final/a.jpg", False),
        ("final/[draft].jpg", "final/d.jpg", True),
        ("final/(v1).jpg", "final/(v1).jpg", True),
    ],
)
def test_glob(pattern: str, path: str, expected: bool) -> None:
    assert pathglob.matches(pattern, path) is expected


def test_glob_specificity_counts_literal_characters() -> None:
    assert pathglob.specificity("**") == 0
    assert pathglob.specificity("final/**") == 6
    assert pathglob.specificity("final/stills/*.jpg") == 17
