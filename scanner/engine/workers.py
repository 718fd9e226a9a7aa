"""A pool of analysis worker processes that bounds each asset's time and memory.

Why not `concurrent.futures`: a pool executor cannot kill the one worker stuck on a
pathological file; it can only break the whole pool. Here each worker has its own pipe, takes
at most PREFETCH tasks at a time, and is watched by the parent:

- time: each task gets `Limits.time_for(size)` seconds from the moment its worker starts on
  it; past that the worker is killed (SIGKILL) and replaced, the asset gets a fatal Problem
  naming the bound, and the worker's other queued tasks go to the replacement.
- memory: each worker sets RLIMIT_AS to its own address space at start plus the bound, so a
  runaway allocation raises MemoryError (Pillow, numpy, Python) or fails in native code; the
  asset gets a fatal Problem naming the bound and the worker retires. A worker that dies
  without answering (native abort or crash) fails its asset the same way, naming its signal.

Workers start from a fork server with the readers preloaded (`scanner.engine.worker_start`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from scanner.discover.media import MediaFile
from scanner.engine.bounds import (
    Limits,
    describe_bytes,
    memory_bound_message,
    time_bound_message,
)
from scanner.engine.worker_start import mp_context, no_main_reimport, worker_environment
from scanner.errors import ScannerError

PREFETCH = 8  # tasks a worker holds at once: one running, the rest ready, so it never waits on us
GATHER_S = 0.003  # see WorkerPool.collect
MAX_FAILED_STARTS = 3  # workers in a row that die before saying "ready": give up on the scan
WORKER_START_LIMIT_S = 120.0  # from fork to "ready" (imports on a loaded machine can be slow)
READY = "ready"

R = TypeVar("R")
Task = Callable[[MediaFile, Any], R]
# The result for a task that did not finish (time or memory bound, crash), given the reason.
Failed = Callable[[MediaFile, str], R]


# --- in the worker process -----------------------------------------------------------------


def _worker_main(
    conn: Connection, task: Task[R], failed: Failed[R], options: Any, memory_limit: int
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    _limit_address_space(memory_limit)
    conn.send(READY)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, media = message
        retire = False
        result: R
        try:
            result = task(media, options)
        except MemoryError:
            result, retire = failed(media, memory_bound_message(memory_limit)), True
        except BaseException as exc:  # noqa: BLE001 - not even a reader's sys.exit() loses a file
            result = failed(media, f"analysis failed: {type(exc).__name__}: {exc}")
        try:
            conn.send((index, result, retire))
        except MemoryError:
            conn.send((index, failed(media, memory_bound_message(memory_limit)), True))
            return
        except OSError:  # the parent is gone (a Dask worker killed under us): nobody to tell
            return
        if retire:  # memory may be fragmented or a native reader half-initialised: start afresh
            return


def _limit_address_space(extra: int) -> None:
    try:
        import resource
    except ImportError:  # not on POSIX: time bound only
        return
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            now = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        now = 0
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = now + extra
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


# --- in the scanning process ---------------------------------------------------------------


@dataclass
class _Task:
    index: int
    media: MediaFile


@dataclass
class _Worker:
    process: Any
    conn: Connection
    tasks: deque[_Task] = field(default_factory=deque)
    ready: bool = False  # it said so: it started, imported and set its bounds
    spawned: float = field(default_factory=time.monotonic)
    started: float = 0.0  # when the head task started (monotonic)
    budget: float = 0.0  # its time bound


@dataclass
class PoolStats:
    analysed: int = 0
    workers_started: int = 0
    timeouts: int = 0
    memory_failures: int = 0
    crashes: int = 0


class WorkerPool(Generic[R]):
    """Submit (index, media); `collect` returns finished (index, result) pairs.

    `task(media, options)` runs in a worker (a module-level function: it is sent by reference);
    `failed(media, reason)` makes the result of a task that did not finish. The default pair is
    the scan's analysis; the reference libraries use their own (`scanner.engine.libraries`).
    """

    def __init__(
        self,
        task: Task[R],
        options: Any,
        *,
        size: int,
        limits: Limits,
        failed: Failed[R],
    ) -> None:
        self._task = task
        self._failed = failed
        self._options = options
        self._size = max(1, size)
        self._limits = limits
        self._queue: deque[_Task] = deque()
        self._workers: list[_Worker] = []
        self._failed_starts = 0
        self.stats = PoolStats()

    def submit(self, index: int, media: MediaFile) -> None:
        self._queue.append(_Task(index, media))

    def collect(self, timeout: float | None = None) -> list[tuple[int, R]]:
        """Wait until at least one task finishes (or `timeout`), and return what finished."""
        self._assign()
        busy = [w for w in self._workers if w.tasks]
        if not busy:
            return []
        now = time.monotonic()
        wait_for = max(0.0, min(self._deadline(w) for w in busy) - now)
        if timeout is not None:
            wait_for = min(wait_for, timeout)
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], wait_for)
        if ready and all(len(w.tasks) > 1 for w in busy):
            # Every worker has more queued: let a few more answers gather before reading them,
            # rather than waking for each (a 2K frame takes about 2 ms: one wake-up per answer
            # cost as much as its analysis, measured).
            time.sleep(GATHER_S)
        done: list[tuple[int, R]] = []
        for worker in busy:
            self._drain(worker, done)
        now = time.monotonic()
        for worker in [w for w in self._workers if w.tasks]:
            if now > self._deadline(worker):
                if not worker.ready:  # stuck while starting: not its task's fault
                    self._failed_start(worker)
                    continue
                task = worker.tasks.popleft()
                self.stats.timeouts += 1
                message = time_bound_message(worker.budget)
                done.append((task.index, self._failed(task.media, message)))
                self._replace(worker)
        self._assign()
        return done

    def close(self) -> None:
        for worker in self._workers:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
        deadline = time.monotonic() + 2.0
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._workers.clear()
        self._queue.clear()

    def _drain(self, worker: _Worker, done: list[tuple[int, R]]) -> None:
        """Read every answer the worker has sent; notice if it died."""
        try:
            while worker.tasks and worker.conn.poll():
                message = worker.conn.recv()
                if message == READY:
                    worker.ready = True
                    self._failed_starts = 0
                    self._start_next(worker)  # its clock starts now, not while it was starting
                    continue
                index, result, retire = message
                task = worker.tasks.popleft()
                if task.index != index:  # cannot happen with one pipe per worker; be loud
                    raise RuntimeError(f"worker answered task {index}, expected {task.index}")
                done.append((index, result))
                self.stats.analysed += 1
                self._start_next(worker)
                if retire:
                    self.stats.memory_failures += 1
                    self._replace(worker)
                    return
        except (EOFError, OSError):
            pass
        if worker.tasks and not worker.process.is_alive():
            worker.process.join()
            if not worker.ready:
                self._failed_start(worker)
                return
            task = worker.tasks.popleft()
            done.append((task.index, self._failed(task.media, self._death_message(worker))))
            self.stats.crashes += 1
            self._replace(worker)

    @staticmethod
    def _deadline(worker: _Worker) -> float:
        if not worker.ready:
            return worker.spawned + WORKER_START_LIMIT_S
        return worker.started + worker.budget

    def _failed_start(self, worker: _Worker) -> None:
        """A worker that died before it could take any task: not its tasks' fault."""
        self._failed_starts += 1
        code = worker.process.exitcode
        self._replace(worker)
        if self._failed_starts >= MAX_FAILED_STARTS:
            raise ScannerError(
                f"analysis worker processes fail to start (exit status {code}, "
                f"{self._failed_starts} times in a row); the error is printed above"
            )

    def _death_message(self, worker: _Worker) -> str:
        code = worker.process.exitcode
        limit = describe_bytes(self._limits.memory_bytes)
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            how = f"was killed by {name}"
        else:
            how = f"exited with status {code}"
        return (
            f"analysis process {how}: a native reader crashed or the {limit} memory bound "
            "was hit outside Python"
        )

    def _start_next(self, worker: _Worker) -> None:
        if worker.tasks:
            worker.started = time.monotonic()
            worker.budget = self._limits.time_for(worker.tasks[0].media.size)

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker, give its unfinished tasks back to the queue, in order."""
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        worker.conn.close()
        self._workers.remove(worker)
        self._queue.extendleft(reversed(worker.tasks))
        worker.tasks.clear()

    def _assign(self) -> None:
        """Hand queued tasks to workers with room, starting workers (up to the pool size)
        only when the ones running are full: a warm scan with few misses starts few."""
        for worker in sorted(self._workers, key=lambda w: len(w.tasks)):
            self._feed(worker)
        while self._queue and len(self._workers) < self._size:
            worker = self._start_worker()
            self._workers.append(worker)
            self._feed(worker)

    def _feed(self, worker: _Worker) -> None:
        while self._queue and len(worker.tasks) < PREFETCH:
            task = self._queue.popleft()
            try:
                worker.conn.send((task.index, task.media))
            except (OSError, ValueError):
                self._queue.appendleft(task)
                if not worker.tasks:  # died while idle (OOM killer, a signal): replace it
                    self._replace(worker)
                return  # died on its head task: _drain fails that task and replaces it
            worker.tasks.append(task)
            if len(worker.tasks) == 1:
                self._start_next(worker)

    def _start_worker(self) -> _Worker:
        ctx = mp_context()
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        process = ctx.Process(
            target=_worker_main,
            args=(child_conn, self._task, self._failed, self._options, self._limits.memory_bytes),
            name="provscan-worker",
            daemon=True,
        )
        with worker_environment(), no_main_reimport(self._task):
            process.start()
        child_conn.close()
        self.stats.workers_started += 1
        return _Worker(process=process, conn=parent_conn)
