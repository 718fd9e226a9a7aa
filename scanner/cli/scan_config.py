"""The scan's configuration from `provscan scan`'s options: register, policy, libraries,
bounds, cache; everything checked before anything is scanned (a bad one is exit 2)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scanner.errors import ConfigError

if TYPE_CHECKING:
    from scanner.approvals import Register
    from scanner.engine.bounds import Limits
    from scanner.engine.cluster.connect import ClusterBackend
    from scanner.engine.cluster.settings import ClusterSettings
    from scanner.fingerprint.library import Library
    from scanner.model import TrustListInfo
    from scanner.policy.areas import Policy
    from scanner.policy.waiver_file import WaiverFile
    from scanner.scan import ScanConfig
    from scanner.timeline.model import ParsedTimeline, TimelineSource


@dataclass(frozen=True)
class Rules:
    """What is read and checked first, before anything is written: the register, the policy
    and where the cache will be."""

    register: Register | None
    policy: Policy
    cache_file: Path | None
    delivery: Path
    cluster: ClusterSettings | None = None  # --cluster, PROVSCAN_CLUSTER or the user config
    timelines: tuple[TimelineSource, ...] = ()  # the policy's and --timeline's, not yet read
    waivers: WaiverFile | None = None


def cache_file_of(options: dict[str, Any]) -> Path | None:
    """The cache file the scan will use (--cache, else the user's default), None with
    --no-cache."""
    from scanner.engine.cache import default_cache_path

    if options["no_cache"]:
        return None
    given: Path | None = options["cache_path"]
    return given or default_cache_path()


def load_rules(delivery: Path, options: dict[str, Any]) -> Rules:
    from scanner.approvals import load_register
    from scanner.engine.cluster.settings import cluster_settings
    from scanner.policy.load import load_policy

    approvals_file: Path | None = options["approvals_file"]
    register = load_register(approvals_file) if approvals_file else None
    policy = load_policy(
        delivery, options["policy_file"], from_delivery=options["policy_from_delivery"]
    )
    cache_file = cache_file_of(options)
    if cache_file is not None:
        _refuse_cache_inside(delivery, cache_file, given=options["cache_path"] is not None)
    cluster = cluster_settings(
        options["cluster"], options["path_maps"], disabled=options["no_cluster"]
    )
    return Rules(
        register,
        policy,
        cache_file,
        delivery,
        cluster,
        _timeline_sources(policy, options),
        _load_waivers(delivery, policy, options),
    )


def _timeline_sources(policy: Policy, options: dict[str, Any]) -> tuple[TimelineSource, ...]:
    """The policy's timelines, then --timeline's; --timeline-rate for any without a rate."""
    import dataclasses

    from scanner.timeline.model import TimelineSource

    rate = options["timeline_rate"]
    sources = [
        t
        if t.rate is not None or rate is None
        else dataclasses.replace(t, rate=rate, rate_from="option")
        for t in policy.timelines
    ]
    sources += [
        TimelineSource(str(path), rate, "option" if rate else "", "option")
        for path in options["timeline_files"]
    ]
    return tuple(sources)


def _load_waivers(delivery: Path, policy: Policy, options: dict[str, Any]) -> WaiverFile | None:
    from scanner.policy.waiver_file import load_waivers

    waivers_file: Path | None = options.get("waivers_file")
    if waivers_file is None:
        return None
    return load_waivers(waivers_file, waivable=policy.waivable, delivery=delivery)


def build_config(rules: Rules, options: dict[str, Any]) -> ScanConfig:
    """The rest: timelines read, the cluster connected and checked, reference libraries
    fingerprinted (may take minutes; on the cluster when there is one), bounds, trust anchors.
    The caller closes `backend` when the scan is done."""
    from scanner.timeline.load import read_sources

    workers: int = options["jobs"] or os.cpu_count() or 1
    limits = _limits(options["time_bound"], options["memory_bound"])
    # a timeline that cannot be read: exit 2 before the slow work
    timelines = read_sources(rules.timelines, rules.delivery, jobs=workers, limits=limits)
    backend = _connect(rules)
    try:
        return _with_references(rules, options, workers, limits, backend, timelines)
    except BaseException:
        if backend is not None:
            backend.close()
        raise


def _connect(rules: Rules) -> ClusterBackend | None:
    """The checked cluster connection (the caller closes it: `ScanConfig.backend`)."""
    if rules.cluster is None:
        return None
    from scanner.engine.cluster.connect import connect

    return connect(rules.cluster, str(rules.delivery))


def _with_references(
    rules: Rules,
    options: dict[str, Any],
    workers: int,
    limits: Limits | None,
    backend: ClusterBackend | None,
    timelines: tuple[ParsedTimeline, ...],
) -> ScanConfig:
    from scanner.scan import ScanConfig

    for name in ("known_ai", "archive_source"):
        if options[name] is not None and options["no_fingerprints"]:
            # the library is matched by fingerprints: without them it would check nothing
            flag = "--" + name.replace("_", "-")
            raise click.UsageError(f"{flag} compares fingerprints: drop --no-fingerprints")
    register = rules.register
    references = None
    if register is not None and any(a.reference for a in register.approvals):
        from scanner.engine.libraries import load_references  # picture code: only when needed

        # a bad reference image is a register error: exit 2 before anything is scanned
        references = load_references(register, jobs=workers, limits=limits, backend=backend)
    libraries = {
        name: _load_library(folder, name, workers, limits, options["quiet"], backend)
        for name, folder in (
            ("--known-ai", options["known_ai"]),
            ("--archive-source", options["archive_source"]),
        )
        if folder is not None
    }
    trust_anchors: Path | None = options["trust_anchors"]
    trust_pem, trust_lists = _trust(options["trust_lists"], trust_anchors)
    return ScanConfig(
        policy=rules.policy,
        as_of=options["as_of"] or date.today(),
        register=register,
        trust_anchors_pem=trust_pem,
        trust_lists=trust_lists,
        follow_links=options["follow_links"],
        fingerprints=not options["no_fingerprints"],
        known_ai=libraries.get("--known-ai"),
        archive_source=libraries.get("--archive-source"),
        references=references,
        jobs=workers,
        cache_path=rules.cache_file,
        limits=limits,
        backend=backend,
        timelines=timelines,
        scanned_at=scanned_at_from_environment(),
        waivers=rules.waivers,
        sequences=not options["no_sequences"],
        exclude=_exclude_globs(options["exclude"]),
    )


# The reproducible-builds convention: a fixed time, in seconds since 1970 UTC, to use instead of
# the clock. `make demo` sets it, so the committed sample reports are reproduced byte for byte.
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"


def scanned_at_from_environment() -> datetime | None:
    """The scan time SOURCE_DATE_EPOCH fixes, or None (now). ConfigError when malformed."""
    raw = os.environ.get(SOURCE_DATE_EPOCH, "").strip()
    if not raw:
        return None
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise ConfigError(
            f"{SOURCE_DATE_EPOCH}={raw!r}: give whole seconds since 1970-01-01 UTC"
        ) from exc


def _exclude_globs(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """--exclude globs, cleaned (`dir/` is `dir/**`); a bad one is a usage error (exit 2)."""
    from scanner.common import pathglob

    cleaned = []
    for raw in patterns:
        pattern = pathglob.clean(raw)
        problem = pathglob.problem_with(pattern)
        if problem:
            raise ConfigError(f"--exclude {raw!r}: {problem}")
        cleaned.append(pattern)
    return tuple(cleaned)


def _limits(time_bound: float | None, memory_bound: int | None) -> Limits | None:
    from scanner.engine.bounds import Limits

    if time_bound is None and memory_bound is None:
        return None
    default = Limits()
    return Limits(
        time_s=time_bound if time_bound is not None else default.time_s,
        time_per_gib_s=0.0 if time_bound is not None else default.time_per_gib_s,
        memory_bytes=memory_bound * 1024 * 1024 if memory_bound else default.memory_bytes,
    )


def _load_library(
    folder: Path,
    option: str,
    jobs: int,
    limits: Limits | None,
    quiet: bool,
    backend: ClusterBackend | None = None,
) -> Library:
    from scanner.common.safetext import terminal_safe
    from scanner.engine.libraries import build_library

    library = build_library(folder, jobs=jobs, limits=limits, backend=backend)
    if not quiet:
        click.echo(
            f"{option} {terminal_safe(str(folder))}: {library.files} media files, "
            f"{len(library.items)} fingerprints",
            err=True,
        )
        for path, problem in library.problems:
            click.echo(
                f"  {option} {terminal_safe(path)}: {terminal_safe(problem.message)}", err=True
            )
    return library


def _refuse_cache_inside(delivery: Path, cache_file: Path, *, given: bool) -> None:
    from scanner.common.paths import is_within

    if not is_within(cache_file, delivery):
        return
    where = "" if given else " (the default, from XDG_CACHE_HOME or the user's cache folder)"
    raise ConfigError(
        f"cache file {cache_file}{where} is inside the delivery: provscan never writes there; "
        "give --cache PATH outside it, or --no-cache"
    )


def _trust(
    values: tuple[str, ...], anchors_file: Path | None
) -> tuple[str, tuple[TrustListInfo, ...]]:
    """The PEM anchors the C2PA reader gets (the lists, then --trust-anchors) and what the
    report says about the lists."""
    from scanner.extract.c2pa_trust import combined_pem, is_stale, load_trust_lists
    from scanner.model import TrustListInfo

    lists = load_trust_lists(values)
    today = date.today()
    infos = tuple(
        TrustListInfo(t.name, t.source, t.issued, len(t.anchors), is_stale(t, today)) for t in lists
    )
    extra = _read_pem(anchors_file) if anchors_file else ""
    return combined_pem(lists, extra), infos


def _read_pem(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ConfigError(f"{path}: no PEM certificate found")
    return text
