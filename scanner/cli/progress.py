"""A scan's progress on stderr: one line redrawn on a terminal, a plain line every few seconds
in a log (a CI job, `2> scan.log`), nothing with -q."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from contextlib import suppress

import click

from scanner.common.safetext import terminal_safe
from scanner.errors import ConfigError

Progress = Callable[[int, int, str], None]  # done, total, path (scanner.scan.ProgressCallback)

# Seconds between two plain progress lines when stderr is not a terminal. The environment may
# set it (0: a line per asset), e.g. for a CI log that should be quieter or busier.
PROGRESS_SECONDS_ENV = "PROVSCAN_PROGRESS_SECONDS"
DEFAULT_PROGRESS_SECONDS = 5.0
_PATH_SHOWN = 60


def progress_reporter(*, quiet: bool) -> tuple[Progress | None, Callable[[], None]]:
    """The callback for `scan_delivery`, and what to call once the scan is over (it clears a
    terminal's progress line). None with -q."""
    if quiet:
        return None, lambda: None
    if sys.stderr.isatty():
        return _redrawn_line, lambda: click.echo("\r\x1b[K", err=True, nl=False)
    return _log_lines(_interval()), lambda: None


def _redrawn_line(done: int, total: int, path: str) -> None:
    safe = terminal_safe(path)
    shown = safe if len(safe) <= _PATH_SHOWN else "…" + safe[-(_PATH_SHOWN - 1) :]
    click.echo(f"\r\x1b[Kscanning {done}/{total} {shown}", err=True, nl=False)


def _interval() -> float:
    raw = os.environ.get(PROGRESS_SECONDS_ENV, "").strip()
    if not raw:
        return DEFAULT_PROGRESS_SECONDS
    with suppress(ValueError):
        seconds = float(raw)
        if seconds >= 0 and seconds != float("inf"):
            return seconds
    raise ConfigError(f"{PROGRESS_SECONDS_ENV}={raw!r}: give a number of seconds (0 or more)")


def _log_lines(interval: float) -> Progress:
    """A line such as `provscan: 120/2000 files (6%), 14 s, 8.6 files/s` at most every
    `interval` seconds. No path: a log line is for the pace, and names are the vendor's."""
    start = time.monotonic()
    last = start

    def progress(done: int, total: int, _path: str) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < interval:
            return
        last = now
        elapsed = now - start
        rate = f", {done / elapsed:.1f} files/s" if elapsed > 0 else ""
        share = f" ({100 * done // total}%)" if total else ""
        click.echo(f"provscan: {done}/{total} files{share}, {elapsed:.0f} s{rate}", err=True)

    return progress
