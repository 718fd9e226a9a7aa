"""How the analysis worker processes start: a fork server with the readers preloaded.

`forkserver`, with `scanner.engine.preload` imported in the server once: `fork` from the
scanning process would copy whatever it holds (SQLite connection of the cache, threads, c2pa's
native locks: the SDK only resets its own default context after fork); `spawn` would re-import
the readers in every worker and every replacement (about a second each). The fork server is a
fresh, single-threaded interpreter; workers forked from it start in milliseconds and share its
pages. `start_early` starts it before the scanning process imports the scanner, so the two
imports overlap.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:  # ForkServerContext does not exist on every platform
    from multiprocessing.context import ForkServerContext, SpawnContext

    _StartContext: TypeAlias = ForkServerContext | SpawnContext

PRELOAD = ("scanner.engine.preload",)
# Native thread pools stay at one thread per worker: parallelism comes from the workers.
WORKER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

_context: _StartContext | None = None


def mp_context() -> _StartContext:
    global _context
    if _context is None:
        ctx: _StartContext
        if "forkserver" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(list(PRELOAD))
        else:
            ctx = multiprocessing.get_context("spawn")
        _context = ctx
    return _context


@contextlib.contextmanager
def worker_environment() -> Iterator[None]:
    """The fork server (started by the first worker) inherits the environment: set it there."""
    saved = {k: os.environ.get(k) for k in WORKER_ENV}
    for key, value in WORKER_ENV.items():
        os.environ.setdefault(key, value)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextlib.contextmanager
def no_main_reimport(analyse: Callable[..., Any] | None) -> Iterator[None]:
    """Workers need nothing from the caller's __main__ (unless `analyse` lives there), but
    multiprocessing re-imports it in each of them: a wasted import of the CLI script, and a
    crash at start when the program came from stdin or a notebook. Hide it while starting."""
    main = sys.modules.get("__main__")
    if main is None or getattr(analyse, "__module__", None) == "__main__":
        yield
        return
    saved: dict[str, Any] = {
        k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__
    }
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def start_early(cache_file: Path | None = None) -> None:
    """Start the fork server now, so it imports the readers (half a second) while the caller
    imports and sets up the scan, instead of when the first file reaches a pool. For tasks
    that live in a module (not in __main__), as the scan's analysis does.

    Not when `cache_file` already holds results: a re-scan may analyse nothing at all, and the
    fork server would cost it half a second and about 90 MB (measured: a warm re-scan of the
    20,000-frame benchmark); it then starts when the first file misses the cache."""
    if cache_file is not None and _holds_results(cache_file):
        return
    ctx = mp_context()
    if ctx.get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    with worker_environment(), no_main_reimport(None):
        forkserver.ensure_running()


def _holds_results(cache_file: Path) -> bool:
    try:
        return os.stat(cache_file).st_size > 0
    except OSError:  # none yet (or unreadable: the cache reports that itself)
        return False
