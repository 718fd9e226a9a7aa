"""Read a register file (CSV, YAML or JSON) into raw records, without judging the values.

The format comes from the file name: `.csv`, `.yaml`/`.yml`, `.json`. Row numbers are what a
person will look for: in CSV the spreadsheet row (the header is row 1, the first record row 2),
in YAML/JSON the position of the entry in the list (the first entry is row 1).

YAML anchors and aliases are refused: an alias repeats a value without repeating its bytes, so a
file well under the size cap could hand the validator and the matcher millions of patterns.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scanner.common.config_files import ConfigFileError, read_config_file
from scanner.errors import RegisterError

MAX_REGISTER_BYTES = 16 * 1024 * 1024
MAX_ROWS = 100_000

FORMATS = {".csv": "csv", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}


@dataclass(frozen=True)
class RawRecord:
    row: int
    values: dict[str, Any]  # field name -> value as the file gave it (str in CSV; any in YAML/JSON)


@dataclass(frozen=True)
class RawRegister:
    file: str
    format: str  # csv | yaml | json
    records: tuple[RawRecord, ...]
    header: tuple[str, ...] | None = None  # CSV only, names lower-cased and stripped


def read_register(path: Path) -> RawRegister:
    """Parse the file; RegisterError (no row) when it cannot be read or parsed at all."""
    file = str(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise RegisterError(
            file, None, None, "unknown register format: name it .csv, .yaml, .yml or .json"
        )
    text = _read_text(path, file)
    if fmt == "csv":
        return _parse_csv(file, text)
    return _parse_tree(file, fmt, text)


def _read_text(path: Path, file: str) -> str:
    try:
        data = read_config_file(path, what="register", max_bytes=MAX_REGISTER_BYTES)
    except ConfigFileError as exc:
        raise RegisterError(file, None, None, f"the register {exc.reason}") from exc
    try:
        return data.decode("utf-8-sig")  # spreadsheets often save a byte-order mark
    except UnicodeDecodeError as exc:
        raise RegisterError(
            file, None, None, f"not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from exc


def _parse_csv(file: str, text: str) -> RawRegister:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[RawRecord] = []
    header: tuple[str, ...] | None = None
    row = 0
    try:
        for cells in reader:
            row += 1
            if header is None:
                if not any(c.strip() for c in cells):
                    continue  # blank lines before the header
                header = tuple(c.strip().lower() for c in cells)
                continue
            if not any(c.strip() for c in cells):
                continue  # blank lines between records
            if len(cells) > len(header):
                extra = ", ".join(repr(c) for c in cells[len(header) :] if c.strip())
                if extra:
                    raise RegisterError(
                        file, row, None, f"more cells than header columns ({extra})"
                    )
            values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
            records.append(RawRecord(row, values))
            if len(records) > MAX_ROWS:
                raise RegisterError(file, row, None, f"more than {MAX_ROWS} records")
    except csv.Error as exc:
        raise RegisterError(file, row or None, None, f"not valid CSV: {exc}") from exc
    if header is None:
        raise RegisterError(file, None, None, "empty: a CSV register needs a header row")
    return RawRegister(file, "csv", tuple(records), header)


class _AnchorFound(Exception):
    def __init__(self, line: int | None) -> None:
        self.line = line


class _RegisterYamlLoader(yaml.SafeLoader):
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
    loader = _RegisterYamlLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _parse_tree(file: str, fmt: str, text: str) -> RawRegister:
    try:
        tree = _load_yaml(text) if fmt == "yaml" else json.loads(text)
    except _AnchorFound as exc:
        where = f" (line {exc.line})" if exc.line is not None else ""
        raise RegisterError(
            file,
            None,
            None,
            f"YAML anchors and aliases are not allowed in a register: write each value out{where}",
        ) from None
    # ValueError besides JSONDecodeError: an integer of more than 4300 digits (YAML or JSON).
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise RegisterError(file, None, None, f"not valid {fmt.upper()}: {exc}") from exc
    if isinstance(tree, dict) and set(tree) == {"approvals"}:
        tree = tree["approvals"]
    if tree is None:
        tree = []
    if not isinstance(tree, list):
        raise RegisterError(
            file, None, None, "expected a list of approvals (or a mapping with one key 'approvals')"
        )
    if len(tree) > MAX_ROWS:
        raise RegisterError(file, None, None, f"more than {MAX_ROWS} records")
    records: list[RawRecord] = []
    for index, entry in enumerate(tree, start=1):
        if not isinstance(entry, dict):
            raise RegisterError(
                file, index, None, f"each approval must be a mapping, got {_kind(entry)}"
            )
        records.append(RawRecord(index, {str(k).strip().lower(): v for k, v in entry.items()}))
    return RawRegister(file, fmt, tuple(records))


def _kind(value: object) -> str:
    return "a list" if isinstance(value, list) else type(value).__name__
