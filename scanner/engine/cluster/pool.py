"""The client's side of a cluster run: files in batches to the Dask workers, results back.

Same interface as the local `WorkerPool` (submit, collect, close), so the runner keeps the
cache, the window, the held-bytes bound and the order. Misses go out in batches (up to
BATCH_FILES files or BATCH_BYTES of them: a task costs the scheduler about 2 ms, a file a few)
with earlier batches first (Dask priority). A worker lost mid-batch: the scheduler runs the
batch elsewhere; a batch lost on `allowed-failures + 1` workers in a row is split into
one-file tasks. Dask counts a loss against every task the dying worker held, running or
queued, so a harmless file that waited behind a file that kills it is counted too: a one-file
task lost that often is run once more alone (one such suspect at a time in the cluster), and
only a file whose lone task is lost that often becomes an `error` finding ("worker lost while
analysing, N times"). Every file gets exactly one result.

No wait on Dask is unbounded. A batch's result can go with the worker holding it after `wait`
saw it done; Dask then waits for the scheduler to compute it again, which it may never do
(seen here: a test scan hung until the CI's 90-minute limit). So a result is fetched with a time
limit, and a batch whose result was lost and not back within RESULT_LIMIT_S runs afresh under a
new key; one lost that way MAX_RESENDS times fails its files (`error`, never `clean`).
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from scanner.discover.media import MediaFile
from scanner.engine.bounds import Limits
from scanner.engine.cluster.worker import BatchJob, WorkerMismatch, hold, run_batch
from scanner.engine.workers import Failed, PoolStats, Task
from scanner.errors import ConfigError, ScannerError

R = TypeVar("R")
BATCH_FILES = 64
BATCH_BYTES = 1 << 30  # a batch of masters is split sooner: a batch runs on one thread
BATCHES_PER_THREAD = 2  # one running, one waiting on the worker: no thread waits for us
NO_WORKER_LIMIT_S = 300.0  # files waiting and no worker in the cluster for this long: give up
RETRY_PRIORITY = 1 << 40  # a lost batch's files run before anything newer
RESULT_LIMIT_S = 60.0  # fetching a finished batch's result, or waiting for a lost one again
MAX_RESENDS = 3


@dataclass
class ClusterStats(PoolStats):
    batches: int = 0  # tasks sent (batches and one-file retries)
    split: int = 0  # batches lost too often and split into one-file tasks
    lost: int = 0  # files given up after their own task was lost too often
    suspects: int = 0  # one-file tasks lost too often, run again alone
    resent: int = 0  # batches whose finished result was lost, run afresh


class ClusterPool(Generic[R]):
    """Run `task(media, options)` on the cluster's workers, BatchJob by BatchJob."""

    def __init__(
        self,
        client: Any,
        job: BatchJob[R],
        options_future: Any,
        *,
        threads: int,
    ) -> None:
        self._client = client
        self._job = job
        self._options = options_future
        self._threads = max(1, threads)
        self._pending: list[tuple[int, MediaFile]] = []
        self._running: dict[Any, list[tuple[int, MediaFile]]] = {}
        self._sequence = 0
        self._prefix = f"provscan-{uuid.uuid4().hex[:12]}"
        self._idle_since: float | None = None
        self._suspects: list[tuple[int, MediaFile]] = []  # to run alone, one at a time
        self._suspected: set[int] = set()  # input indexes already run alone
        self._alone: Any | None = None  # the suspect's task now running
        self._lost_since: dict[Any, float] = {}  # futures done, then lost: since when
        self._resends: dict[int, int] = {}  # input index -> times its batch ran afresh
        self.stats = ClusterStats()

    def submit(self, index: int, media: MediaFile) -> None:
        self._pending.append((index, media))

    def collect(self, timeout: float | None = None) -> list[tuple[int, R]]:
        """Send what is pending, wait until some batch finishes (or `timeout`), return its
        results."""
        from distributed import wait

        self._flush()
        if not self._running:
            return []
        try:
            with self._client.as_current():  # `wait` uses the current client: ours
                done, _rest = wait(list(self._running), timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            self._check_workers()
            done = set()
        else:
            self._idle_since = None
        results: list[tuple[int, R]] = []
        for future in done:
            batch = self._running.pop(future)
            self._finish(future, batch, results)
            if future is self._alone and future not in self._running:
                self._alone = None
        self._resend_lost(results)
        self.stats.analysed += len(results)
        return results

    def close(self) -> None:
        futures = list(self._running)
        self._running.clear()
        self._pending.clear()
        if futures:
            self._client.cancel(futures)
        self._options.release()

    def _finish(
        self, future: Any, batch: list[tuple[int, MediaFile]], results: list[tuple[int, R]]
    ) -> None:
        from distributed import KilledWorker

        if future.status in ("lost", "pending"):
            # done, then its result was lost with the worker holding it: the scheduler should
            # compute it again; wait for that, for a while (_resend_lost)
            self._running[future] = batch
            self._lost_since.setdefault(future, time.monotonic())
            return
        if future.status == "finished":
            try:
                values = future.result(timeout=RESULT_LIMIT_S)
            except TimeoutError:  # lost while being fetched: Dask alone might wait forever
                self._resend(future, batch, results)
                return
            self._lost_since.pop(future, None)
            results.extend(values)
            future.release()
            return
        if future.status != "error":
            raise ScannerError(
                "lost the cluster: a batch was cancelled (the scheduler went away?); no verdict"
            )
        error = future.exception()
        future.release()
        if isinstance(error, WorkerMismatch):
            raise ConfigError(f"a cluster worker does not match this provscan: {error}")
        if not isinstance(error, KilledWorker):
            raise ScannerError(f"a cluster batch failed: {type(error).__name__}: {error}")
        times = int(error.allowed_failures) + 1
        if len(batch) > 1:
            self.stats.split += 1
            for one in batch:
                self._send([one], priority=RETRY_PRIORITY)
            return
        index, media = batch[0]
        if index not in self._suspected:
            self._suspected.add(index)
            self._suspects.append((index, media))
            self.stats.suspects += 1
            return
        self.stats.lost += 1
        self.stats.crashes += 1
        message = (
            f"worker lost while analysing, {times} times: the Dask worker holding this file "
            "died each time, also with no other suspect file running (out of memory, "
            "pre-empted, crashed)"
        )
        results.append((index, self._job.failed(media, message)))

    def _resend_lost(self, results: list[tuple[int, R]]) -> None:
        """Run afresh the batches whose result was lost and has not come back in time."""
        now = time.monotonic()
        for future, since in list(self._lost_since.items()):
            if future not in self._running:
                del self._lost_since[future]
            elif now - since > RESULT_LIMIT_S and future.status != "finished":
                self._resend(future, self._running.pop(future), results)

    def _resend(
        self, future: Any, batch: list[tuple[int, MediaFile]], results: list[tuple[int, R]]
    ) -> None:
        """The batch again under a new key; files whose batch ran afresh MAX_RESENDS times
        fail (the result never arrived: no verdict on them is `clean`)."""
        self._lost_since.pop(future, None)
        self._client.cancel([future])
        self.stats.resent += 1
        again: list[tuple[int, MediaFile]] = []
        for index, media in batch:
            self._resends[index] = self._resends.get(index, 0) + 1
            if self._resends[index] > MAX_RESENDS:
                message = (
                    f"analysis result lost {MAX_RESENDS} times: the cluster computed it, then "
                    "lost it before it reached this scan (workers lost or unreachable)"
                )
                self.stats.lost += 1
                results.append((index, self._job.failed(media, message)))
            else:
                again.append((index, media))
        if again:
            sent = self._send(again, priority=RETRY_PRIORITY)
            if future is self._alone:
                self._alone = sent
        elif future is self._alone:
            self._alone = None

    def _flush(self) -> None:
        """Pending files out in batches: full ones, and the rest spread over the threads that
        have room, so a small run still uses every worker. A suspect goes alone."""
        if self._alone is None and self._suspects:
            self._alone = self._send([self._suspects.pop(0)], priority=RETRY_PRIORITY)
        if not self._pending:
            return
        room = max(1, BATCHES_PER_THREAD * self._threads - len(self._running))
        size = min(BATCH_FILES, max(1, math.ceil(len(self._pending) / room)))
        batch: list[tuple[int, MediaFile]] = []
        batch_bytes = 0
        for item in self._pending:
            batch.append(item)
            batch_bytes += item[1].size
            if len(batch) >= size or batch_bytes >= BATCH_BYTES:
                self._send(batch)
                batch, batch_bytes = [], 0
        if batch:
            self._send(batch)
        self._pending = []

    def _send(self, batch: list[tuple[int, MediaFile]], *, priority: int | None = None) -> Any:
        self._sequence += 1
        future = self._client.submit(
            run_batch,
            batch,
            self._job,
            self._options,
            key=f"{self._prefix}-{self._sequence}",
            priority=-self._sequence if priority is None else priority,
            pure=False,
        )
        self._running[future] = batch
        self.stats.batches += 1
        return future

    def _check_workers(self) -> None:
        """Files waiting and no worker left for NO_WORKER_LIMIT_S: no verdict, not a hang."""
        if self._client.nthreads():
            self._idle_since = None
            return
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        elif now - self._idle_since > NO_WORKER_LIMIT_S:
            raise ScannerError(
                f"the cluster has had no worker for {NO_WORKER_LIMIT_S:.0f} s with files "
                "waiting; no verdict"
            )


def new_pool(
    client: Any,
    task: Task[R],
    options: Any,
    *,
    limits: Limits,
    failed: Failed[R],
    identity: Any,
    path_map: Any,
    threads: int,
) -> ClusterPool[R]:
    """`options` become one task's result that every batch depends on: each worker fetches
    them once (not with every batch), and the scheduler can compute them again when the
    workers holding them are lost (scattered data would be gone with them)."""
    key = f"provscan-options-{uuid.uuid4().hex[:12]}"
    options_future = client.submit(hold, options, key=key, pure=False)
    job = BatchJob(task, failed, key, limits, identity, path_map)
    return ClusterPool(client, job, options_future, threads=threads)
