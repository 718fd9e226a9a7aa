"""Read a register file (CSV, Excel, YAML or JSON) into raw records, without judging the values.

The format comes from the file name: `.csv`, `.xlsx`, `.yaml`/`.yml`, `.json`. Row numbers are
what a person will look for: in CSV and Excel the spreadsheet row (the header is row 1, the
first record row 2), in YAML/JSON the position of the entry in the list (the first entry is
row 1). How the file was read (the CSV delimiter, the Excel sheet) is kept as `notes`, for
`provscan approvals check` to say.

YAML anchors and aliases are refused (`scanner.common.tables`); an Excel workbook is checked
before it is parsed (`scanner.approvals.xlsx`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.approvals.fields import FIELDS
from scanner.approvals.xlsx import read_xlsx
from scanner.common import tables
from scanner.common.tables import DELIMITERS, Row
from scanner.errors import RegisterError, RowError

MAX_REGISTER_BYTES = 16 * 1024 * 1024
MAX_ROWS = 100_000

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}

RawRecord = Row  # row number and the values as the file gave them


@dataclass(frozen=True)
class RawRegister:
    file: str
    format: str  # csv | xlsx | yaml | json
    records: tuple[RawRecord, ...]
    header: tuple[str, ...] | None = None  # CSV and Excel only, names lower-cased and stripped
    problems: tuple[RowError, ...] = ()  # row problems found while reading, listed with the rest
    notes: tuple[str, ...] = ()  # how it was read, in words
    header_row: int = 1  # CSV and Excel: the row the header is on
    stopped: bool = False  # reading stopped at MAX_PROBLEMS problems


def read_register(path: Path) -> RawRegister:
    """Parse the file; RegisterError (no row) when it cannot be read or parsed at all."""
    file = str(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise RegisterError(
            file, None, None, "unknown register format: name it .csv, .xlsx, .yaml, .yml or .json"
        )
    if fmt == "xlsx":
        data = tables.read_bytes(
            path, what="register", max_bytes=MAX_REGISTER_BYTES, error=RegisterError
        )
        sheet = read_xlsx(file, data, max_rows=MAX_ROWS)
        return RawRegister(
            file, fmt, sheet.rows, sheet.header, sheet.problems, sheet.notes, sheet.header_row,
            sheet.stopped,
        )  # fmt: skip
    text = tables.read_text(
        path, what="register", max_bytes=MAX_REGISTER_BYTES, error=RegisterError
    )
    if fmt == "csv":
        table = tables.parse_csv(file, text, known=FIELDS, max_rows=MAX_ROWS, error=RegisterError)
        notes = (DELIMITERS[table.delimiter],)
        return RawRegister(
            file, fmt, table.rows, table.header, table.problems, notes, table.header_row,
            table.stopped,
        )  # fmt: skip
    return _tree_register(file, fmt, text)


def _tree_register(file: str, fmt: str, text: str) -> RawRegister:
    tree = tables.parse_tree(file, fmt, text, what="register", error=RegisterError)
    if isinstance(tree, dict) and set(tree) == {"approvals"}:
        tree = tree["approvals"]
    if tree is None:
        tree = []
    if not isinstance(tree, list):
        raise RegisterError(
            file, None, None, "expected a list of approvals (or a mapping with one key 'approvals')"
        )
    rows = tables.mapping_rows(file, tree, entry="approval", max_rows=MAX_ROWS, error=RegisterError)
    return RawRegister(file, fmt, rows)
