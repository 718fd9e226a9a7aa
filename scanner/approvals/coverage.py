"""Which approvals of the register cover one asset, most specific first.

An approval covers an asset when ANY of its identifiers matches:
  sha256         the file's exact bytes
  c2pa_manifest  a manifest label or instance id in the file's C2PA store (only when the
                 credentials are `valid` or `trusted`: a tampered file's claims identify nothing)
  reference      a perceptual-hash hit on one of its reference images (computed by the
                 fingerprint module and passed in as `reference_hits`)
  path           a glob on the delivery-relative path
An approval with no identifier at all but with `tools` is a blanket approval for those tools:
it covers every asset whose generator it names (`tool`). Otherwise `tools` does not decide
whether an approval matches, only whether the match is good (policy: `tool-not-approved`).

One ApprovalMatch per covering approval, with the most specific way it matched; the list is
ordered sha256 = c2pa_manifest > reference > path (narrower glob first) > tool, then register
row. Policy decides on the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from scanner.approvals.tools import tools_covered
from scanner.common import pathglob
from scanner.model import Approval, ApprovalMatch, AssetAnalysis

SPECIFICITY = {"sha256": 4, "c2pa_manifest": 4, "reference": 3, "path": 2, "tool": 1}
_NO_HITS: Mapping[str, str] = MappingProxyType({})


def match_asset(
    analysis: AssetAnalysis,
    approvals: Iterable[Approval],
    *,
    reference_hits: Mapping[str, str] = _NO_HITS,
) -> tuple[ApprovalMatch, ...]:
    """Every approval covering `analysis`, the one the decision should use first."""
    ranked: list[tuple[tuple[int, int, int], ApprovalMatch]] = []
    manifest_ids = _manifest_ids(analysis)
    generators = ai_generators(analysis)
    for approval in approvals:
        found = _best_match(approval, analysis, manifest_ids, generators, reference_hits)
        if found is not None:
            match, narrowness = found
            key = (-SPECIFICITY[match.matched_by], -narrowness, approval.row)
            ranked.append((key, match))
    ranked.sort(key=lambda item: item[0])
    return tuple(match for _key, match in ranked)


def _best_match(
    approval: Approval,
    analysis: AssetAnalysis,
    manifest_ids: Mapping[str, str],
    generators: tuple[str, ...],
    reference_hits: Mapping[str, str],
) -> tuple[ApprovalMatch, int] | None:
    rid = approval.request_id
    if analysis.sha256 and analysis.sha256.lower() in approval.sha256:
        return ApprovalMatch(rid, "sha256", f"{analysis.sha256[:16]}…"), 0
    for wanted in approval.c2pa_manifest:
        if wanted in manifest_ids:
            return ApprovalMatch(rid, "c2pa_manifest", f"{manifest_ids[wanted]} {wanted}"), 0
    if approval.reference and rid in reference_hits:
        return ApprovalMatch(rid, "reference", reference_hits[rid]), 0
    globs = [p for p in approval.paths if pathglob.matches(p, analysis.path)]
    if globs:
        narrowest = max(globs, key=pathglob.specificity)
        return (
            ApprovalMatch(rid, "path", narrowest),
            pathglob.specificity(narrowest),
        )
    if approval.tools and not has_identifiers(approval):
        covered = tools_covered(approval.tools, generators)
        if covered:
            return ApprovalMatch(rid, "tool", covered[0]), 0
    return None


def has_identifiers(approval: Approval) -> bool:
    return bool(approval.paths or approval.sha256 or approval.c2pa_manifest or approval.reference)


def _manifest_ids(analysis: AssetAnalysis) -> dict[str, str]:
    """Manifest labels and instance ids of a file whose credentials hold, -> what each is."""
    report = analysis.c2pa
    if report is None or report.credentials not in ("valid", "trusted"):
        return {}
    ids: dict[str, str] = {}
    for manifest in report.manifests:
        active = manifest.label == report.active_manifest
        role = "active manifest" if active else "ingredient manifest"
        if manifest.label:
            ids.setdefault(manifest.label, f"{role} label")
        if manifest.instance_id:
            ids.setdefault(manifest.instance_id, f"{role} instance id")
    if report.active_manifest:
        ids.setdefault(report.active_manifest, "active manifest label")
    return ids


AI_MEANINGS = ("ai-generated", "ai-composite", "ai-possible")
DECIDING = ("strong", "definitive")


def ai_generators(analysis: AssetAnalysis) -> tuple[str, ...]:
    """The tools named as having made the asset's AI material, for checking an approval's tools.

    The generators of the strongest kind of AI signal that names any: `ai-generated` first (the
    model that made the material), then `ai-composite` (for a composite whose AI element names
    no tool, the tool that composited it), then `ai-possible`; strong or definitive signals
    only. Without any, every generator the assessment names.
    """
    signals = analysis.assessment.signals
    for meaning in AI_MEANINGS:
        named = [
            s.generator
            for s in signals
            if s.meaning == meaning and s.generator and s.strength in DECIDING
        ]
        if named:
            return tuple(dict.fromkeys(named))
    return tuple(dict.fromkeys(analysis.assessment.generators))
