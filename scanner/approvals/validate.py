"""Raw register records -> Approval values, or one RegisterErrors naming every bad row and field.

Every problem is collected (a person fixing a register wants the whole list, not one at a time);
each names the file, the row and the field.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from scanner.approvals.fields import (
    BOOL_FIELDS,
    DATE_FIELDS,
    FALSE_WORDS,
    FIELDS,
    LIST_FIELDS,
    REQUIRED_FIELDS,
    SCOPES,
    SENSITIVE_FIELDS,
    STATUSES,
    TEXT_FIELDS,
    TRUE_WORDS,
)
from scanner.approvals.load import RawRecord, RawRegister
from scanner.common import pathglob
from scanner.common.suggest import did_you_mean
from scanner.errors import MAX_PROBLEMS, RegisterError, RowError, listing
from scanner.model import Approval

MAX_TEXT_CHARS = 4096
MAX_LIST_ITEMS = 10_000
# Across the whole register: as many as one pattern per approval at the row cap. Every pattern
# is checked and compiled at load and indexed for the scan, so the total, not only each list,
# needs a bound; a register past it is refused before the rest is checked.
MAX_PATH_PATTERNS = 100_000
_REQUEST_ID = re.compile(r"[^\s\x00-\x1f\x7f]{1,128}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class RegisterErrors(RegisterError):
    """Several register problems at once. `file/row/field/message` are the first one's;
    `hints` are said once after the list (the valid column names, however many were wrong)."""

    def __init__(
        self, problems: list[RowError], hints: tuple[str, ...] = (), stopped: bool = False
    ) -> None:
        first = problems[0]
        super().__init__(first.file, first.row, first.field, first.message)
        self.problems = tuple(problems)
        self.hints = hints
        self.stopped = stopped  # the checking stopped at MAX_PROBLEMS

    def __str__(self) -> str:
        return listing(self.file, self.problems, self.hints, self.stopped)


COLUMNS_HINT = "the register's columns: " + ", ".join(FIELDS)


class _Collector:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[RowError] = []
        self.unknown_names = False
        self.path_patterns = 0

    def add(self, row: int | None, field: str | None, message: str) -> None:
        self.problems.append(RegisterError(self.file, row, field, message))
        if len(self.problems) >= MAX_PROBLEMS:
            raise self.fail(stopped=True)

    def fail(self, stopped: bool = False) -> RegisterErrors:
        problems = sorted(self.problems, key=lambda p: p.row if p.row is not None else 0)
        hints = (COLUMNS_HINT,) if self.unknown_names else ()
        return RegisterErrors(problems, hints, stopped)


def validate(raw: RawRegister, base_dir: Path) -> tuple[Approval, ...]:
    """Check every record; raise RegisterErrors listing every problem, else return approvals.

    `base_dir` is the register's folder: `reference` images are resolved against it.
    """
    out = _Collector(raw.file)
    if raw.header is not None:
        _check_header(raw.header, out, raw.header_row)
        if any(name not in raw.header for name in REQUIRED_FIELDS):
            raise out.fail()  # every row would say the same again
    out.problems += raw.problems
    if raw.stopped:
        raise out.fail(stopped=True)
    approvals: list[Approval] = []
    first_row: dict[str, int] = {}
    for record in raw.records:
        approval = _approval(record, out, base_dir, check_names=raw.header is None)
        rid = record.values.get("request_id")
        if not isinstance(rid, (str, int)) or isinstance(rid, bool) or not str(rid).strip():
            continue
        rid, key = str(rid).strip(), str(rid).strip().casefold()
        if key in first_row:
            first = first_row[key]
            message = f"duplicate request_id '{rid}' (first used in row {first})"
            out.add(record.row, "request_id", message)
            continue
        first_row[key] = record.row
        if approval is not None:
            approvals.append(approval)
    if out.problems:
        raise out.fail()
    return tuple(approvals)


def _check_header(header: tuple[str, ...], out: _Collector, header_row: int = 1) -> None:
    seen: set[str] = set()
    for name in header:
        if name in seen:
            out.add(header_row, _name(name), "column appears twice in the header")
        seen.add(name)
        if name not in FIELDS:
            shown = _name(name) if name else "(blank)"
            hint = did_you_mean(name, (f for f in FIELDS if f not in header))
            out.add(header_row, shown, f"unknown column '{shown}' in the header{hint}")
            out.unknown_names = True
    for name in REQUIRED_FIELDS:
        if name not in seen:
            out.add(header_row, name, f"required column '{name}' is missing from the header")


def _approval(
    record: RawRecord, out: _Collector, base_dir: Path, *, check_names: bool
) -> Approval | None:
    """`check_names`: YAML/JSON keys are checked per entry; CSV/Excel names once, in the header."""
    before = len(out.problems)
    row, values = record.row, record.values
    for name in values if check_names else ():
        if name not in FIELDS:
            hint = did_you_mean(name, (f for f in FIELDS if f not in values))
            out.add(row, _name(name), f"unknown field '{_name(name)}'{hint}")
            out.unknown_names = True
    kwargs: dict[str, Any] = {"row": row}
    for name in TEXT_FIELDS:
        kwargs[name] = _text(values.get(name), row, name, out)
    for name in LIST_FIELDS:
        kwargs[name] = _list(values.get(name), row, name, out)
    for name in BOOL_FIELDS:
        kwargs[name] = _bool(values.get(name), row, name, out)
    for name in DATE_FIELDS:
        kwargs[name] = _date(values.get(name), row, name, out)
    failed = {p.field for p in out.problems[before:]}
    _check_required(kwargs, row, out, failed)
    kwargs["status"] = kwargs["status"].lower()
    kwargs["scope"] = kwargs["scope"].lower()
    _check_choices(kwargs, row, out)
    kwargs["paths"] = tuple(pathglob.clean(p) for p in kwargs["paths"])
    out.path_patterns += len(kwargs["paths"])
    if out.path_patterns > MAX_PATH_PATTERNS:
        message = (
            f"more than {MAX_PATH_PATTERNS} path patterns in the whole register: "
            "cover whole folders with '**' instead of listing files"
        )
        out.add(row, "paths", message)
        raise out.fail()
    kwargs["sha256"] = tuple(h.lower() for h in kwargs["sha256"])
    _check_items(kwargs, row, out, base_dir)
    if len(out.problems) > before:
        return None  # the cross-field rules below need every field sound
    _check_decision(kwargs, row, out)
    if len(out.problems) > before:
        return None
    return Approval(**kwargs)


def _check_required(
    kwargs: dict[str, Any], row: int, out: _Collector, failed: set[str | None]
) -> None:
    for name in REQUIRED_FIELDS:
        if not kwargs[name] and name not in failed:
            out.add(row, name, f"'{name}' is required")
    rid = kwargs["request_id"]
    if rid and not _REQUEST_ID.fullmatch(rid):
        out.add(row, "request_id", f"request_id {rid!r} must be 1-128 characters without spaces")


def _check_choices(kwargs: dict[str, Any], row: int, out: _Collector) -> None:
    for name, choices in (("status", STATUSES), ("scope", SCOPES)):
        value = kwargs[name]
        if value and value not in choices:
            out.add(
                row,
                name,
                f"unknown {name} {_short(value)}{did_you_mean(value, choices)}; "
                f"expected one of {', '.join(choices)}",
            )


def _check_items(kwargs: dict[str, Any], row: int, out: _Collector, base_dir: Path) -> None:
    for pattern in kwargs["paths"]:
        problem = pathglob.problem_with(pattern)
        if problem:
            out.add(row, "paths", f"{pattern!r}: {problem}")
    for digest in kwargs["sha256"]:
        if not _SHA256.fullmatch(digest):
            out.add(row, "sha256", f"{digest!r} is not a sha256 (64 hexadecimal characters)")
    for ref in kwargs["reference"]:
        target = base_dir / ref
        if not target.is_file():
            out.add(row, "reference", f"reference image {ref!r} not found (next to the register)")


def _check_decision(kwargs: dict[str, Any], row: int, out: _Collector) -> None:
    if kwargs["status"] == "approved" and not kwargs["written_approval_ref"]:
        sensitive = [name for name in SENSITIVE_FIELDS if kwargs[name]]
        if kwargs["scope"] == "final" or sensitive:
            why = f"sensitive use ({', '.join(sensitive)})" if sensitive else "scope 'final'"
            out.add(
                row,
                "written_approval_ref",
                f"an approved request with {why} needs a written_approval_ref",
            )
    approved_on, expires_on = kwargs["approved_on"], kwargs["expires_on"]
    if approved_on and expires_on and expires_on < approved_on:
        out.add(
            row,
            "expires_on",
            f"expires_on {expires_on.isoformat()} is before approved_on {approved_on.isoformat()}",
        )


def _text(value: Any, row: int, name: str, out: _Collector) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        out.add(row, name, f"expected text, got a yes/no value ({value}); quote it")
        return ""
    if isinstance(value, (date, datetime)):
        value = value.isoformat()
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        out.add(row, name, f"expected text, got {_kind(value)}")
        return ""
    text = value.strip()
    if len(text) > MAX_TEXT_CHARS:
        out.add(row, name, f"longer than {MAX_TEXT_CHARS} characters")
        return ""
    return text


def _list(value: Any, row: int, name: str, out: _Collector) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[Any] = value.split(";")
    elif isinstance(value, list):
        items = value
    else:
        out.add(row, name, f"expected text or a list of text, got {_kind(value)}")
        return ()
    if len(items) > MAX_LIST_ITEMS:
        out.add(row, name, f"more than {MAX_LIST_ITEMS} entries")
        return ()
    result: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            out.add(row, name, f"list entries must be text, got {_kind(item)}")
            return ()
        text = str(item).strip()
        if len(text) > MAX_TEXT_CHARS:
            out.add(row, name, f"an entry is longer than {MAX_TEXT_CHARS} characters")
            return ()
        if text:
            result.append(text)
    return tuple(result)


def _bool(value: Any, row: int, name: str, out: _Collector) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    hint = did_you_mean(value, ("yes", "no")) if isinstance(value, str) else ""
    out.add(row, name, f"expected yes or no, got {_short(value)}{hint}")
    return False


def _date(value: Any, row: int, name: str, out: _Collector) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):  # YAML timestamps: a date is wanted, not a moment
        out.add(row, name, f"expected a date (YYYY-MM-DD), got a date and time {_short(value)}")
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
    out.add(row, name, f"expected a date (YYYY-MM-DD), got {_short(value)}")
    return None


def _name(name: str) -> str:
    """A column or key name as shown in a message: a cell can hold 32,767 characters."""
    return name if len(name) <= 60 else name[:57] + "..."


def _short(value: Any) -> str:
    if isinstance(value, (list, dict)):
        # Never str() a container: YAML aliases can nest one into billions of elements.
        return _kind(value)
    text = repr(value if isinstance(value, str) else str(value))
    return text if len(text) <= 60 else text[:57] + "...'"


def _kind(value: object) -> str:
    kinds: dict[type, str] = {list: "a list", dict: "a mapping"}
    return kinds.get(type(value), type(value).__name__)
