"""The `provscan` command group, its entry point, and the one place failures become exit codes.

0, 1 and 3 are the gate's verdict (scanner.policy.gate) and nothing else ever returns them.
Library errors (ScannerError and kinds) become usage errors (exit 2) in `usage_errors`. Any
other exception is provscan failing (exit 4, a one-line message; the traceback with
PROVSCAN_DEBUG=1). SIGINT and SIGTERM stop the scan through every clean-up on the way out
(workers, cache, spool, temporary report files): exit 130 and 143. A closed stdout (a reader
that stopped reading: `| head`) ends quietly: exit 141. The numbers 128+N are the shell's for
"ended by signal N", which is what a pipeline sees from any tool stopped that way.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date
from types import FrameType
from typing import Any

import click

from scanner import __version__
from scanner.common.safetext import terminal_safe
from scanner.errors import ScannerError

EXIT_USAGE = 2
EXIT_INTERNAL = 4  # provscan itself failed: no verdict
EXIT_CLOSED_OUTPUT = 128 + signal.SIGPIPE  # 141
DEBUG_ENV = "PROVSCAN_DEBUG"  # set (to anything but 0) for the traceback of an internal error
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # exit 130 and 143

EXIT_CODES_HELP = """\b
Exit codes:
  0    the delivery passes
  1    at least one violation (or review, with --strict)
  2    usage, config, policy or register error: nothing was scanned
  3    no violation, but some assets (or a folder) could not be read
  4    provscan itself failed (internal error): no verdict
  130  interrupted (SIGINT, Ctrl-C): no verdict
  141  stdout was closed before the report was all written (e.g. | head)
  143  terminated (SIGTERM): no verdict
  PROVSCAN_DEBUG=1 in the environment shows the traceback of an internal error."""


class UsageFailure(click.ClickException):
    exit_code = EXIT_USAGE


class Interrupted(BaseException):
    """A stop signal, raised where the main thread is so every `finally` and `with` on the way
    out runs. Not a KeyboardInterrupt: click turns those into "Aborted!" and exit 1, which is
    the code of a violation."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def _raise_interrupted(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextmanager
def usage_errors() -> Iterator[None]:
    try:
        yield
    except ScannerError as exc:
        raise UsageFailure(str(exc)) from exc


class ProvscanGroup(click.Group):
    """The group whose invoke turns what a command did not expect into an honest exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError as exc:
            if not _silence_closed_output():
                raise click.exceptions.Exit(_internal_error(exc)) from exc
            raise click.exceptions.Exit(EXIT_CLOSED_OUTPUT) from None
        except Exception as exc:  # noqa: BLE001 - every failure gets a message and exit 4
            raise click.exceptions.Exit(_internal_error(exc)) from exc


def _internal_error(exc: BaseException) -> int:
    if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    # the message may name a delivery file: shown, not obeyed
    _tell(
        f"provscan: internal error, no verdict: {type(exc).__name__}: {terminal_safe(str(exc))}"
        f" (set {DEBUG_ENV}=1 for the traceback)"
    )
    return EXIT_INTERNAL


def _silence_closed_output() -> bool:
    """Point stdout and stderr, where their reader has gone, at /dev/null, so the interpreter's
    last flush cannot fail again ("Exception ignored ... BrokenPipeError"). False when neither
    had gone: the broken pipe was something else."""
    poller = select.poll()
    for fd in (1, 2):
        poller.register(fd, 0)  # POLLERR and POLLHUP are always reported
    closed = [fd for fd, events in poller.poll(0) if events & (select.POLLERR | select.POLLHUP)]
    if not closed:
        return False
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in closed:
        os.dup2(devnull, fd)
    os.close(devnull)
    return True


def _tell(message: str) -> None:
    with suppress(OSError):  # stderr itself may be gone
        click.echo(message, err=True)


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc


@click.group(
    cls=ProvscanGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Examples:
  provscan scan /deliveries/ep101 --approvals register.csv --format html --format json -o out/
  provscan scan /deliveries/ep101 --approvals register.yaml --strict --format json > scan.json
  provscan init gate/ --delivery /deliveries/ep101
  provscan approvals check register.csv --delivery /deliveries/ep101
  provscan waivers draft out/provscan.json > waivers.yaml
  provscan report out/provscan.json --format html -o out/
  provscan diff monday/provscan.json tuesday/provscan.json
  provscan rules

"""
    + EXIT_CODES_HELP,
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _param, value: _print_version(ctx) if value else None,
    help="Show provscan's version, the rule catalog's and the C2PA SDK's, and exit.",
)
def cli() -> None:
    """Asset provenance scanner for media deliveries.

    Reads every image, video and audio file's provenance (C2PA content credentials, XMP/IPTC,
    EXIF, PNG/WebP text chunks, container tags), flags generative-AI material, checks it against
    the register of approved gen-AI requests and the delivery policy, and reports.
    """


def version_text() -> str:
    """What `provscan --version` prints: every version a scan's decisions depend on."""
    from importlib.metadata import PackageNotFoundError, version

    from scanner.scan import tool_info

    tool = tool_info()
    try:
        binding = f" (c2pa-python {version('c2pa-python')})"
    except PackageNotFoundError:
        binding = ""
    return (
        f"provscan, version {__version__}\n"
        f"rule catalog {tool.catalog_version}\n"
        f"C2PA SDK {tool.c2pa_version or 'unknown'}{binding}\n"
        f"Python {sys.version.split()[0]}\n"
    )


def _print_version(ctx: click.Context) -> None:
    if ctx.resilient_parsing:  # shell completion: print nothing
        return
    click.echo(version_text(), nl=False)
    ctx.exit()


def main() -> None:
    """The console script: signals become exceptions, so the scan can clean up on the way out."""
    import logging

    # Library warnings (e.g. a damaged cache file set aside) reach the user, prefixed.
    logging.basicConfig(format="provscan: %(message)s", level=logging.WARNING)
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_interrupted)
    try:
        cli()
    except Interrupted as stop:
        _tell(f"provscan: stopped by {stop}: the scan did not finish, no verdict")
        sys.exit(128 + stop.signum)
