"""Where analyses run: the shape shared by the local worker pool and the cluster backend.

`run_analyses` (and the reference libraries) hand files to a `Pool` and collect results in
any order; a `Backend` opens such pools somewhere else than this machine's worker processes
(`scanner.engine.cluster`). None means the local `WorkerPool`.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from scanner.discover.media import MediaFile
from scanner.engine.bounds import Limits
from scanner.engine.workers import Failed, PoolStats, Task

R = TypeVar("R")


class Pool(Protocol[R]):
    """Submit (index, media); `collect` returns finished (index, result) pairs, any order."""

    stats: PoolStats

    def submit(self, index: int, media: MediaFile) -> None: ...

    def collect(self, timeout: float | None = None) -> list[tuple[int, R]]: ...

    def close(self) -> None: ...


class Backend(Protocol):
    """Opens pools that run `task` elsewhere, under the same per-asset bounds."""

    @property
    def description(self) -> str:
        """What the report's `tool.cluster` says (e.g. the scheduler's address)."""
        ...

    @property
    def capacity(self) -> int:
        """Files to keep handed out so that every remote worker stays busy."""
        ...

    def pool(self, task: Task[R], options: Any, *, limits: Limits, failed: Failed[R]) -> Pool[R]:
        """A pool running `task(media, options)` (module level: sent by reference)."""
        ...

    def close(self) -> None:
        """Disconnect (after the scan: pools are closed by their users)."""
        ...
