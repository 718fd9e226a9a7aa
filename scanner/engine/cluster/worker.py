"""What runs on a Dask worker: each batch of files through a bounded WorkerPool kept there.

A batch is one Dask task. The Dask worker thread running it hands its files to a long-lived
`WorkerPool` of its own (one analysis process per Dask thread, started from a fork server in
the worker, kept from batch to batch), so every file is analysed exactly as on the client's
machine: in a child process with the per-asset time and memory bounds, killed and replaced
when it exceeds one, while the Dask worker stays up. A hostile file costs its own child, never
the worker. Each batch first checks that this worker's provscan, catalog and C2PA SDK are the
client's (a worker may join, or be restarted from another install, mid-scan).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

from distributed import WorkerPlugin

from scanner.discover.media import MediaFile
from scanner.engine.bounds import Limits
from scanner.engine.cluster.identity import Identity, local_identity
from scanner.engine.cluster.settings import PathMap
from scanner.engine.worker_start import WORKER_ENV
from scanner.engine.workers import Failed, Task, WorkerPool

R = TypeVar("R")
PLUGIN_NAME = "provscan"


class WorkerMismatch(Exception):
    """This worker's provscan, catalog or C2PA SDK is not the client's: it analyses nothing."""


@dataclass(frozen=True)
class BatchJob(Generic[R]):
    """What every batch of one pool shares (small: the options travel once, scattered)."""

    task: Task[R]
    failed: Failed[R]
    options_key: str  # the scattered options' key: one WorkerPool per options
    limits: Limits
    identity: Identity  # the client's
    path_map: PathMap


class _Pools:
    """The Dask worker process's analysis pools, one per Dask thread (a WorkerPool is used by
    one thread at a time), replaced when a scan with other options comes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pools: dict[int, tuple[tuple[Any, ...], WorkerPool[Any]]] = {}
        self._identity: Identity | None = None

    def identity(self) -> Identity:
        if self._identity is None:
            self._identity = local_identity()
        return self._identity

    def pool_for(self, job: BatchJob[R], options: Any) -> WorkerPool[R]:
        key = (job.task, job.failed, job.options_key, job.limits)
        thread = threading.get_ident()
        with self._lock:
            held = self._pools.get(thread)
        if held is not None and held[0] == key:
            return held[1]
        if held is not None:
            held[1].close()
        pool: WorkerPool[R] = WorkerPool(
            job.task, options, size=1, limits=job.limits, failed=job.failed
        )
        with self._lock:
            self._pools[thread] = (key, pool)
        return pool

    def drop(self) -> None:
        """Stop this thread's pool (after a batch failed half-way, its tasks are stale)."""
        with self._lock:
            held = self._pools.pop(threading.get_ident(), None)
        if held is not None:
            held[1].close()

    def close_all(self) -> None:
        with self._lock:
            pools = [pool for _key, pool in self._pools.values()]
            self._pools.clear()
        for pool in pools:
            pool.close()


_POOLS = _Pools()


class ProvscanWorkerPlugin(WorkerPlugin):  # type: ignore[misc]  # distributed has no types
    """Registered by the client on every worker (and on workers that join later): sets the
    analysis processes' environment once and stops them when the worker closes."""

    name = PLUGIN_NAME

    def setup(self, worker: Any) -> None:
        for key, value in WORKER_ENV.items():
            os.environ.setdefault(key, value)

    def teardown(self, worker: Any) -> None:
        _POOLS.close_all()


def hold(value: R) -> R:
    """A task whose result is its argument: the scan's options, held on the workers."""
    return value


def run_batch(
    batch: list[tuple[int, MediaFile]], job: BatchJob[R], options: Any
) -> list[tuple[int, R]]:
    """The Dask task: every file of `batch` through this thread's bounded pool, results in
    batch order. Raises WorkerMismatch on a worker that is not the client's provscan."""
    differences = job.identity.differences(_POOLS.identity())
    if differences:
        raise WorkerMismatch("; ".join(differences))
    pool = _POOLS.pool_for(job, options)
    results: dict[int, R] = {}
    try:
        for index, media in batch:
            if job.path_map.pairs:
                media = replace(media, path=Path(job.path_map.to_worker(str(media.path))))
            pool.submit(index, media)
        while len(results) < len(batch):
            results.update(pool.collect(timeout=1.0))
    except BaseException:
        _POOLS.drop()
        raise
    return [(index, results[index]) for index, _media in batch]
