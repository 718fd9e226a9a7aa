"""Rows of a gatekeeper's CSV, YAML or JSON file (register, waivers): bounded, problems kept.

Shared by the register (`scanner.approvals.load`) and the waiver file
(`scanner.policy.waiver_file`), which judge the values; here only the shape is read:

- the file through `read_config_file` (never through a link out of its folder, bounded), as
  UTF-8 with or without a byte-order mark;
- CSV: the delimiter is `,`, `;` or tab, whichever splits the header into the most known
  column names (Excel saves "CSV" with `;` where the decimal separator is a comma); a row with
  more cells than the header is a problem of that row, and the row is still read, so its other
  problems are listed too;
- YAML: PyYAML's safe loader, with anchors and aliases refused (an alias repeats a value
  without repeating its bytes, so a small file could hand the validator millions of patterns).

Errors are made by the caller's `error` factory (RegisterError, WaiverError), so each names its
file kind; a problem that makes the rest unreadable raises, the others are returned.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scanner.common.config_files import ConfigFileError, read_config_file
from scanner.errors import MAX_PROBLEMS, RowError

ErrorFactory = Callable[[str, int | None, str | None, str], RowError]

DELIMITERS = {",": "comma-separated", ";": "semicolon-separated", "\t": "tab-separated"}
_HEADER_PROBE_CHARS = 64 * 1024  # the header is looked for in the first 64 KiB


@dataclass(frozen=True)
class Row:
    row: int  # CSV: the spreadsheet row (header = 1); YAML/JSON: the entry's place (first = 1)
    values: dict[str, Any]  # name -> value as the file gave it (text in CSV; any in YAML/JSON)


@dataclass(frozen=True)
class Table:
    rows: tuple[Row, ...]
    header: tuple[str, ...] | None = None  # CSV: the names, lower-cased and stripped
    problems: tuple[RowError, ...] = ()  # row problems found while reading (extra cells, ...)
    delimiter: str = ""  # CSV: the one used
    header_row: int = 1
    stopped: bool = False  # reading stopped at MAX_PROBLEMS problems


def read_text(path: Path, *, what: str, max_bytes: int, error: ErrorFactory) -> str:
    """The file's text; `error` (no row) when it cannot be read safely or is not UTF-8."""
    return decode_utf8(read_bytes(path, what=what, max_bytes=max_bytes, error=error), path, error)


def read_bytes(path: Path, *, what: str, max_bytes: int, error: ErrorFactory) -> bytes:
    try:
        return read_config_file(path, what=what, max_bytes=max_bytes)
    except ConfigFileError as exc:
        raise error(str(path), None, None, f"the {what} {exc.reason}") from exc


def decode_utf8(data: bytes, path: Path, error: ErrorFactory) -> str:
    try:
        return data.decode("utf-8-sig")  # spreadsheets often save a byte-order mark
    except UnicodeDecodeError as exc:
        raise error(
            str(path), None, None, f"not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from exc


def sniff_delimiter(text: str, known: Collection[str]) -> str:
    """`,`, `;` or tab: the one that splits the first non-blank line into the most `known`
    names, then into the most cells; a comma on a tie (what the file is named for)."""
    header = ""
    for line in text[:_HEADER_PROBE_CHARS].splitlines():
        if line.strip():
            header = line
            break

    def score(delimiter: str) -> tuple[int, int]:
        try:
            cells = next(csv.reader([header], delimiter=delimiter), [])
        except csv.Error:
            return (-1, -1)
        return (sum(1 for c in cells if c.strip().lower() in known), len(cells))

    return max(DELIMITERS, key=score)  # max keeps the first of equals: the comma


def parse_csv(
    file: str, text: str, *, known: Collection[str], max_rows: int, error: ErrorFactory
) -> Table:
    """Header and rows; `error` for what stops the reading (bad quoting, too many rows)."""
    delimiter = sniff_delimiter(text, known)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[Row] = []
    problems: list[RowError] = []
    header: tuple[str, ...] | None = None
    header_row = number = 0
    try:
        for cells in reader:
            number += 1
            if not any(c.strip() for c in cells):
                continue  # blank lines before the header and between rows
            if header is None:
                header = tuple(c.strip().lower() for c in cells)
                header_row = number
                continue
            extra = [repr(c) for c in cells[len(header) :] if c.strip()]
            # Trailing empty cells are a habit of hand-written CSV ("a,b,"), but with `;` as
            # the delimiter they are what an unquoted list cell ("a;b") leaves: the row shifted.
            if extra or (delimiter == ";" and len(cells) > len(header)):
                shown = ", ".join(extra[:5]) + (" ..." if len(extra) > 5 else "")
                message = f"more cells than header columns ({shown or 'empty ones'})"
                if delimiter == ";":
                    message += (
                        "; in a semicolon-separated file a cell holding ';' needs quotes, or "
                        "its row shifts"
                    )
                problems.append(error(file, number, None, message))
                if len(problems) >= MAX_PROBLEMS:
                    return Table(tuple(rows), header, tuple(problems), delimiter, header_row, True)
            values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
            rows.append(Row(number, values))
            if len(rows) > max_rows:
                raise error(file, number, None, f"more than {max_rows} records")
    except csv.Error as exc:
        raise error(file, number or None, None, f"not valid CSV: {exc}") from exc
    if header is None:
        raise error(file, None, None, "empty: a CSV file needs a header row")
    return Table(tuple(rows), header, tuple(problems), delimiter, header_row)


class _AnchorFound(Exception):
    def __init__(self, line: int | None) -> None:
        self.line = line


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader (plain data, no tags that build objects) that also refuses anchors and
    aliases, before any node is built from them."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        # the event of the node about to be built (types-PyYAML leaves peek_event untyped)
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if getattr(event, "anchor", None) is not None:  # `&name value`, or the alias `*name`
            mark = event.start_mark
            raise _AnchorFound(mark.line + 1 if mark is not None else None)
        return super().compose_node(parent, index)


def _load_yaml(text: str) -> Any:
    loader = _NoAliasLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def parse_tree(file: str, fmt: str, text: str, *, what: str, error: ErrorFactory) -> Any:
    """A YAML or JSON document as plain data; `error` when it does not parse."""
    try:
        return _load_yaml(text) if fmt == "yaml" else json.loads(text)
    except _AnchorFound as exc:
        where = f" (line {exc.line})" if exc.line is not None else ""
        raise error(
            file,
            None,
            None,
            f"YAML anchors and aliases are not allowed in a {what}: write each value out{where}",
        ) from None
    # ValueError besides JSONDecodeError: an integer of more than 4300 digits (YAML or JSON).
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise error(file, None, None, f"not valid {fmt.upper()}: {exc}") from exc


def mapping_rows(
    file: str, entries: list[Any], *, entry: str, max_rows: int, error: ErrorFactory
) -> tuple[Row, ...]:
    """A YAML/JSON list of mappings as rows (keys stripped and lower-cased); `error` naming
    the entry that is not a mapping, or when there are more than `max_rows`."""
    if len(entries) > max_rows:
        raise error(file, None, None, f"more than {max_rows} records")
    rows: list[Row] = []
    for index, item in enumerate(entries, start=1):
        if not isinstance(item, dict):
            raise error(file, index, None, f"each {entry} must be a mapping, got {kind(item)}")
        rows.append(Row(index, {str(k).strip().lower(): v for k, v in item.items()}))
    return tuple(rows)


def kind(value: object) -> str:
    kinds: dict[type, str] = {list: "a list", dict: "a mapping"}
    return kinds.get(type(value), type(value).__name__)
