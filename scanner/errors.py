"""Errors the library raises. The CLI maps every ScannerError to a usage error (exit 2)."""

from __future__ import annotations


class ScannerError(Exception):
    """Base class: a problem with how provscan was asked to run (not with a media file)."""


class ConfigError(ScannerError):
    """A bad option, policy file or path given by the user."""


class CacheTrustError(ConfigError):
    """A cache file or folder that someone else could have written: not used, the scan stops."""


class RowError(ScannerError):
    """A gatekeeper's table (register, waivers) is malformed. Names the file, row and field."""

    def __init__(self, file: str, row: int | None, field: str | None, message: str) -> None:
        self.file = file
        self.row = row
        self.field = field
        self.message = message
        where = file
        if row is not None:
            where += f", row {row}"
        if field:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")


class TimelineError(ScannerError):
    """A timeline (`--timeline`, the policy's `timelines`) that cannot be read or resolved.
    Names the file and, where the format has lines, the line."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}, line {line}" if line else file
        super().__init__(f"{where}: {message}")


class RegisterError(RowError):
    """The approvals register is malformed. Names the file, row and field."""


class WaiverError(RowError):
    """The waiver file is malformed, or waives what the policy does not let it. Names the file,
    row and field."""


class ReportInputError(ScannerError):
    """A stored JSON scan that cannot be re-rendered."""


class GlobTimeBound(Exception):
    """Matching one asset's path against the register's or policy's globs ran past its deadline.

    Not a ScannerError on purpose: it says nothing about how provscan was run, only that one
    asset could not be fully matched. The scan catches it and marks that asset alone as not
    fully inspected (an uncaught one stops the scan, never lets the asset pass).
    """

    def __init__(self, path: str, seconds: float) -> None:
        self.path = path
        self.seconds = seconds
        shown = path if len(path) <= 200 else path[:200] + "..."
        super().__init__(f"matching {shown!r} against the globs took more than {seconds:g} s")


# A table's problems are listed up to this many; past it the checking stops (a sheet whose
# every row is wrong would otherwise hold, and print, one problem per row).
MAX_PROBLEMS = 1000


def listing(
    file: str, problems: tuple[RowError, ...], hints: tuple[str, ...] = (), stopped: bool = False
) -> str:
    """Several table problems as one message: a count, one line each, then the hints once
    (e.g. the valid column names, stated once however many columns were wrong). `stopped`:
    the checking stopped at MAX_PROBLEMS, so there may be more."""
    if len(problems) == 1 and not hints:
        return str(problems[0])
    count = f"{len(problems)}{'+' if stopped else ''}"
    lines = [f"{file}: {count} problem{'' if len(problems) == 1 else 's'}"]
    for problem in problems:
        parts = [f"row {problem.row}"] if problem.row is not None else []
        if problem.field:
            parts.append(f"field '{problem.field}'")
        lines.append(f"  {', '.join(parts) or 'file'}: {problem.message}")
    if stopped:
        lines.append(f"  ... stopped after {len(problems):,} problems: fix these and check again")
    lines += [f"  {hint}" for hint in hints]
    return "\n".join(lines)
