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
written, so before openpyxl parses a byte: at most MAX_PARTS members, each member's and all
members' declared uncompressed sizes within MAX_UNCOMPRESSED_BYTES (zipfile stops a member at its
declared size, so a member cannot inflate past it), and openpyxl must be parsing with defusedxml
(no DTD, no entity expansion: an "XML bomb" is refused). Only the first worksheet is parsed (the
others are named, never read); its rows (MAX_SHEET_ROWS elements, blank ones included), columns
(MAX_COLUMNS) and cells (MAX_CELL_CHARS, Excel's own limit) are capped.

openpyxl's `load_workbook` would also parse every sheet of the workbook to size it (a workbook
listing one big sheet a thousand times would be parsed a thousand times), so the reading is done
here with openpyxl's parts: the package manifest, shared strings, workbook, styles (for date
formats), then the one sheet. openpyxl is pinned to 3.1 for that reason; the tests build real
workbooks with it.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from scanner.common.tables import Row
from scanner.errors import RegisterError, RowError

MAX_PARTS = 1_000
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024  # every member together, as declared
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

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    with warnings.catch_warnings():  # "no default style" and the like: not the user's concern
        warnings.simplefilter("ignore")
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        names = [sheet.name for sheet in reader.parser.sheets]
        chosen = _first_worksheet(reader)
        if chosen is None:
            raise RegisterError(file, None, None, "the workbook has no worksheet")
        name, target, state = chosen
        with reader.archive.open(target) as source:
            sheet = _SheetReader(file, max_rows).read(_parser(source, reader))
    note = f"sheet '{name}'" + ("" if state == "visible" else f" ({state})")
    if len(names) > 1:
        others = ", ".join(f"'{n}'" for n in names if n != name)
        note += f", the first worksheet of {len(names)}; not read: {_shorten(others)}"
    note += "; formulas count with the values the workbook stored, never evaluated"
    return Sheet(sheet.rows, sheet.header, sheet.problems, (note,), sheet.header_row)


def _first_worksheet(reader: Any) -> tuple[str, str, str] | None:
    for sheet, rel in reader.parser.find_sheets():
        if "worksheet" in (rel.Type or "") and rel.target in reader.valid_files:
            return str(sheet.name), str(rel.target), str(sheet.state or "visible")
    return None


def _parser(source: Any, reader: Any) -> Any:
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class FormulaAwareParser(WorkSheetParser):
        """openpyxl's sheet parser in data_only mode, also saying which cells hold a formula
        (data_only alone gives a formula with no stored value as an empty cell)."""

        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            cell["formula"] = element.find(FORMULA_TAG) is not None
            return cell

    wb = reader.wb
    return FormulaAwareParser(
        source,
        reader.shared_strings,
        data_only=True,
        epoch=wb.epoch,
        date_formats=wb._date_formats,
        timedelta_formats=wb._timedelta_formats,
    )


class _SheetReader:
    def __init__(self, file: str, max_rows: int) -> None:
        self.file = file
        self.max_rows = max_rows
        self.max_elements = 2 * max_rows + 2  # blank rows between records are fine, up to this
        self.rows: list[Row] = []
        self.problems: list[RowError] = []
        self.header: tuple[str, ...] | None = None
        self.header_row = 1

    def read(self, parser: Any) -> Sheet:
        last = 0
        for elements, (number, cells) in enumerate(parser.parse(), start=1):
            if elements > self.max_elements:
                self._fail(number, f"more than {self.max_elements} rows in the sheet")
            if not 0 < number <= EXCEL_ROW_LIMIT or number <= last:
                self._fail(number, f"row number {number} out of order: not a sheet Excel wrote")
            last = number
            self._row(number, cells)
        return Sheet(tuple(self.rows), self.header, tuple(self.problems), (), self.header_row)

    def _fail(self, number: int, message: str) -> None:
        raise RegisterError(self.file, number, None, message)

    def _row(self, number: int, cells: list[dict[str, Any]]) -> None:
        texts: dict[int, str] = {}
        beyond: list[str] = []
        for cell in cells:
            text = self._text(cell)
            if not text.strip():
                continue
            if cell["column"] > MAX_COLUMNS:
                beyond.append(_ref(cell))
                continue
            texts[cell["column"]] = text
        if beyond:
            self.problems.append(
                RegisterError(
                    self.file,
                    number,
                    None,
                    f"a value beyond column {MAX_COLUMNS} "
                    f"({', '.join(beyond[:5])}): a register has 18 columns; move or delete it",
                )  # fmt: skip
            )
        if not texts:
            return
        if self.header is None:
            width = max(texts)
            self.header = tuple(texts.get(i, "").strip().lower() for i in range(1, width + 1))
            self.header_row = number
            return
        extra = [repr(texts[i]) for i in sorted(texts) if i > len(self.header)]
        if extra:
            shown = ", ".join(extra[:5])
            message = f"more cells than header columns ({shown})"
            self.problems.append(RegisterError(self.file, number, None, message))
        values = {name: texts.get(i, "") for i, name in enumerate(self.header, start=1)}
        self.rows.append(Row(number, values))
        if len(self.rows) > self.max_rows:
            self._fail(number, f"more than {self.max_rows} records")

    def _text(self, cell: dict[str, Any]) -> str:
        """The cell as text, as a CSV export would hold it; "" (and a problem) for a formula
        with no stored value, an error value or an over-long cell."""
        value, kind = cell["value"], cell["data_type"]
        if cell.get("formula") and value is None:
            self._problem(cell, "holds a formula with no stored value (provscan never evaluates "
                          "formulas): open and save the workbook in Excel or LibreOffice, or type "
                          "the value")  # fmt: skip
            return ""
        if kind == "e":
            self._problem(cell, f"holds the error value {_shorten(str(value))}")
            return ""
        text = as_text(value)
        if len(text) > MAX_CELL_CHARS:
            self._problem(cell, f"holds more than {MAX_CELL_CHARS:,} characters (Excel's limit)")
            return ""
        return text

    def _problem(self, cell: dict[str, Any], message: str) -> None:
        field = None
        if self.header is not None and 0 < cell["column"] <= len(self.header):
            field = self.header[cell["column"] - 1] or None
        self.problems.append(
            RegisterError(self.file, cell["row"], field, f"cell {_ref(cell)} {message}")
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


def _ref(cell: dict[str, Any]) -> str:
    from openpyxl.utils import get_column_letter

    column = cell["column"]
    letters = get_column_letter(column) if 0 < column <= 18_278 else f"column {column}"
    return f"{letters}{cell['row']}"


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unreadable(exc: Exception) -> str:
    from defusedxml import DefusedXmlException

    if isinstance(exc, DefusedXmlException):
        return (
            "the workbook's XML declares a document type or entities (an XML bomb or external "
            "entity): refused; Excel never writes one"
        )
    if isinstance(exc, MemoryError):
        return "the workbook is too large to read"
    return f"not an Excel workbook provscan can read ({type(exc).__name__}: {_shorten(str(exc))})"
