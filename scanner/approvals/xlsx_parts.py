"""Streaming parsers for the two big parts of an Excel register: shared strings and one sheet.

openpyxl holds a whole row's cells (and every cleared row element) while it parses, and reads
shared strings at about 20 µs each, so a workbook within the size caps could still hold a
million-cell row or millions of tiny strings. These parsers keep nothing of an element once it
is read and stop at their caps: shared strings (MAX_SHARED_STRINGS), cells (MAX_CELLS, counted
wherever they sit), rows (the caller's), cells kept per row (the first `max_columns` columns;
values beyond are named, up to five, never held).

XML safety: a part is refused when its prolog declares a document type (`<!DOCTYPE`, where
entities are declared: XML bombs and external entities). A DTD can only stand before the root
element, so checking the prolog with expat (`refuse_dtd`) is enough; the part is then parsed
with the standard library's C parser, which resolves no external entity. (defusedxml's parser
makes the same checks in Python, and parses these parts three times slower.)

Cell values follow openpyxl's `data_only` reading: a formula's stored value, never the formula;
numbers in a date style become dates (openpyxl's styles and `from_excel` decide which).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from xml.parsers import expat

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ROW, CELL, VALUE, FORMULA = MAIN + "row", MAIN + "c", MAIN + "v", MAIN + "f"
INLINE, TEXT, RUN, STRING_ITEM = MAIN + "is", MAIN + "t", MAIN + "r", MAIN + "si"
MAX_SHARED_STRINGS = 1_000_000  # a register's 100,000 records of 18 cells share far fewer
MAX_CELLS = 2_000_000  # 100,000 records of 18 cells, and room besides
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


class PartLimit(Exception):
    """A part past one of its caps; the message says which."""


class DtdFound(Exception):
    """A part declares a document type or an entity: refused (Excel never writes one)."""


class _RootReached(Exception):
    pass


@dataclass(frozen=True)
class Cell:
    row: int
    column: int
    text: str  # "" when empty, or when `problem` says why it could not be read
    problem: str = ""


def refuse_dtd(source: IO[bytes]) -> None:
    """DtdFound when the part's prolog (all before its root element) declares a document type
    or an entity. Reads only up to the root element's start."""

    def found(*_args: object) -> None:
        raise DtdFound

    def root(*_args: object) -> None:
        raise _RootReached

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = found
    parser.EntityDeclHandler = found
    parser.StartElementHandler = root
    try:
        while chunk := source.read(64 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _RootReached:
        return
    except expat.ExpatError:
        return  # not well-formed: the real parse says so


def _events(source: IO[bytes]) -> Iterator[tuple[str, Any]]:
    # the C parser, after refuse_dtd: no DTD, so no entity to expand and none to fetch
    return ET.iterparse(source, events=("start", "end"))  # noqa: S314


def shared_strings(source: IO[bytes]) -> list[str]:
    """Every <si> of the shared-strings part as plain text (runs joined, phonetics left out)."""
    strings: list[str] = []
    root: Any = None
    for event, element in _events(source):
        if event == "start":
            if root is None:
                root = element
        elif element.tag == STRING_ITEM:
            if len(strings) >= MAX_SHARED_STRINGS:
                raise PartLimit(f"more than {MAX_SHARED_STRINGS:,} shared strings")
            strings.append(rich_text(element))
            root.clear()  # the <sst> keeps no finished item
    return strings


def rich_text(element: Any) -> str:
    """The text of an <si> or <is>: its <t>, or its runs' <t>s joined (phonetic runs left out)."""
    pieces = [element.findtext(TEXT) or ""]
    pieces += [run.findtext(TEXT) or "" for run in element.findall(RUN)]
    return "".join(pieces)


def sheet_rows(
    source: IO[bytes],
    *,
    text_of: Callable[[Any], tuple[str, str]],
    max_columns: int,
    max_rows: int,
) -> Iterator[tuple[int, list[Cell], list[str]]]:
    """(row number, cells in its first `max_columns` columns, references of the non-empty cells
    beyond them) for each <row>, in file order. `text_of(cell element)` gives (text, problem).
    PartLimit past `max_rows` row elements or MAX_CELLS cells; ValueError for a cell reference
    that is not one."""
    from openpyxl.utils.cell import get_column_letter

    rows = number = column = count = 0
    cells: list[Cell] = []
    beyond: list[str] = []
    current: Any = None
    for event, element in _events(source):
        tag = element.tag
        if event == "start":
            if tag == ROW:
                rows += 1
                if rows > max_rows:
                    raise PartLimit(f"more than {max_rows:,} rows in the sheet")
                number = int(element.get("r") or number + 1)
                column, cells, beyond, current = 0, [], [], element
            continue
        if tag == CELL and current is not None:
            count += 1
            if count > MAX_CELLS:
                raise PartLimit(f"more than {MAX_CELLS:,} cells in the sheet")
            column = _column(element.get("r"), number, column)
            if column <= max_columns:
                text, problem = text_of(element)
                if text or problem:
                    cells.append(Cell(number, column, text, problem))
            elif len(beyond) < 5 and text_of(element)[0].strip():
                beyond.append(f"{get_column_letter(column)}{number}")
            current.clear()  # the row keeps no finished cell
        elif tag == ROW:
            yield number, cells, beyond
            element.clear()
            current = None


def _column(ref: str | None, row: int, previous: int) -> int:
    """The column of a cell reference such as `BM2` in row `row`; the next column when the cell
    has none. ValueError for a reference that is not one, or that names another row."""
    if not ref:
        return previous + 1
    match = _REF.fullmatch(ref)
    if match is None or int(match.group(2)) != row:
        raise ValueError(f"cell reference {ref[:20]!r} in row {row}")
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return column
