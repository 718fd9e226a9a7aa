"""Which formats exist and where they are written.

Every writer takes a `ReportSource` (the document's header and its assets, read one at a time)
and a text stream, so a report is never one string in memory; `render` is for whole documents
already in memory (tests, small callers).

The output folder is checked before a scan starts (`check_output_folder`), so a folder that
cannot take the reports is a usage error then, not a failure after the whole scan. Each report
is written under a private temporary name created with O_EXCL|O_NOFOLLOW (nothing planted in
the folder, a symlink or a file, can redirect the write) and renamed onto its name only when
every format is written. `--format csv` also writes `provscan-cut.csv` (one row per timeline
event) when the scan had timelines or IMF compositions.
"""

from __future__ import annotations

import io
import os
import secrets
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

from scanner.common.paths import is_within
from scanner.errors import ConfigError
from scanner.report.document import ReportSource

Writer = Callable[[ReportSource, TextIO], None]
BASENAME = "provscan"
CUT_CSV = "cut-csv"  # the events of the timelines, beside the CSV: provscan-cut.csv
REPORT_MODE = 0o644
_CREATE_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_NAME_TRIES = 100


def writer(fmt: str) -> Writer:
    if fmt == "json":
        from scanner.report.json_report import write_json

        return write_json
    if fmt == "csv":
        from scanner.report.csv_report import write_csv

        return write_csv
    if fmt == "html":
        from scanner.report.html import write_html

        return write_html
    if fmt == CUT_CSV:
        from scanner.report.cut_csv import write_cut_csv

        return write_cut_csv
    raise ValueError(f"unknown format {fmt!r}")


def report_name(fmt: str) -> str:
    return f"{BASENAME}-cut.csv" if fmt == CUT_CSV else f"{BASENAME}.{fmt}"


def report_paths(out_dir: Path, formats: Sequence[str]) -> list[Path]:
    """Every file the formats may write (the cut CSV with the CSV)."""
    with_cut = [*formats, CUT_CSV] if "csv" in formats else list(formats)
    return [out_dir / report_name(fmt) for fmt in with_cut]


def check_output_folder(
    out_dir: Path, formats: Sequence[str], *, outside: Path | None = None
) -> None:
    """Before any work: `out_dir` exists (or is created) as a folder that takes a new file, and
    neither it nor a report path in it lies inside `outside` (the delivery; links resolved).
    ConfigError naming the folder otherwise."""
    if outside is not None:
        if is_within(out_dir, outside):
            raise ConfigError(
                f"output folder {out_dir} is inside the delivery: provscan never writes there"
            )
        for target in report_paths(out_dir, formats):
            if is_within(target, outside):
                raise ConfigError(
                    f"report {target} leads inside the delivery (a symlink): provscan never "
                    "writes there"
                )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise ConfigError(f"output folder {out_dir} is not a folder") from exc
    except OSError as exc:
        raise ConfigError(f"cannot create the output folder {out_dir}: {exc.strerror}") from exc
    try:  # a private file, created and removed: the one proof the folder takes new files
        fd, probe = tempfile.mkstemp(prefix=f".{BASENAME}-probe-", suffix=".tmp", dir=out_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(
            f"output folder {out_dir} is not writable: {exc.strerror or exc}"
        ) from exc
    for target in report_paths(out_dir, formats):
        if target.is_dir() and not target.is_symlink():
            raise ConfigError(f"report {target} is a folder: a report cannot replace it")


def write_reports(source: ReportSource, formats: Sequence[str], out_dir: Path) -> list[Path]:
    """provscan.{fmt} in `out_dir` for each format. Each appears whole or not at all: written
    under a private temporary name, renamed onto its name once every format is written. On a
    failure no temporary file is left and no report of this run is in place."""
    from scanner.report.cut_csv import has_cut

    out_dir.mkdir(parents=True, exist_ok=True)
    ready: list[tuple[Path, Path]] = []  # (temporary file, its final name)
    written = [*formats, CUT_CSV] if "csv" in formats and has_cut(source.header) else formats
    try:
        for fmt in written:
            target = out_dir / report_name(fmt)
            ready.append((_write_private(fmt, source, target), target))
        for tmp, target in ready:
            os.replace(tmp, target)
    except BaseException:
        for tmp, _target in ready:
            tmp.unlink(missing_ok=True)
        raise
    return [target for _tmp, target in ready]


def _write_private(fmt: str, source: ReportSource, target: Path) -> Path:
    """The report for `fmt` in a new file beside `target`; the temporary file's path."""
    fd, tmp = _create_private(target)
    try:
        # newline="" keeps the writer's own line endings (CSV wants CRLF)
        with open(fd, "w", encoding="utf-8", newline="") as handle:
            writer(fmt)(source, handle)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _create_private(target: Path) -> tuple[int, Path]:
    """A new file under an unguessable name beside `target` (.provscan.json.<random>.tmp).
    O_EXCL|O_NOFOLLOW: a name that exists, a symlink included, is never opened."""
    for _ in range(_NAME_TRIES):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
        try:
            return os.open(tmp, _CREATE_FLAGS, REPORT_MODE), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target} after {_NAME_TRIES} tries")


def stream_writer(fmt: str) -> Writer:
    """The writer for `fmt` on a stream a program reads (stdout): the file's writer, except
    that CSV has no byte-order mark there (only Excel, opening a file, needs it)."""
    if fmt == "csv":
        from scanner.report.csv_report import write_csv_stream

        return write_csv_stream
    return writer(fmt)


def write_stream(fmt: str, source: ReportSource, binary: BinaryIO) -> None:
    """One format to a binary stream (stdout) as UTF-8: the bytes the file would hold, except
    for the CSV's byte-order mark (`stream_writer`)."""
    text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
    try:
        stream_writer(fmt)(source, text)
        text.flush()
    finally:
        text.detach()  # leave the caller's stream open
