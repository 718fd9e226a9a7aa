"""An Excel (.xlsx) register: the first worksheet's stored cell values, the workbook bounded first.

Studio legal keeps the register in Excel, so provscan reads it as it is, like a CSV: every cell
becomes text (a date cell `YYYY-MM-DD`, a whole number without `.0`, TRUE/FALSE as `TRUE`/
`FALSE`), the first non-blank row is the header, later rows are records numbered as the sheet
numbers them.

Formulas are never evaluated: a formula cell counts with the value the spreadsheet stored when
it last saved the file (openpyxl's `data_only`); one with no stored value (a workbook written
by a program that does not calculate) is a problem naming the cell. A cell holding an error
(`#REF!`) is a problem too.

The workbook is the gatekeeper's, but it is still a zip of XML that anything could have
written, so before anything is parsed: at most MAX_PARTS members, all members' declared
uncompressed sizes together within MAX_UNCOMPRESSED_BYTES (zipfile stops a member at its
declared size, so a member cannot inflate past it), and openpyxl must be parsing with defusedxml
(no entity expansion: an "XML bomb" is refused).

openpyxl reads the small parts: the package manifest, the workbook (which sheets, which part
each is) and the styles (which number formats are dates). Its `load_workbook` is not used: it
parses every sheet of the workbook to size it (a workbook listing one big sheet a thousand times
would be parsed a thousand times), holds a whole row's cells at once, and reads shared strings
slowly. The two big parts, the shared strings and the first worksheet (the others are named,
never read), are streamed by `scanner.approvals.xlsx_parts` within their caps: shared strings,
rows (twice the record cap, blank ones included), columns (MAX_COLUMNS; values beyond are named
as problems, never held) and cells (MAX_CELL_CHARS, Excel's own limit). openpyxl is pinned to
3.1 for the parts used; the tests build real workbooks with it.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO, Any

from scanner.approvals.xlsx_parts import (
    FORMULA,
    INLINE,
    VALUE,
    Cell,
    DtdFound,
    PartLimit,
    refuse_dtd,
    rich_text,
    shared_strings,
    sheet_rows,
)
from scanner.common.tables import Row
from scanner.errors import MAX_PROBLEMS, RegisterError, RowError

MAX_PARTS = 1_000
# Every member together, as declared: room for a register at the record cap (100,000 rows of
# 18 cells) even as inline strings (about 90 MB); shared strings and rows have their own caps.
MAX_UNCOMPRESSED_BYTES = 128 * 1024 * 1024
MAX_COLUMNS = 64  # a register has 18
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
EXCEL_ROW_LIMIT = 1_048_576
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and encrypted .xlsx


@dataclass(frozen=True)
class Sheet:
    rows: tuple[Row, ...]
    header: tuple[str, ...] | None
    problems: tuple[RowError, ...]
    notes: tuple[str, ...]
    header_row: int = 1
    stopped: bool = False  # reading stopped at MAX_PROBLEMS problems


def read_xlsx(file: str, data: bytes, *, max_rows: int) -> Sheet:
    """The register's rows from the workbook's bytes; RegisterError (no row) when the workbook
    cannot be read at all or is over a bound."""
    _check_archive(file, data)
    try:
        return _read(file, data, max_rows)
    except RowError:
        raise
    except Exception as exc:  # noqa: BLE001 - a hostile workbook fails any way it likes
        raise RegisterError(file, None, None, _unreadable(exc)) from exc


def _check_archive(file: str, data: bytes) -> None:
    import openpyxl

    if not openpyxl.DEFUSEDXML:
        raise RegisterError(
            file, None, None, "cannot read Excel files safely here: openpyxl is not using "
            "defusedxml (is OPENPYXL_DEFUSEDXML=False set?); save the register as CSV",
        )  # fmt: skip
    if data.startswith(OLE_MAGIC):
        raise RegisterError(
            file, None, None, "an Excel 97-2003 (.xls) or password-protected workbook: save "
            "it as an unprotected .xlsx workbook, or as CSV",
        )  # fmt: skip
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise RegisterError(
            file, None, None, f"not an Excel workbook (.xlsx is a zip archive): {exc}"
        ) from exc
    if len(members) > MAX_PARTS:
        raise RegisterError(
            file, None, None, f"the workbook holds more than {MAX_PARTS} parts: refused"
        )
    declared = sum(member.file_size for member in members)
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise RegisterError(
            file, None, None, f"the workbook unpacks to {declared:,} bytes, over the "
            f"{MAX_UNCOMPRESSED_BYTES:,} provscan reads: refused",
        )  # fmt: skip


def _read(file: str, data: bytes, max_rows: int) -> Sheet:
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.xml.constants import SHARED_STRINGS

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    with warnings.catch_warnings():  # "no default style" and the like: not the user's concern
        warnings.simplefilter("ignore")
        reader.read_manifest()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)  # which style ids are dates
        names = [str(sheet.name) for sheet in reader.parser.sheets]
        chosen = _first_worksheet(reader)
    if chosen is None:
        raise RegisterError(file, None, None, "the workbook has no worksheet")
    name, target, state = chosen
    strings: list[str] = []
    part = reader.package.find(SHARED_STRINGS)  # type: ignore[no-untyped-call]
    try:
        if part is not None:
            with _opened(reader.archive, part.PartName[1:]) as source:
                strings = shared_strings(source)
        cells = _CellReader(strings, reader.wb)
        with _opened(reader.archive, target) as source:
            rows = sheet_rows(
                source, text_of=cells.text_of, max_columns=MAX_COLUMNS, max_rows=2 * max_rows + 2
            )
            sheet = _SheetReader(file, max_rows).read(rows)
    except PartLimit as exc:
        raise RegisterError(file, None, None, str(exc)) from None
    note = f"sheet '{name}'" + ("" if state == "visible" else f" ({state})")
    if len(names) > 1:
        others = ", ".join(f"'{n}'" for n in names if n != name)
        note += f", the first worksheet of {len(names)}; not read: {_shorten(others)}"
    note += "; formulas count with the values the workbook stored, never evaluated"
    return Sheet(sheet.rows, sheet.header, sheet.problems, (note,), sheet.header_row, sheet.stopped)


def _opened(archive: zipfile.ZipFile, name: str) -> IO[bytes]:
    """A part, opened for streaming once its prolog is known to declare no document type."""
    with archive.open(name) as head:
        refuse_dtd(head)
    return archive.open(name)


def _first_worksheet(reader: Any) -> tuple[str, str, str] | None:
    for sheet, rel in reader.parser.find_sheets():
        if "worksheet" in (rel.Type or "") and rel.target in reader.valid_files:
            return str(sheet.name), str(rel.target), str(sheet.state or "visible")
    return None


class _CellReader:
    """One <c> element -> (text, problem), as openpyxl's data_only reading gives its value."""

    def __init__(self, strings: list[str], workbook: Any) -> None:
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self.from_excel, self.from_iso = from_excel, from_ISO8601
        self.strings = strings
        self.epoch = workbook.epoch
        self.dates = set(workbook._date_formats)  # style ids whose number format is a date
        self.durations = set(workbook._timedelta_formats)

    def text_of(self, element: Any) -> tuple[str, str]:
        kind = element.get("t", "n")
        if kind == "inlineStr":
            inline = element.find(INLINE)
            value = rich_text(inline) if inline is not None else None
        else:
            value = element.findtext(VALUE) or None
        if value is None:
            if element.find(FORMULA) is not None:
                return "", (
                    "holds a formula with no stored value (provscan never evaluates formulas): "
                    "open and save the workbook in Excel or LibreOffice, or type the value"
                )
            return "", ""
        if kind == "s":
            index = int(value)
            if not 0 <= index < len(self.strings):
                return "", f"refers to shared string {index}, which the workbook does not hold"
            text = self.strings[index]
        elif kind == "b":
            text = "TRUE" if value.strip() in ("1", "true") else "FALSE"
        elif kind == "e":
            return "", f"holds the error value {_shorten(value)}"
        elif kind == "d":
            text = as_text(self.from_iso(value))  # type: ignore[no-untyped-call]
        elif kind in ("str", "inlineStr"):
            text = value
        else:
            style = int(element.get("s") or 0)
            number = float(value)
            if style in self.dates and number == number and abs(number) < 3e6:
                duration = style in self.durations
                text = as_text(self.from_excel(number, self.epoch, timedelta=duration))
            else:
                text = as_text(number)
        if len(text) > MAX_CELL_CHARS:
            return "", f"holds more than {MAX_CELL_CHARS:,} characters (Excel's limit)"
        return text, ""


