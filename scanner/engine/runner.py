"""Runs the per-file analysis over many files: cache first, worker processes for the rest.

Results come out in the order the files went in, whatever the scheduling, and no more than
`window` files are in flight (looked up, queued, running or finished but waiting for an
earlier one), so memory stays flat however many files the delivery holds. A cache hit costs a
`stat` and a query; only misses reach the workers (see `scanner.engine.workers` for the bounds).
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from scanner.discover.media import MediaFile
from scanner.discover.sniff import UNKNOWN_FORMAT, UNKNOWN_MEDIA_TYPE, sniff
from scanner.discover.walk import read_head
from scanner.engine.backend import Backend, Pool
from scanner.engine.bounds import Limits, failed_analysis
from scanner.engine.cache import CacheStats, FileIdentity, ResultCache, Unusable, result_scope
from scanner.engine.report_caps import approx_bytes
from scanner.engine.workers import PoolStats, WorkerPool
from scanner.model import AssetAnalysis

Analyse = Callable[[MediaFile, Any], AssetAnalysis]

LOOKUP_BATCH = 64  # files stat'ed and looked up per cache round trip
STORE_BATCH = 128  # results written per cache transaction
WINDOW_PER_JOB = 64
MIN_WINDOW = 128
# Results finished but waiting for an earlier, slower one (or for the cache's next write) are
# held in this process: past this many bytes (estimated) no new file is handed out, so the
# workers wait instead of this process growing.
MAX_HELD_BYTES = 64 * 1024 * 1024


@dataclass
class RunStats:
    """What a run did, for tests, the benchmark and progress reports."""

    files: int = 0
    from_cache: int = 0
    analysed: int = 0  # handed to a worker (or run in-process)
    most_in_flight: int = 0  # the most files held at once (bounded by the window)
    most_held_bytes: int = 0  # the most result bytes (estimated) held at once
    cache: CacheStats = field(default_factory=CacheStats)
    pool: PoolStats = field(default_factory=PoolStats)


def run_analyses(
    medias: Iterable[MediaFile],
    options: Any,
    *,
    jobs: int,
    cache: ResultCache | None,
    analyse: Analyse,
    limits: Limits | None = None,
    stats: RunStats | None = None,
    in_process: bool = False,
    window: int | None = None,
    backend: Backend | None = None,
) -> Generator[AssetAnalysis, None, None]:
    """Yield one analysis per media file, in the order given. `medias` is read lazily, no more
    than `window` files ahead of the results.

    `jobs` worker processes (at least one, even for jobs=1, so the per-asset bounds hold);
    `in_process=True` runs `analyse` in this process without bounds (profiling, debugging).
    `cache`: an open ResultCache (the caller opens and closes it, so the walk can share it),
    None for no cache. `analyse` must be a module-level function (it is sent to the workers by
    reference). `backend`: run the misses there instead (a Dask cluster: `engine.cluster`),
    under the same bounds; the cache, the window and the order stay here.
    """
    stats = stats if stats is not None else RunStats()
    limits = limits or Limits()
    # Enough handed out to keep every worker busy (one running, one ready, one to spare).
    ahead = backend.capacity if backend is not None else 3 * max(jobs, 1)
    window = window or max(MIN_WINDOW, WINDOW_PER_JOB * max(jobs, 1), 2 * ahead)
    if cache is not None:
        stats.cache = cache.stats
    scope = scope_for(options, analyse) if cache is not None and cache.enabled else ""

    pool: Pool[AssetAnalysis] | None = None
    entries: deque[_Entry] = deque()  # in input order
    unsent: deque[tuple[int, _Entry]] = deque()  # looked up, missed, not yet handed out
    waiting: dict[int, _Entry] = {}  # by input index, the ones a worker has
    to_store: list[tuple[FileIdentity, AssetAnalysis]] = []
    held = Held()  # estimated bytes of the results in `entries` and `to_store`
    source = iter(enumerate(medias))
    exhausted = False
    try:
        while True:
            while not exhausted and len(entries) < window:
                batch = list(islice(source, min(LOOKUP_BATCH, window - len(entries))))
                if not batch:
                    exhausted = True
                    break
                for index, entry in _look_up(batch, cache, scope):
                    entries.append(entry)
                    stats.files += 1
                    if entry.result is not None:
                        stats.from_cache += 1
                        held.add(entry.result)
                    else:
                        unsent.append((index, entry))
                stats.most_in_flight = max(stats.most_in_flight, len(entries))
            # Hand out misses, in order, while the workers need work and the results already
            # waiting here stay under the bound; past it the workers wait (the head is always
            # handed out first, so the wait always ends).
            while unsent and len(waiting) < ahead and held.bytes < MAX_HELD_BYTES:
                index, entry = unsent.popleft()
                if pool is None:
                    pool = _make_pool(analyse, options, jobs, limits, in_process, backend)
                    stats.pool = pool.stats
                waiting[index] = entry
                pool.submit(index, entry.media)
                stats.analysed += 1
            while entries:
                head = entries[0].result
                if head is None:
                    break
                entries.popleft()
                held.remove(head)
                yield head
            if not entries:
                if exhausted:
                    break
                continue
            if not waiting:
                continue  # the results held went out: hand out more
            assert pool is not None  # something is waiting, so some file went to the pool
            for index, analysis in pool.collect(timeout=1.0):
                entry = waiting.pop(index)
                entry.result = analysis
                held.add(analysis)
                identity = entry.identity  # None: never cacheable (see _cacheable)
                if cache is not None and identity is not None and _cacheable(entry, analysis):
                    to_store.append((identity, analysis))
                    held.storing += approx_bytes(analysis)
            stats.most_held_bytes = max(stats.most_held_bytes, held.bytes)
            if cache is not None and (
                len(to_store) >= STORE_BATCH or held.storing >= MAX_HELD_BYTES // 4
            ):
                cache.store(scope, to_store)
                to_store = []
                held.storing = 0
    finally:
        if pool is not None:
            pool.close()
        if cache is not None:
            cache.store(scope, to_store)


@dataclass
class Held:
    """Estimated bytes of results this process holds: waiting in order, and waiting to be
    written to the cache (the same result may be in both; counted in both, to be safe)."""

    waiting: int = 0
    storing: int = 0

    @property
    def bytes(self) -> int:
        return self.waiting + self.storing

    def add(self, analysis: AssetAnalysis) -> None:
        self.waiting += approx_bytes(analysis)

    def remove(self, analysis: AssetAnalysis) -> None:
        self.waiting -= approx_bytes(analysis)


@dataclass
class _Entry:
    media: MediaFile
    identity: FileIdentity | None
    result: AssetAnalysis | None = None


def _look_up(
    batch: list[tuple[int, MediaFile]], cache: ResultCache | None, scope: str
) -> list[tuple[int, _Entry]]:
    # An asset read with a C2PA sidecar depends on two files: never cached (no identity).
    identities = [None if media.sidecar else FileIdentity.of(media.path) for _i, media in batch]
    if cache is None:
        found: list[AssetAnalysis | Unusable | None] = [None] * len(batch)
    else:
        keys = [(ident, media.rel) for ident, (_i, media) in zip(identities, batch, strict=True)]
        found = cache.lookup(scope, keys)
    entries = []
    for (index, media), identity, hit in zip(batch, identities, found, strict=True):
        if isinstance(hit, Unusable):
            # the walk may have taken this file's type from the same row: sniff it again
            entries.append((index, _Entry(_sniffed_again(media), identity)))
        else:
            entries.append((index, _Entry(media, identity, hit)))
    return entries


def _sniffed_again(media: MediaFile) -> MediaFile:
    """The file's type from its first bytes (unknown when they cannot be read: the analysis
    reopens the file and reports why)."""
    try:
        head, _size = read_head(media.path)
    except OSError:
        head = b""
    found = sniff(head)
    if found is None:
        return MediaFile(
            media.path, media.rel, UNKNOWN_MEDIA_TYPE, UNKNOWN_FORMAT, "other", media.size
        )
    return MediaFile(media.path, media.rel, found.media_type, found.format, found.kind, media.size)


def _cacheable(entry: _Entry, analysis: AssetAnalysis) -> bool:
    """Results of files that changed while being read, or with a fatal problem (unreadable,
    over a bound: perhaps only today), are used but not kept."""
    if entry.identity is None or analysis.unreadable:
        return False
    return FileIdentity.of(entry.media.path) == entry.identity


def scope_for(options: Any, analyse: Analyse) -> str:
    """The cache scope of results of `analyse` with `options` in this provscan."""
    from scanner import __version__
    from scanner.fingerprint import FINGERPRINT_VERSION

    return result_scope(
        tool_version=__version__,
        catalog_version=catalog_identity(),
        options={
            "analyse": f"{analyse.__module__}.{analyse.__qualname__}",
            "options": options,
            "fingerprint": FINGERPRINT_VERSION,
        },
    )


def catalog_identity() -> str:
    """The catalog's declared version plus a digest of the catalog file itself, so an edit
    that forgot to bump the version still invalidates cached results."""
    from importlib import resources

    from scanner.rules import catalog

    try:
        data = resources.files("scanner.rules").joinpath("catalog.toml").read_bytes()
    except OSError:
        data = b""
    return f"{catalog.CATALOG_VERSION}+{hashlib.sha256(data).hexdigest()[:16]}"


class KnownMedia:
    """For the walk: the MediaFile of a file the cache already holds a result for, unchanged,
    so the walk need not read its first bytes to sniff its type (a warm re-scan then reads no
    media byte at all). Call it as `known(path, rel, info)` with the file's `os.stat` result;
    None means "not known: sniff it". It uses the caller's open cache (the same one the
    analysis stores into)."""

    def __init__(self, cache: ResultCache | None, options: Any, analyse: Analyse) -> None:
        self._cache = cache if cache is not None and cache.enabled else None
        self._scope = scope_for(options, analyse) if self._cache else ""
        self.hits = 0

    def __call__(self, path: Path, rel: str, info: os.stat_result) -> MediaFile | None:
        if self._cache is None:
            return None
        identity = FileIdentity.from_stat(info)
        if identity is None:
            return None
        known = self._cache.known_type(self._scope, identity)
        if known is None:
            return None
        self.hits += 1
        media_type, fmt, kind = known
        return MediaFile(path, rel, media_type, fmt, kind, info.st_size)


def _make_pool(
    analyse: Analyse,
    options: Any,
    jobs: int,
    limits: Limits,
    in_process: bool,
    backend: Backend | None,
) -> Pool[AssetAnalysis]:
    if in_process:
        return _InProcess(analyse, options)
    if backend is not None:
        return backend.pool(analyse, options, limits=limits, failed=failed_analysis)
    return WorkerPool(analyse, options, size=max(1, jobs), limits=limits, failed=failed_analysis)


class _InProcess:
    """The pool's interface, run inline: one task per `collect`, no bounds."""

    def __init__(self, analyse: Analyse, options: Any) -> None:
        self._analyse = analyse
        self._options = options
        self._queue: deque[tuple[int, MediaFile]] = deque()
        self.stats = PoolStats()

    def submit(self, index: int, media: MediaFile) -> None:
        self._queue.append((index, media))

    def collect(self, timeout: float | None = None) -> list[tuple[int, AssetAnalysis]]:
        if not self._queue:
            return []
        index, media = self._queue.popleft()
        try:
            result = self._analyse(media, self._options)
        except Exception as exc:  # noqa: BLE001 - same guard as the workers
            result = failed_analysis(media, f"analysis failed: {type(exc).__name__}: {exc}")
        self.stats.analysed += 1
        return [(index, result)]

    def close(self) -> None:
        self._queue.clear()
