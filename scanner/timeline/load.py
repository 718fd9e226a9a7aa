"""Reading the gatekeeper's timelines and the delivery's IMF packages in bounded workers.

A timeline file (`--timeline`, the policy's `timelines`) is the gatekeeper's, like the policy
and the register: it is read through `read_config_file` (never through a symlink leaving its
folder, never a FIFO, bounded) and refused inside the delivery unless the delivery's own
policy named it (`--policy-from-delivery`). Its bytes go to a worker process of the scan's
kind (`scanner.engine.workers`: time and memory bounded, a crash costs that read only); a
timeline that cannot be read stops the scan before anything is analysed (TimelineError,
exit 2), naming the file and line.

IMF packages are the delivery's own files: each ASSETMAP found in the delivery's listing is
read in a worker too (`scanner.timeline.imf`); what goes wrong is a problem of that package,
reported with it, never a stop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from scanner.common.config_files import ConfigFileError, read_config_file
from scanner.common.paths import is_within
from scanner.discover.exclude import Exclusions
from scanner.discover.media import MediaFile
from scanner.discover.walk import list_paths
from scanner.engine.bounds import Limits
from scanner.engine.workers import WorkerPool
from scanner.errors import TimelineError
from scanner.timeline.assets import AssetIndex
from scanner.timeline.cut import Cut
from scanner.timeline.imf import PackageRead, is_assetmap, package_failed, package_task
from scanner.timeline.model import ParsedTimeline, TimelineSource
from scanner.timeline.read import MAX_AAF_BYTES, ReadRequest, read_failed, read_task

MAX_TIMELINES = 100
R = TypeVar("R")


def read_sources(
    sources: Sequence[TimelineSource],
    delivery: Path,
    *,
    jobs: int = 1,
    limits: Limits | None = None,
) -> tuple[ParsedTimeline, ...]:
    """Every timeline read, in the order given; TimelineError for the first that cannot be."""
    if len(sources) > MAX_TIMELINES:
        raise TimelineError(
            sources[MAX_TIMELINES].path, None, f"more than {MAX_TIMELINES} timelines"
        )
    requests = tuple(_request(source, delivery) for source in sources)
    if not requests:
        return ()
    medias = [
        MediaFile(
            Path(r.source), str(i), "application/octet-stream", "TIMELINE", "other", len(r.data)
        )
        for i, r in enumerate(requests)
    ]
    results = run_tasks(read_task, read_failed, medias, requests, jobs=jobs, limits=limits)
    timelines = []
    for request, result in zip(requests, results, strict=True):
        if result.timeline is None:
            raise TimelineError(request.source, result.line or None, result.problem)
        timelines.append(result.timeline)
    return tuple(timelines)


def _request(source: TimelineSource, delivery: Path) -> ReadRequest:
    path = Path(source.path)
    if source.origin != "delivery" and is_within(path, delivery):
        raise TimelineError(
            str(path),
            None,
            "the timeline is inside the delivery: a delivery cannot say what its own cut is "
            "(keep the gatekeeper's copy outside it, or honour the delivery's own policy with "
            "--policy-from-delivery)",
        )
    try:
        data = read_config_file(path, what="timeline", max_bytes=MAX_AAF_BYTES)
    except ConfigFileError as exc:
        raise TimelineError(str(path), None, f"the timeline {exc.reason}") from exc
    return ReadRequest(str(path), data, source.rate, source.rate_from, source.origin)


def prepare_cut(
    root: Path,
    timelines: Sequence[ParsedTimeline],
    *,
    follow_links: bool = False,
    sequences: bool = False,
    exclusions: Exclusions | None = None,
    jobs: int = 1,
    limits: Limits | None = None,
) -> Cut:
    """List the delivery (names only), read its IMF packages, resolve every clip: the cut,
    before the first asset is analysed. The list of paths is kept only when there are
    editorial timelines to resolve (compositions name their track files through the map)."""
    paths: dict[str, tuple[int, ...] | None] = {}
    assetmaps: list[str] = []
    # sequences grouped only for timelines: an ASSETMAP is never a frame
    grouped = sequences and bool(timelines)
    listed = list_paths(root, follow_links=follow_links, sequences=grouped, exclusions=exclusions)
    for path, frames in listed:
        if is_assetmap(path):
            assetmaps.append(path)
        if timelines:
            paths[path] = frames
    packages = read_packages(root, assetmaps, jobs=jobs, limits=limits)
    return Cut.build(timelines, packages, AssetIndex(paths))


def read_packages(
    root: Path, assetmaps: Sequence[str], *, jobs: int = 1, limits: Limits | None = None
) -> list[PackageRead]:
    """Each ASSETMAP (delivery-relative) read with its package, in the order given."""
    medias = [
        MediaFile(Path(root) / rel, rel, "application/xml", "IMF", "other", 0) for rel in assetmaps
    ]
    return run_tasks(package_task, package_failed, medias, None, jobs=jobs, limits=limits)


def run_tasks(
    task: Callable[[MediaFile, Any], R],
    failed: Callable[[MediaFile, str], R],
    medias: Sequence[MediaFile],
    options: Any,
    *,
    jobs: int,
    limits: Limits | None,
) -> list[R]:
    """`task(media, options)` for each media in bounded workers; results in the given order."""
    if not medias:
        return []
    pool: WorkerPool[R] = WorkerPool(
        task, options, size=max(1, min(jobs, len(medias))), limits=limits or Limits(), failed=failed
    )
    results: dict[int, R] = {}
    try:
        for index, media in enumerate(medias):
            pool.submit(index, media)
        while len(results) < len(medias):
            for index, result in pool.collect(timeout=1.0):
                results[index] = result
    finally:
        pool.close()
    return [results[i] for i in range(len(medias))]