class _SheetReader:
    def __init__(self, file: str, max_rows: int) -> None:
        self.file = file
        self.max_rows = max_rows
        self.rows: list[Row] = []
        self.problems: list[RowError] = []
        self.header: tuple[str, ...] | None = None
        self.header_row = 1

    def read(self, rows: Iterator[tuple[int, list[Cell], list[str]]]) -> Sheet:
        last = 0
        for number, cells, beyond in rows:
            if not 0 < number <= EXCEL_ROW_LIMIT or number <= last:
                raise RegisterError(
                    self.file, number, None, f"row number {number} out of order: not a sheet "
                    "Excel wrote",
                )  # fmt: skip
            last = number
            self._row(number, cells, beyond)
            if len(self.problems) >= MAX_PROBLEMS:
                break
        stopped = len(self.problems) >= MAX_PROBLEMS
        problems = tuple(self.problems[:MAX_PROBLEMS])
        return Sheet(tuple(self.rows), self.header, problems, (), self.header_row, stopped)

    def _row(self, number: int, cells: list[Cell], beyond: list[str]) -> None:
        for cell in cells:
            if cell.problem:
                self._problem(cell)
        if beyond:
            message = (
                f"a value beyond column {MAX_COLUMNS} ({', '.join(beyond)}): a register has "
                "18 columns; move or delete it"
            )
            self.problems.append(RegisterError(self.file, number, None, message))
        texts = {c.column: c.text for c in cells if c.text.strip()}
        if not texts:
            return
        if self.header is None:
            width = max(texts)
            self.header = tuple(texts.get(i, "").strip().lower() for i in range(1, width + 1))
            self.header_row = number
            return
        extra = [repr(texts[i]) for i in sorted(texts) if i > len(self.header)]
        if extra:
            message = f"more cells than header columns ({', '.join(extra[:5])})"
            self.problems.append(RegisterError(self.file, number, None, message))
        values = {name: texts.get(i, "") for i, name in enumerate(self.header, start=1)}
        self.rows.append(Row(number, values))
        if len(self.rows) > self.max_rows:
            raise RegisterError(self.file, number, None, f"more than {self.max_rows} records")

    def _problem(self, cell: Cell) -> None:
        field = None
        if self.header is not None and 0 < cell.column <= len(self.header):
            field = self.header[cell.column - 1] or None
        ref = f"{_letters(cell.column)}{cell.row}"
        self.problems.append(
            RegisterError(self.file, cell.row, field, f"cell {ref} {cell.problem}")
        )


def as_text(value: Any) -> str:
    """A cell value as the text a CSV export holds."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _letters(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unreadable(exc: Exception) -> str:
    from defusedxml import DefusedXmlException

    if isinstance(exc, (DefusedXmlException, DtdFound)):
        return (
            "the workbook's XML declares a document type or entities (an XML bomb or external "
            "entity): refused; Excel never writes one"
        )
    if isinstance(exc, MemoryError):
        return "the workbook is too large to read"
    return f"not an Excel workbook provscan can read ({type(exc).__name__}: {_shorten(str(exc))})"
