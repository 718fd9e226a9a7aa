"""A whole scan: walk the delivery, analyse each asset, apply register and policy.

The library entry point (`scan_delivery`); the CLI is a thin layer over it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scanner import __version__
from scanner.approvals import ApprovalIndex, Register, match_asset
from scanner.approvals.path_check import PathTally, delivery_name
from scanner.common.globset import DEFAULT_MATCH_SECONDS, Deadline
from scanner.discover.exclude import Exclusions
from scanner.discover.walk import count_items, walk
from scanner.discover.walk_one import walk_one
from scanner.engine.analyse_options import AnalyseOptions
from scanner.engine.analysis_task import analyse
from scanner.engine.backend import Backend
from scanner.engine.bounds import Limits
from scanner.engine.cache import opened as cache_opened
from scanner.engine.feed import DeliveryFeed
from scanner.engine.runner import KnownMedia, run_analyses
from scanner.engine.sequence_cache import SequenceCache
from scanner.engine.worker_start import start_early
from scanner.errors import ConfigError, GlobTimeBound
from scanner.extract.formats import limit_reached
from scanner.extract.interface import ExtractOptions
from scanner.model import (
    Approval,
    AssetAnalysis,
    AssetResult,
    Problem,
    ScanResult,
    ToolInfo,
    TrustListInfo,
)
from scanner.policy.areas import Policy, area_for
from scanner.policy.cut_rules import area_in_cut
from scanner.policy.decide import decide
from scanner.policy.gate import cut_statuses, gate_code, unread_skips, unused_approvals
from scanner.policy.waiver_file import WaiverFile
from scanner.policy.waivers import WaiverSet
from scanner.report.spool import AssetSpool, tally
from scanner.rules.assess import assess
from scanner.rules.catalog import CATALOG_VERSION
from scanner.timeline.cut import Cut
from scanner.timeline.cut_report import reports as cut_reports
from scanner.timeline.load import prepare_cut
from scanner.timeline.model import ParsedTimeline

if TYPE_CHECKING:  # imported where used: the scanning process needs no picture code
    from scanner.fingerprint.library import KnownAiHit, Library
    from scanner.fingerprint.references import References

ProgressCallback = Callable[[int, int, str], None]  # done, total, path


@dataclass(frozen=True)
class ScanConfig:
    """Everything a scan needs besides the delivery itself. Built by the CLI or a caller."""

    policy: Policy
    as_of: date
    register: Register | None = None
    trust_anchors_pem: str = ""  # every C2PA trust anchor: the lists' and --trust-anchors'
    trust_lists: tuple[TrustListInfo, ...] = ()  # what the report says about the lists
    follow_links: bool = False
    fingerprints: bool = True
    known_ai: Library | None = None
    archive_source: Library | None = None
    references: References | None = None  # the register's reference images, fingerprinted
    jobs: int = 1
    cache_path: Path | None = None
    limits: Limits | None = None  # per-asset time/memory bounds (None: the defaults)
    # Bound on matching one asset's path against the policy's and register's globs; past it
    # the asset is not-inspected (a glob a register can hold is linear, so this is a backstop).
    match_seconds: float = DEFAULT_MATCH_SECONDS
    # Where the cache misses are analysed: None for this machine's workers, or a connected
    # Dask cluster (scanner.engine.cluster); the caller opens and closes it.
    backend: Backend | None = None
    # The gatekeeper's editorial timelines, read (scanner.timeline.load.read_sources); the
    # delivery's IMF compositions are found by the scan itself.
    timelines: tuple[ParsedTimeline, ...] = ()
    # The time the report records as "scanned_at" (None: now). Fixed only to reproduce a
    # report byte for byte (the CLI takes it from SOURCE_DATE_EPOCH).
    scanned_at: datetime | None = None
    waivers: WaiverFile | None = None  # reviewers' decisions on review/error findings
    sequences: bool = True  # a folder's frames as one asset (False: --no-sequences)
    exclude: tuple[str, ...] = ()  # --exclude globs (the policy's own `exclude` adds to them)

    @property
    def exclusions(self) -> Exclusions:
        patterns = [(p, "--exclude") for p in self.exclude]
        patterns += [(p, "the policy's exclude") for p in self.policy.exclude]
        return Exclusions.of(patterns)


def tool_info(cluster: str = "") -> ToolInfo:
    import c2pa

    try:
        c2pa_version = c2pa.sdk_version()
    except Exception:  # noqa: BLE001 - the version string is informational only
        c2pa_version = ""
    return ToolInfo("provscan", __version__, CATALOG_VERSION, c2pa_version, cluster)


def analyse_options(config: ScanConfig) -> AnalyseOptions:
    return AnalyseOptions(
        extract=ExtractOptions(trust_anchors_pem=config.trust_anchors_pem),
        fingerprints=config.fingerprints,
    )


def scan_delivery(
    root: Path,
    config: ScanConfig,
    progress: ProgressCallback | None = None,
    *,
    only: Path | None = None,
) -> ScanResult:
    """Scan and judge the delivery, or with `only` one file of it (its path, area and register
    matches as in a scan of the whole delivery). The results are spooled to a private temporary
    file as they arrive (memory does not grow with the file count): use the result in a `with`
    block, or `close()` it, to free that file."""
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"delivery is not a folder: {root}")
    if only is not None:
        _check_inside(only, root)
    when = config.scanned_at or datetime.now(UTC)
    scanned_at = when.astimezone(UTC).replace(microsecond=0).isoformat()
    spool = AssetSpool(outside=root)
    try:
        return _scan_into(spool, root, scanned_at, config, progress, only)
    except BaseException:
        spool.close()
        raise


def _check_inside(file: Path, root: Path) -> None:
    """`file` is a path below `root`, as written (links are not resolved: the walk does not
    follow them either)."""
    file_parts = Path(os.path.abspath(file)).parts
    root_parts = Path(os.path.abspath(root)).parts
    if len(file_parts) <= len(root_parts) or file_parts[: len(root_parts)] != root_parts:
        raise ConfigError(f"{file} is not a file inside the delivery folder {root}")


def _scan_into(
    spool: AssetSpool,
    root: Path,
    scanned_at: str,
    config: ScanConfig,
    progress: ProgressCallback | None,
    only: Path | None,
) -> ScanResult:
    exclusions = config.exclusions
    if config.backend is None:
        # (the CLI did already) the readers import while the walk gets going
        start_early(config.cache_path)
    cut = prepare_cut(
        root,
        config.timelines,
        follow_links=config.follow_links,
        sequences=config.sequences,
        exclusions=exclusions,
        jobs=config.jobs,
        limits=config.limits,
    )
    if config.policy.final_cut and not cut.timelines:
        raise ConfigError(
            'the policy makes the cut final (final = "cut"), but there is no cut: give '
            "--timeline FILE (or timelines = [...] in the policy); the delivery holds no IMF "
            "composition"
        )
    # The total for progress: every item the walk will yield, counted by listing the folders
    # first (no file is opened or stat'ed; 5,000 stills in 5 folders: a few milliseconds).
    total = 0
    if progress is not None:
        total = (
            1
            if only is not None
            else count_items(
                root,
                follow_links=config.follow_links,
                sequences=config.sequences,
                exclusions=exclusions,
            )
        )
    approvals = config.register.approvals if config.register else ()
    index = config.register.index if config.register else ApprovalIndex.of(())
    approvals_by_id = {a.request_id: a for a in approvals}
    matched: set[str] = set()  # the request ids some asset matched
    paths_seen = PathTally(approvals)  # which register path patterns some asset matched
    waivers = _waiver_set(config)
    extras = _Extras(cut, paths_seen, waivers)
    options = analyse_options(config)
    with cache_opened(config.cache_path) as cache:  # one connection: the walk's and the analysis'
        known = KnownMedia(cache, options, analyse)
        known_sequences = SequenceCache(cache, options, analyse)
        items = (
            walk_one(root, only, follow_links=config.follow_links, known=known)
            if only is not None
            else walk(
                root,
                follow_links=config.follow_links,
                known=known,
                sequences=config.sequences,
                exclusions=exclusions,
                manifests=True,
                known_sequence=known_sequences if known_sequences.enabled else None,
            )
        )
        delivery = DeliveryFeed(
            items, fingerprints=config.fingerprints, sequence_cache=known_sequences
        )
        analyses = run_analyses(
            delivery.media(),
            options,
            jobs=config.jobs,
            cache=cache,
            analyse=analyse,
            limits=config.limits,
            backend=config.backend,
        )
        # closing(): the runner's pool stops and its last results are stored before the cache
        # closes, also when judging an asset raises
        with closing(analyses):
            for analysis in delivery.assets(analyses):
                _judge_into(spool, matched, analysis, config, index, approvals_by_id, extras)
                if progress is not None:
                    done = len(spool) + delivery.skipped_count  # skipped: walked, so done
                    progress(done, max(total, done), analysis.path)
    # The walk yields skipped paths in report order too, but a folder it could not list comes
    # where its contents would ("a/" sorts after "a-b"): sort them by the path they show.
    skipped = sorted(delivery.skipped, key=lambda item: item.path)
    timelines, packages = cut_reports(cut, skipped)

    return ScanResult(
        delivery=str(root),
        scanned_at=scanned_at,
        as_of=config.as_of.isoformat(),
        tool=tool_info(config.backend.description if config.backend else ""),
        assets=spool,
        skipped=tuple(skipped),
        unused_approvals=unused_approvals(approvals, matched),
        register=config.register.file if config.register else "",
        policy=config.policy.source,
        policy_origin=config.policy.origin,
        trust_lists=config.trust_lists,
        timelines=timelines,
        packages=packages,
        register_warnings=paths_seen.warnings(delivery_name(root)),
        waivers=waivers.file if waivers else "",
        unused_waivers=waivers.unused if waivers else (),
        expired_waivers=waivers.expired if waivers else (),
        manifests=tuple(delivery.manifests),
    )


def _waiver_set(config: ScanConfig) -> WaiverSet | None:
    if config.waivers is None:
        return None
    return WaiverSet(
        config.waivers.file,
        config.waivers.waivers,
        as_of=config.as_of,
        waivable=config.policy.waivable,
    )


@dataclass(frozen=True)
class _Extras:
    cut: Cut  # the timelines and compositions: where each asset plays
    paths_seen: PathTally  # the register path patterns some asset matched (for the warnings)
    waivers: WaiverSet | None  # reviewers' decisions, and which were used


def _judge_into(
    spool: AssetSpool,
    matched: set[str],
    analysis: AssetAnalysis,
    config: ScanConfig,
    index: ApprovalIndex,
    approvals_by_id: dict[str, Approval],
    extras: _Extras,
) -> None:
    """Library matches, area, archival check, register matches, where it plays in the cut,
    the policy decision and the waivers for one asset; the result goes to the spool (and the
    cut), its approval matches to `matched`."""
    analysis, known_ai = _with_library_matches(analysis, config)
    deadline = Deadline.after(config.match_seconds)  # one bound for all its glob matching
    try:
        area = area_for(analysis.path, config.policy, deadline)
        hits = _reference_hits(analysis, config)
        matches = match_asset(analysis, index, reference_hits=hits, deadline=deadline)
    except GlobTimeBound as exc:
        # Which area and approval apply is unknown: judged as final, uncovered, not-inspected.
        problem = Problem("policy", limit_reached(str(exc)), incomplete=True)
        analysis = dataclasses.replace(analysis, problems=(*analysis.problems, problem))
        area, matches = "final", ()
    uses = extras.cut.cut_uses(analysis, known_ai)
    area = area_in_cut(area, uses, config.policy.final_cut)
    with suppress(GlobTimeBound):  # past the bound only the register's warnings miss a path
        extras.paths_seen.see(analysis.path, deadline)
    archival = None
    if area == "archival" and config.archive_source is not None:
        from scanner.fingerprint.archive import verify_archival

        archival = verify_archival(analysis.fingerprints, config.archive_source)
    finding = decide(
        analysis,
        area=area,
        matches=matches,
        approvals_by_id=approvals_by_id,
        as_of=config.as_of,
        archival=archival,
        overrides=config.policy.overrides,
        cut=uses,
        final_cut=config.policy.final_cut,
        package_mismatch=extras.cut.package_mismatch(analysis),
    )
    if extras.waivers is not None:
        finding = extras.waivers.apply(finding, analysis, config.policy.overrides)
    result = AssetResult(analysis, finding)
    spool.append(result)
    extras.cut.record(result)
    matched.update(match.request_id for match in finding.matches)


def gate(result: ScanResult, *, strict: bool = False) -> int:
    """The exit code (DESIGN): a path whose content was not read (a folder that could not be
    listed, a file the delivery's checksum manifest lists but the delivery lacks, a symlink
    not followed: `UNREAD_SKIPS`) counts as an unreadable asset; a scan that
    found no media at all is incomplete, never a pass; and the cut adds its own statuses (a
    timeline not wholly read, media it lacks)."""
    counts = tally(result.assets)
    unread = unread_skips(s.reason for s in result.skipped)
    return gate_code(
        counts.by_status,
        assets=counts.assets,
        unread=sum(unread.values()),
        strict=strict,
        extra=cut_statuses(result.timelines, result.packages),
    )


def _with_library_matches(
    analysis: AssetAnalysis, config: ScanConfig
) -> tuple[AssetAnalysis, tuple[KnownAiHit, ...]]:
    """Add known-AI fingerprint hits as evidence and signals, and re-assess; the hits too
    (a hit inside a video is placed on the cut's record timecode). A sequence's sampled
    frames are matched as a video's (the frame numbers named), and the frames that match join
    its AI frames."""
    if config.known_ai is None or not analysis.fingerprints:
        return analysis, ()
    from scanner.fingerprint.library import hits_as_evidence, match_known_ai

    sequence = analysis.sequence
    kind = "video" if sequence is not None else analysis.kind
    hits = match_known_ai(analysis.fingerprints, config.known_ai, kind=kind)
    if not hits:
        return analysis, ()
    evidence, signals = hits_as_evidence(hits)
    all_signals = analysis.assessment.signals + tuple(signals)
    assessment = assess(all_signals, analysis.c2pa)
    if sequence is not None:
        found = {h.frame for h in hits if h.frame is not None}
        frames = tuple(sorted(set(sequence.ai_frames) | found))
        sequence = dataclasses.replace(sequence, ai_frames=frames)  # no manifests for new ones
        # assess() sees every frame's signals at once: the frames' own verdict stands, and the
        # matches add theirs (most sampled frames match: generated; some: cut into the shot)
        matched = "generated" if any(h.meaning == "ai-generated" for h in hits) else "composite"
        ai = min(analysis.assessment.ai, matched, key=("generated", "composite", "none").index)
        credentials = analysis.assessment.credentials  # the weakest frame's, not the shown one's
        assessment = dataclasses.replace(assessment, ai=ai, credentials=credentials)
    return dataclasses.replace(
        analysis, evidence=analysis.evidence + tuple(evidence), assessment=assessment,
        sequence=sequence,
    ), hits  # fmt: skip


def _reference_hits(analysis: AssetAnalysis, config: ScanConfig) -> dict[str, str]:
    if config.references is None or not analysis.fingerprints:
        return {}
    from scanner.fingerprint.references import reference_hits

    return reference_hits(analysis.fingerprints, config.references)
