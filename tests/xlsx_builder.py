"""Excel workbooks built part by part, for the register tests and the bench: the smallest
package Excel and openpyxl read (content types, relationships, workbook, sheets, shared
strings), with every part replaceable, so a test can make exactly the hostile workbook it
means (a lying member size, a DTD, a sheet listed a thousand times)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
    f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)


def workbook_xml(sheet_names: Iterable[str] = ("Register",), rid: str | None = None) -> str:
    """The workbook part; every sheet points at `rid` when given (one part listed many times)."""
    sheets = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}" r:id="{rid or f"rId{i}"}"/>'
        for i, name in enumerate(sheet_names, start=1)
    )
    return f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{sheets}</sheets></workbook>'


def workbook_rels(sheet_count: int = 1) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, sheet_count + 1)
    )
    rels += f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    return f'<Relationships xmlns="{PKG_REL}">{rels}</Relationships>'


def sheet_xml(rows: str) -> str:
    return f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'


def shared_strings_xml(strings: Iterable[str]) -> str:
    items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    return f'<sst xmlns="{MAIN}">{items}</sst>'


def inline_row(number: int, cells: Iterable[str]) -> str:
    """A row of inline-string cells in columns A, B, C, ..."""
    out = []
    for column, text in enumerate(cells):
        if text:
            ref = f"{chr(ord('A') + column)}{number}"
            out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>')
    return f'<row r="{number}">{"".join(out)}</row>'


def parts(rows: str, strings: Iterable[str] = ()) -> dict[str, str | bytes]:
    """The parts of a one-sheet workbook whose sheet holds `rows` (row XML)."""
    return {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook_xml(),
        "xl/_rels/workbook.xml.rels": workbook_rels(),
        "xl/worksheets/sheet1.xml": sheet_xml(rows),
        "xl/sharedStrings.xml": shared_strings_xml(strings),
    }


def write(path: Path, members: Mapping[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path
