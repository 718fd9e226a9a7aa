"""Which approvals of the register cover one asset, most specific first.

An approval covers an asset when ANY of its identifiers matches:
  sha256         the file's exact bytes
  c2pa_manifest  a manifest label or instance id in the file's C2PA store (only when the
                 credentials are `valid` or `trusted`: a tampered file's claims identify nothing);
                 for a sequence, every frame carrying an AI signal holds one the approval lists
  reference      a perceptual-hash hit on one of its reference images (computed by the
                 fingerprint module and passed in as `reference_hits`)
  path           a glob on the delivery-relative path
A frame sequence (`AssetAnalysis.sequence`) is matched by sha256 when the approval lists the
sequence's sha256 (the digest of its frame list) or the sha256 of every frame that carries an
AI signal, and by path when a glob matches the path of every frame (or is the sequence's path,
`shot.[1001-1048].exr`, as written) or the path of every frame that carries an AI signal: an
approval that names exactly the AI frames covers them wherever they were cut in, and one that
names some of them covers nothing.
An approval with no identifier at all but with `tools` is a blanket approval for those tools:
it covers every asset whose generator it names (`tool`). Otherwise `tools` does not decide
whether an approval matches, only whether the match is good (policy: `tool-not-approved`).

One ApprovalMatch per covering approval, with the most specific way it matched; the list is
ordered sha256 = c2pa_manifest > reference > path (narrower glob first) > tool, then register
row. Policy decides on the first.

An ApprovalIndex files the approvals under each identifier (path globs in a PatternSet), so one
asset is only compared with the approvals that can cover it: build it once per register
(`Register.index`), not per asset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from scanner.approvals.tools import tools_covered
from scanner.common import pathglob
from scanner.common.globset import Deadline, GlobHit, PatternSet
from scanner.common.manifest_ids import manifest_ids
from scanner.model import Approval, ApprovalMatch, AssetAnalysis
from scanner.model_delivery import FrameSequence

SPECIFICITY = {"sha256": 4, "c2pa_manifest": 4, "reference": 3, "path": 2, "tool": 1}
_NO_HITS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class ApprovalIndex:
    """Approvals (in register order) filed by every identifier that can make them cover an
    asset; values are positions in `approvals`."""

    approvals: tuple[Approval, ...]
    by_sha256: Mapping[str, tuple[int, ...]]
    by_manifest: Mapping[str, tuple[int, ...]]
    by_request_id: Mapping[str, tuple[int, ...]]  # approvals with a reference image
    tool_only: tuple[int, ...]  # blanket approvals for tools (no identifier)
    paths: PatternSet[int]

    @classmethod
    def of(cls, approvals: Iterable[Approval]) -> ApprovalIndex:
        listed = tuple(approvals)
        by_sha256: dict[str, list[int]] = {}
        by_manifest: dict[str, list[int]] = {}
        by_request_id: dict[str, list[int]] = {}
        for position, approval in enumerate(listed):
            for digest in approval.sha256:
                by_sha256.setdefault(digest, []).append(position)
            for wanted in approval.c2pa_manifest:
                by_manifest.setdefault(wanted, []).append(position)
            if approval.reference:
                by_request_id.setdefault(approval.request_id, []).append(position)
        return cls(
            approvals=listed,
            by_sha256=_frozen(by_sha256),
            by_manifest=_frozen(by_manifest),
            by_request_id=_frozen(by_request_id),
            tool_only=tuple(i for i, a in enumerate(listed) if a.tools and not has_identifiers(a)),
            paths=PatternSet.of((p, i) for i, a in enumerate(listed) for p in a.paths),
        )

    def candidates(
        self,
        sha256: str,
        manifest_ids: Iterable[str],
        reference_hits: Iterable[str],
        path_hits: Iterable[int],
    ) -> list[int]:
        """Positions of every approval that may cover the asset, in register order."""
        found = set(self.tool_only)
        found.update(path_hits)
        if sha256:
            found.update(self.by_sha256.get(sha256.lower(), ()))
        for wanted in manifest_ids:
            found.update(self.by_manifest.get(wanted, ()))
        for request_id in reference_hits:
            found.update(self.by_request_id.get(request_id, ()))
        return sorted(found)


def _frozen(lists: dict[str, list[int]]) -> Mapping[str, tuple[int, ...]]:
    return MappingProxyType({key: tuple(found) for key, found in lists.items()})


def match_asset(
    analysis: AssetAnalysis,
    approvals: ApprovalIndex | Iterable[Approval],
    *,
    reference_hits: Mapping[str, str] = _NO_HITS,
    deadline: Deadline | None = None,
) -> tuple[ApprovalMatch, ...]:
    """Every approval covering `analysis`, the one the decision should use first.

    Pass the register's ApprovalIndex when matching many assets (a plain list of approvals is
    indexed on every call). GlobTimeBound (scanner.errors) when matching the path globs runs
    past `deadline` (default: ten seconds from now).
    """
    index = approvals if isinstance(approvals, ApprovalIndex) else ApprovalIndex.of(approvals)
    path_hits: dict[int, list[GlobHit[int]]] = {}
    for hit in _path_matches(analysis, index.paths, deadline):
        path_hits.setdefault(hit.value, []).append(hit)  # in the order of the approval's paths
    frames = _ai_frames(analysis, index, deadline)
    for position, hits in frames.paths.items():
        path_hits.setdefault(position, hits)
    manifest_ids = _manifest_ids(analysis)
    generators = ai_generators(analysis)
    ranked: list[tuple[tuple[int, int, int], ApprovalMatch]] = []
    candidates = index.candidates(analysis.sha256, manifest_ids, reference_hits, path_hits)
    for position in sorted({*candidates, *frames.sha256}):
        approval = index.approvals[position]
        globs = path_hits.get(position, [])
        found = _best_match(approval, analysis, manifest_ids, generators, reference_hits, globs)
        if position in frames.sha256 and (found is None or found[0].matched_by != "sha256"):
            found = ApprovalMatch(approval.request_id, "sha256", frames.detail), 0
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
    globs: Sequence[GlobHit[int]],
) -> tuple[ApprovalMatch, int] | None:
    """`globs`: the approval's path patterns that match the asset's path."""
    rid = approval.request_id
    if analysis.sha256 and analysis.sha256.lower() in approval.sha256:
        return ApprovalMatch(rid, "sha256", f"{analysis.sha256[:16]}…"), 0
    for wanted in approval.c2pa_manifest:
        if wanted in manifest_ids and (
            analysis.sequence is None or _every_ai_frame_holds(approval, analysis.sequence)
        ):
            return ApprovalMatch(rid, "c2pa_manifest", f"{manifest_ids[wanted]} {wanted}"), 0
    if approval.reference and rid in reference_hits:
        return ApprovalMatch(rid, "reference", reference_hits[rid]), 0
    if globs:
        narrowest = max(globs, key=lambda hit: hit.specificity)  # the first of the narrowest
        return ApprovalMatch(rid, "path", narrowest.pattern), narrowest.specificity
    if approval.tools and not has_identifiers(approval):
        covered = tools_covered(approval.tools, generators)
        if covered:
            return ApprovalMatch(rid, "tool", covered[0]), 0
    return None


def _path_matches(
    analysis: AssetAnalysis, paths: PatternSet[int], deadline: Deadline | None
) -> list[GlobHit[int]]:
    """The globs matching the asset's path. A sequence's path (`shot.[1001-1048].exr`) names
    frames by its first and last numbers: a glob covers the sequence when it matches the path
    of every frame (or is that path itself, as the report writes it), never by matching the
    numbers in its name (`*1001*` names one frame, not the shot)."""
    sequence = analysis.sequence
    if sequence is None:
        return paths.matching(analysis.path, deadline)
    literal = [GlobHit(*entry) for entry in paths.entries if entry[0] == analysis.path]
    frames = sequence.frames
    # the first frame against the whole set, the others only against what still matches
    every = paths.matching(sequence.frame_path(frames[0].number), deadline) if frames else []
    deadline = deadline or Deadline.after()
    for frame in frames[1:]:
        if not every:
            break
        path = sequence.frame_path(frame.number)
        deadline.check(path)
        still = {p for p in {hit.pattern for hit in every} if pathglob.compiled(p).matches(path)}
        every = [hit for hit in every if hit.pattern in still]
    order = {(pattern, value): i for i, (pattern, value, _) in enumerate(paths.entries)}
    return sorted({*literal, *every}, key=lambda hit: order[hit.pattern, hit.value])


@dataclass(frozen=True)
class _FrameCover:
    """Approvals covering every AI frame of a sequence: by frame sha256, by frame path glob."""

    sha256: frozenset[int] = frozenset()
    paths: Mapping[int, list[GlobHit[int]]] = field(default_factory=dict)
    detail: str = ""


def _ai_frames(
    analysis: AssetAnalysis, index: ApprovalIndex, deadline: Deadline | None
) -> _FrameCover:
    sequence = analysis.sequence
    if sequence is None or not sequence.ai_frames:
        return _FrameCover()
    wanted = set(sequence.ai_frames)
    frames = [f for f in sequence.frames if f.number in wanted]
    if not frames:
        return _FrameCover()
    by_sha: set[int] | None = None
    by_path: dict[int, list[GlobHit[int]]] | None = None
    for frame in frames:
        listing = set(index.by_sha256.get(frame.sha256.lower(), ()))
        by_sha = listing if by_sha is None else by_sha & listing
        if by_path is None or by_path:
            found: dict[int, list[GlobHit[int]]] = {}
            for hit in index.paths.matching(sequence.frame_path(frame.number), deadline):
                found.setdefault(hit.value, []).append(hit)
            by_path = found if by_path is None else {p: by_path[p] for p in by_path if p in found}
        if not by_sha and not by_path:
            return _FrameCover()
    shown = ", ".join(str(f.number) for f in frames[:5]) + (", …" if len(frames) > 5 else "")
    detail = f"the sha256 of every AI frame ({shown})"
    return _FrameCover(frozenset(by_sha or ()), MappingProxyType(by_path or {}), detail)


def has_identifiers(approval: Approval) -> bool:
    return bool(approval.paths or approval.sha256 or approval.c2pa_manifest or approval.reference)


def _manifest_ids(analysis: AssetAnalysis) -> dict[str, str]:
    """Manifest labels and instance ids of a file whose credentials hold, -> what each is. A
    sequence's: its AI frames' (`FrameSequence.manifests`); an approval covers it only when
    every AI frame holds one it lists (`_every_ai_frame_holds`)."""
    if analysis.sequence is not None:
        held = (i for frame in analysis.sequence.manifests for i in frame.ids)
        return {wanted: "a manifest of every AI frame" for wanted in held}
    return manifest_ids(analysis.c2pa) if analysis.c2pa is not None else {}


def _every_ai_frame_holds(approval: Approval, sequence: FrameSequence) -> bool:
    wanted = set(approval.c2pa_manifest)
    held = {frame.frame: set(frame.ids) for frame in sequence.manifests}
    return bool(sequence.ai_frames) and all(
        held.get(number, set()) & wanted for number in sequence.ai_frames
    )


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
