"""Runs the per-file analysis over many files: cache first, worker processes for the rest.

Results come out in the order the files went in, whatever the scheduling, and no more than
`window` files are in flight (looked up, queued, running or finished but waiting for an
earlier one), so memory stays flat however many files the delivery holds. A cache hit costs a
`stat` and a query; only misses reach the workers (see `scanner.engine.workers` for the bounds),
and the disk is asked to read the next of them ahead (`scanner.engine.prefetch`).

A sequence frame's own pass (`FrameOf.sampled` False) is cached under its own scope (role
"frame": a byte profile, and a fingerprint when `FrameOf.fingerprint`), a frame sampled after
its pass under the plain one (it is the same
analysis a file of its own gets). A cached result without a digest the file's checksum
manifests now ask for is a miss. The input may say "nothing yet" (NOT_YET: the sequence feed
waits for results before it knows which frames to sample); the runner then goes on with what
it holds and asks again.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.discover.identify import read_head, sniffed
from scanner.discover.media import MediaFile
from scanner.discover.sniff import UNREAD_FORMAT
from scanner.engine.backend import Backend, Pool
from scanner.engine.bounds import Limits, failed_analysis
from scanner.engine.cache import CacheStats, FileIdentity, ResultCache, Unusable
from scanner.engine.digests import PROFILE
from scanner.engine.prefetch import Prefetcher
from scanner.engine.report_caps import approx_bytes
from scanner.engine.scopes import FRAME_ROLES, Scopes, role_of, scope_for
from scanner.engine.workers import PREFETCH, PoolStats, WorkerPool
from scanner.model import AssetAnalysis

Analyse = Callable[[MediaFile, Any], AssetAnalysis]


class NotYet:
    """The input has nothing to hand out now, but may later (see the module docstring)."""


NOT_YET = NotYet()

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
    medias: Iterable[MediaFile | NotYet],
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
    # Enough handed out to keep every worker busy (each holds PREFETCH: one running, the rest
    # ready), and one more each to spare.
    ahead = backend.capacity if backend is not None else (PREFETCH + 1) * max(jobs, 1)
    window = window or max(MIN_WINDOW, WINDOW_PER_JOB * max(jobs, 1), 2 * ahead)
    if cache is not None:
        stats.cache = cache.stats
    scopes = Scopes(options, analyse) if cache is not None and cache.enabled else None

    pool: Pool[AssetAnalysis] | None = None
    entries: deque[_Entry] = deque()  # in input order
    unsent: deque[tuple[int, _Entry]] = deque()  # looked up, missed, not yet handed out
    waiting: dict[int, _Entry] = {}  # by input index, the ones a worker has
    to_store: dict[str, list[tuple[FileIdentity, AssetAnalysis]]] = {}  # by scope
    held = Held()  # estimated bytes of the results in `entries` and `to_store`
    source = _Source(medias)
    # the disk reads the next files while the workers hash these (not for a remote cluster)
    prefetch = Prefetcher() if backend is None else None
    try:
        while True:
            while not source.exhausted and len(entries) < window:
                batch = source.take(min(LOOKUP_BATCH, window - len(entries)))
                if not batch:
                    if source.waiting and not entries:  # a bug in the input: it would spin
                        raise RuntimeError("the input has nothing yet and nothing is in flight")
                    break
                for index, entry in _look_up(batch, cache, scopes):
                    entries.append(entry)
                    stats.files += 1
                    if entry.result is not None:
                        stats.from_cache += 1
                        entry.bytes = approx_bytes(entry.result)
                        held.waiting += entry.bytes
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
                if prefetch is not None:
                    prefetch.handed(entry.media)
                pool.submit(index, entry.media)
                stats.analysed += 1
            if prefetch is not None and unsent:
                prefetch.ahead(entry.media for _index, entry in unsent)
            while entries:
                head = entries[0].result
                if head is None:
                    break
                held.waiting -= entries.popleft().bytes
                yield head
            if not entries:
                if source.exhausted:
                    break
                continue
            if not waiting:
                continue  # the results held went out: hand out more
            assert pool is not None  # something is waiting, so some file went to the pool
            for index, analysis in pool.collect(timeout=1.0):
                entry = waiting.pop(index)
                entry.result = analysis
                entry.bytes = approx_bytes(analysis)
                held.waiting += entry.bytes
                identity = entry.identity  # None: never cacheable (see _cacheable)
                if scopes is not None and identity is not None and _cacheable(entry, analysis):
                    to_store.setdefault(scopes.of(entry.media), []).append((identity, analysis))
                    held.storing += entry.bytes
            stats.most_held_bytes = max(stats.most_held_bytes, held.bytes)
            if cache is not None and (
                sum(map(len, to_store.values())) >= STORE_BATCH
                or held.storing >= MAX_HELD_BYTES // 4
            ):
                _store(cache, to_store)
                held.storing = 0
    finally:
        if prefetch is not None:
            prefetch.close()
        if pool is not None:
            pool.close()
        if cache is not None:
            _store(cache, to_store)


class _Source:
    """The input, numbered, with "nothing yet" (NOT_YET) told apart from its end."""

    def __init__(self, medias: Iterable[MediaFile | NotYet]) -> None:
        self._items = iter(medias)
        self._count = 0
        self.exhausted = False
        self.waiting = False  # the last take ended on NOT_YET

    def take(self, most: int) -> list[tuple[int, MediaFile]]:
        batch: list[tuple[int, MediaFile]] = []
        self.waiting = False
        while len(batch) < most:
            item = next(self._items, None)
            if item is None:
                self.exhausted = True
                break
            if isinstance(item, NotYet):
                self.waiting = True
                break
            batch.append((self._count, item))
            self._count += 1
        return batch


def _store(
    cache: ResultCache, to_store: dict[str, list[tuple[FileIdentity, AssetAnalysis]]]
) -> None:
    for scope, entries in to_store.items():
        cache.store(scope, entries)
    to_store.clear()


@dataclass
class Held:
    """Estimated bytes of results this process holds: waiting in order, and waiting to be
    written to the cache (the same result may be in both; counted in both, to be safe)."""

    waiting: int = 0
    storing: int = 0

    @property
    def bytes(self) -> int:
        return self.waiting + self.storing


@dataclass
class _Entry:
    media: MediaFile
    identity: FileIdentity | None
    result: AssetAnalysis | None = None
    bytes: int = 0  # approx_bytes(result), counted in Held once it is in


def _look_up(
    batch: list[tuple[int, MediaFile]], cache: ResultCache | None, scopes: Scopes | None
) -> list[tuple[int, _Entry]]:
    # An asset read with a C2PA sidecar depends on two files: never cached (no identity).
    identities = [None if media.sidecar else FileIdentity.of(media.path) for _index, media in batch]
    found: list[AssetAnalysis | Unusable | None] = [None] * len(batch)
    if cache is not None and scopes is not None:
        by_scope: dict[str, list[int]] = {}
        for position, (_index, media) in enumerate(batch):
            by_scope.setdefault(scopes.of(media), []).append(position)
        for scope, positions in by_scope.items():
            keys = [(identities[p], batch[p][1].rel) for p in positions]
            for position, hit in zip(positions, cache.lookup(scope, keys), strict=True):
                found[position] = hit
    elif cache is not None:
        cache.stats.misses += len(batch)
    entries = []
    for (index, media), identity, hit in zip(batch, identities, found, strict=True):
        if isinstance(hit, Unusable):
            # the walk may have taken this file's type from the same row: sniff it again
            entries.append((index, _Entry(_sniffed_again(media), identity)))
        elif hit is not None and not _has_digests(hit, media):
            entries.append((index, _Entry(media, identity)))  # a manifest asks for more now
        else:
            entries.append((index, _Entry(media, identity, hit)))
    return entries


def _has_digests(analysis: AssetAnalysis, media: MediaFile) -> bool:
    """The cached analysis holds every digest this file needs now."""
    wanted = set(media.listed.algorithms) if media.listed is not None else set()
    if role_of(media) in FRAME_ROLES:
        wanted.add(PROFILE)
    return wanted <= {d.algorithm for d in analysis.digests}


def _sniffed_again(media: MediaFile) -> MediaFile:
    """The file's type from its first bytes (unknown when they cannot be read: the analysis
    reopens the file and reports why)."""
    if media.format == UNREAD_FORMAT:
        return media  # its analysis types it
    try:
        head, _size = read_head(media.path)
    except OSError:
        head = b""
    return sniffed(media, head)


def _cacheable(entry: _Entry, analysis: AssetAnalysis) -> bool:
    """Results of files that changed while being read, or with a fatal problem (unreadable,
    over a bound: perhaps only today), are used but not kept."""
    if entry.identity is None or analysis.unreadable:
        return False
    return FileIdentity.of(entry.media.path) == entry.identity


class KnownMedia:
    """For the walk: the MediaFile of a file the cache already holds a result for, unchanged,
    so the walk need not read its first bytes to sniff its type (a warm re-scan then reads no
    media byte at all). Call it as `known(path, rel, info)` with the file's `os.stat` result;
    None means "not known: sniff it". It uses the caller's open cache (the same one the
    analysis stores into)."""

    def __init__(self, cache: ResultCache | None, options: Any, analyse: Analyse) -> None:
        self._cache = cache if cache is not None and cache.enabled else None
        roles = ("", *FRAME_ROLES)  # a frame's own pass is kept under its own scope
        self._scopes = [scope_for(options, analyse, role) for role in roles] if self._cache else []
        self.hits = 0

    def __call__(self, path: Path, rel: str, info: os.stat_result) -> MediaFile | None:
        if self._cache is None:
            return None
        identity = FileIdentity.from_stat(info)
        if identity is None:
            return None
        for scope in self._scopes:
            known = self._cache.known_type(scope, identity)
            if known is not None:
                break
        else:
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
