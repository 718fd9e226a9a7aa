"""Excel registers: real workbooks made with openpyxl (as a script or a spreadsheet saves them)
and hostile ones built part by part (tests/xlsx_builder.py): zip bombs, lying member sizes, XML
bombs and external entities, thousands of sheets, rows past the cap, cells past Excel's limits.
Each hostile workbook must end in a RegisterError that says what was refused, never a crash, a
hang or a register read short without a word."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.hostile import provscan_command
from scanner.approvals import load_register
from scanner.approvals.xlsx import MAX_COLUMNS, MAX_PARTS, MAX_UNCOMPRESSED_BYTES
from scanner.approvals.xlsx_parts import MAX_SHARED_STRINGS
from scanner.errors import RegisterError
from tests import xlsx_builder as xb

HEADER = ["request_id", "status", "scope", "paths", "tools", "written_approval_ref",
          "talent_likeness", "approved_on", "expires_on", "notes"]  # fmt: skip


def save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def register_workbook(
    path: Path, *rows: list[object], title: str = "Register", date_cells: tuple[str, ...] = ()
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    for ref in date_cells:
        ws[ref].number_format = "yyyy-mm-dd"
    return save(wb, path)


def rewrite(path: Path, **replace: tuple[str, str]) -> Path:
    """Replace text in members of a saved workbook: member=(old, new)."""
    members = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            members[name] = archive.read(name)
    for key, (old, new) in replace.items():
        name = {"sheet": "xl/worksheets/sheet1.xml"}.get(key, key)
        text = members[name].decode()
        assert old in text, text[-800:]
        members[name] = text.replace(old, new).encode()
    return xb.write(path, members)


def refused(path: Path) -> RegisterError:
    with pytest.raises(RegisterError) as info:
        load_register(path)
    assert info.value.file == str(path)
    return info.value


# --- real workbooks -----------------------------------------------------------------------


def test_an_excel_register_reads_like_the_same_csv(tmp_path: Path) -> None:
    rows = [
        ["GENAI-0001", "approved", "final", "final/stills/*.jpg", "Adobe Firefly", "WA-1",
         True, date(2026, 2, 10), datetime(2027, 2, 10), "Key art, hero still"],
        ["GENAI-0002", "Pending", "final", "final/a/**;final/b/**", None, None, "no", None,
         None, 42],
        [],  # a blank row between records
        [1003, "denied", "temporary", "temp/**", "ComfyUI", None, False, "2026-03-15", None,
         None],
    ]  # fmt: skip
    xlsx = register_workbook(tmp_path / "register.xlsx", *rows)
    csv = tmp_path / "register.csv"
    csv.write_text(
        ",".join(HEADER) + "\n"
        "GENAI-0001,approved,final,final/stills/*.jpg,Adobe Firefly,WA-1,TRUE,2026-02-10,"
        '2027-02-10,"Key art, hero still"\n'
        "GENAI-0002,Pending,final,final/a/**;final/b/**,,,no,,,42\n"
        "\n"
        "1003,denied,temporary,temp/**,ComfyUI,,FALSE,2026-03-15,,\n",
        encoding="utf-8",
    )
    from_xlsx, from_csv = load_register(xlsx), load_register(csv)
    assert from_xlsx.approvals == from_csv.approvals
    assert from_xlsx.format == "xlsx"
    assert [a.row for a in from_xlsx.approvals] == [2, 3, 5]  # the sheet's own row numbers
    assert from_xlsx.approvals[0].talent_likeness is True
    assert from_xlsx.approvals[0].expires_on == date(2027, 2, 10)
    assert from_xlsx.approvals[1].notes == "42"
    assert from_xlsx.approvals[2].request_id == "1003"
    assert from_xlsx.notes == (
        "sheet 'Register'; formulas count with the values the workbook stored, never evaluated",
    )


def test_only_the_first_worksheet_is_read_and_the_others_are_named(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "Approvals 2026"
    first.append(HEADER[:3])
    first.append(["A-1", "pending", "final"])
    wb.create_sheet("Archive").append(["not", "a", "register"])
    wb.create_sheet("Notes")
    register = load_register(save(wb, tmp_path / "r.xlsx"))
    assert [a.request_id for a in register.approvals] == ["A-1"]
    assert register.notes[0].startswith(
        "sheet 'Approvals 2026', the first worksheet of 3; not read: 'Archive', 'Notes'"
    )


def test_a_formula_counts_with_its_stored_value_and_one_without_is_named(tmp_path: Path) -> None:
    path = register_workbook(
        tmp_path / "register.xlsx",
        ["GENAI-0001", '=LOWER("APPROVED")', "final", "x/**", None, "WA-1"],
        ["GENAI-0002", "pending", '=IF(TRUE,"final","temporary")', "y/**"],
        ["GENAI-0003", "pending", "final", "z/**", None, None, None, "=TODAY()"],
        date_cells=("H4",),
    )
    # Excel stores each formula's last value beside it; openpyxl (like any program that does
    # not calculate) writes none. Give B2 its stored value, as Excel would have.
    rewrite(
        path,
        sheet=('<c r="B2"><f>LOWER("APPROVED")</f><v /></c>',
               '<c r="B2" t="str"><f>LOWER("APPROVED")</f><v>approved</v></c>'),
    )  # fmt: skip
    done = subprocess.run(
        [*provscan_command(), "approvals", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines()[1:] == [
        "  row 3, field 'scope': cell C3 holds a formula with no stored value (provscan never "
        "evaluates formulas): open and save the workbook in Excel or LibreOffice, or type the "
        "value",
        "  row 3, field 'scope': 'scope' is required",
        "  row 4, field 'approved_on': cell H4 holds a formula with no stored value (provscan "
        "never evaluates formulas): open and save the workbook in Excel or LibreOffice, or type "
        "the value",
    ]
    # once stored, the values count (and B2's stored value was used all along)
    rewrite(
        path,
        sheet=('<c r="C3"><f>IF(TRUE,"final","temporary")</f><v /></c>',
               '<c r="C3" t="str"><f>IF(TRUE,"final","temporary")</f><v>final</v></c>'),
        **{"xl/worksheets/sheet1.xml": ('<c r="H4" s="1"><f>TODAY()</f><v /></c>',
                                        '<c r="H4" s="1"><f>TODAY()</f><v>46100</v></c>')},
    )  # fmt: skip
    approvals = load_register(path).approvals
    assert [(a.status, a.scope) for a in approvals] == [
        ("approved", "final"),
        ("pending", "final"),
        ("pending", "final"),
    ]
    assert approvals[2].approved_on == date(2026, 3, 19)  # serial 46100, formatted as a date


def test_error_values_and_overlong_cells_are_problems_of_their_cell(tmp_path: Path) -> None:
    rows = (
        xb.inline_row(1, ["request_id", "status", "scope", "notes"])
        + xb.inline_row(2, ["A-1", "pending", "final"])
        + '<row r="3"><c r="A3" t="inlineStr"><is><t>A-2</t></is></c>'
        '<c r="B3" t="e"><v>#REF!</v></c><c r="C3" t="inlineStr"><is><t>final</t></is></c>'
        f'<c r="D3" t="inlineStr"><is><t>{"x" * 40_000}</t></is></c>'
        '<c r="BM3" t="inlineStr"><is><t>far away</t></is></c></row>'
    )
    path = xb.write(tmp_path / "r.xlsx", xb.parts(rows))
    error = refused(path)
    assert [(p.row, p.field) for p in error.problems] == [  # type: ignore[attr-defined]
        (3, "status"),
        (3, "notes"),
        (3, None),
        (3, "status"),
    ]
    text = str(error)
    assert "row 3, field 'status': cell B3 holds the error value #REF!" in text
    assert "row 3, field 'notes': cell D3 holds more than 32,767 characters (Excel's limit)" in text
    assert f"row 3: a value beyond column {MAX_COLUMNS} (BM3)" in text


def test_shared_strings_are_read(tmp_path: Path) -> None:
    strings = ["request_id", "status", "scope", "A-1", "approved", "temporary"]
    rows = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{c}{r}" t="s"><v>{i}</v></c>' for c, i in zip("ABC", idx, strict=True))
        + "</row>"
        for r, idx in ((1, (0, 1, 2)), (2, (3, 4, 5)))
    )
    register = load_register(xb.write(tmp_path / "r.xlsx", xb.parts(rows, strings)))
    assert [(a.request_id, a.status, a.scope) for a in register.approvals] == [
        ("A-1", "approved", "temporary")
    ]


# --- hostile workbooks --------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path: Path) -> None:
    bomb = "<si><t>a</t></si>" * (MAX_UNCOMPRESSED_BYTES // 16)  # 64 MiB of XML, ~100 KB zipped
    members = xb.parts(xb.inline_row(1, ["request_id", "status", "scope"]))
    members["xl/sharedStrings.xml"] = f'<sst xmlns="{xb.MAIN}">{bomb}</sst>'
    path = xb.write(tmp_path / "bomb.xlsx", members)
    assert path.stat().st_size < 1024 * 1024
    error = refused(path)
    assert "the workbook unpacks to" in error.message
    assert f"over the {MAX_UNCOMPRESSED_BYTES:,} provscan reads: refused" in error.message


def test_a_member_that_lies_about_its_size_cannot_unpack_past_it(tmp_path: Path) -> None:
    members = xb.parts(xb.inline_row(1, ["request_id", "status", "scope"]))
    members["xl/sharedStrings.xml"] = f'<sst xmlns="{xb.MAIN}">{"<si><t>a</t></si>" * 50_000}</sst>'
    path = xb.write(tmp_path / "liar.xlsx", members)
    data = bytearray(path.read_bytes())
    # the central directory entry's uncompressed size says 100 bytes
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(b"xl/sharedStrings.xml") + 1)
    struct.pack_into("<I", data, entry + 24, 100)
    path.write_bytes(bytes(data))
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/sharedStrings.xml").file_size == 100
    error = refused(path)
    assert "not an Excel workbook provscan can read (BadZipFile: Bad CRC-32" in error.message


def test_too_many_parts_are_refused(tmp_path: Path) -> None:
    members = xb.parts(xb.inline_row(1, ["request_id", "status", "scope"]))
    members.update({f"xl/media/{n}.bin": b"" for n in range(MAX_PARTS)})
    error = refused(xb.write(tmp_path / "many.xlsx", members))
    assert error.message == f"the workbook holds more than {MAX_PARTS} parts: refused"


def test_one_sheet_listed_thousands_of_times_is_read_once(tmp_path: Path) -> None:
    """openpyxl's load_workbook would parse the sheet once per listing to size it."""
    rows = "".join(xb.inline_row(n, [f"A-{n}", "pending", "final"]) for n in range(2, 5000))
    members = xb.parts(xb.inline_row(1, ["request_id", "status", "scope"]) + rows)
    members["xl/workbook.xml"] = xb.workbook_xml([f"S{n}" for n in range(20_000)], rid="rId1")
    register = load_register(xb.write(tmp_path / "sheets.xlsx", members))
    assert len(register.approvals) == 4998
    assert register.notes[0].startswith("sheet 'S0', the first worksheet of 20000; not read: 'S1'")
    assert len(register.notes[0]) < 300


def test_shared_strings_past_the_cap_are_refused(tmp_path: Path) -> None:
    strings = [f"{n}" for n in range(MAX_SHARED_STRINGS + 1)]
    members = xb.parts(xb.inline_row(1, ["request_id", "status", "scope"]), strings)
    error = refused(xb.write(tmp_path / "strings.xlsx", members))
    assert error.message == f"more than {MAX_SHARED_STRINGS:,} shared strings"


def test_a_row_of_many_cells_is_read_without_holding_it(tmp_path: Path) -> None:
    """openpyxl would hold every cell of the row; only the first 64 columns are kept here."""
    from openpyxl.utils import get_column_letter

    far = "".join(
        f'<c r="{get_column_letter(65 + n % 16000)}2"><v>1</v></c>' for n in range(300_000)
    )
    rows = (
        xb.inline_row(1, ["request_id", "status", "scope"])
        + '<row r="2"><c r="A2" t="inlineStr"><is><t>A-1</t></is></c>'
        + '<c r="B2" t="s"><v>7</v></c>'
        + f"{far}</row>"
    )
    error = refused(xb.write(tmp_path / "wide.xlsx", xb.parts(rows, ["pending"])))
    assert [p.message for p in error.problems] == [  # type: ignore[attr-defined]
        "cell B2 refers to shared string 7, which the workbook does not hold",
        f"a value beyond column {MAX_COLUMNS} (BM2, BN2, BO2, BP2, BQ2): a register has 18 "
        "columns; move or delete it",
        "'status' is required",
        "'scope' is required",
    ]


def test_rows_past_the_cap_are_refused(tmp_path: Path) -> None:
    header = xb.inline_row(1, ["request_id", "status", "scope"])
    blank_rows = "".join(f'<row r="{n}"/>' for n in range(2, 200_010))
    error = refused(xb.write(tmp_path / "rows.xlsx", xb.parts(header + blank_rows)))
    assert error.message == "more than 200,002 rows in the sheet"


def test_row_numbers_that_excel_cannot_write_are_refused(tmp_path: Path) -> None:
    rows = xb.inline_row(1, ["request_id", "status", "scope"]) + xb.inline_row(
        2_000_000, ["A-1", "pending", "final"]
    )
    error = refused(xb.write(tmp_path / "far.xlsx", xb.parts(rows)))
    assert (error.row, error.message) == (
        2_000_000,
        "row number 2000000 out of order: not a sheet Excel wrote",
    )


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">'
    '<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">'
    ']><sst xmlns="{main}"><si><t>&g;</t></si></sst>'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
    '<sheet name="&x;" sheetId="1" r:id="rId1"/></sheets></workbook>'
)


@pytest.mark.parametrize(
    ("member", "xml"),
    [
        ("xl/sharedStrings.xml", BILLION_LAUGHS),
        ("xl/workbook.xml", EXTERNAL_ENTITY),
        ("[Content_Types].xml", BILLION_LAUGHS.replace("sst", "Types")),
        ("xl/worksheets/sheet1.xml", BILLION_LAUGHS.replace("sst", "worksheet")),
    ],
)
def test_xml_bombs_and_external_entities_are_refused(tmp_path: Path, member: str, xml: str) -> None:
    members = xb.parts(xb.inline_row(1, ["request_id", "status", "scope"]))
    members[member] = xml.format(main=xb.MAIN, rel=xb.REL)
    error = refused(xb.write(tmp_path / "bomb.xlsx", members))
    assert error.message == (
        "the workbook's XML declares a document type or entities (an XML bomb or external "
        "entity): refused; Excel never writes one"
    )


def test_without_defusedxml_excel_registers_are_refused(tmp_path: Path) -> None:
    path = register_workbook(tmp_path / "r.xlsx", ["A-1", "pending", "final"])
    done = subprocess.run(
        [*provscan_command(), "approvals", "check", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "OPENPYXL_DEFUSEDXML": "False"},
        timeout=120,
    )
    assert done.returncode == 2
    assert "cannot read Excel files safely here: openpyxl is not using defusedxml" in done.stderr


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
         "an Excel 97-2003 (.xls) or password-protected workbook"),
        (b"request_id,status,scope\n", "not an Excel workbook (.xlsx is a zip archive)"),
        (b"", "not an Excel workbook (.xlsx is a zip archive)"),
    ],
)  # fmt: skip
def test_files_that_are_not_workbooks(tmp_path: Path, data: bytes, said: str) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(data)
    assert said in refused(path).message


def test_a_workbook_that_is_a_symlink_out_of_its_folder_is_refused(tmp_path: Path) -> None:
    elsewhere = register_workbook(tmp_path / "elsewhere.xlsx", ["A-1", "pending", "final"])
    folder = tmp_path / "gate"
    folder.mkdir()
    (folder / "r.xlsx").symlink_to(elsewhere)
    assert "outside its folder: refused" in refused(folder / "r.xlsx").message


def test_a_workbook_over_the_file_size_cap_is_refused(tmp_path: Path) -> None:
    members = xb.parts(xb.inline_row(1, ["request_id", "status", "scope"]))
    members["xl/media/noise.bin"] = os.urandom(17 * 1024 * 1024)  # does not compress
    error = refused(xb.write(tmp_path / "big.xlsx", members))
    assert error.message == "the register is larger than 16777216 bytes"


# --- any sheet a program could write ------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        '<row r="1">', '<row r="2">', '<row r="0">', '<row r="x">', '<row>', "</row>",
        '<c r="A1" t="inlineStr"><is><t>request_id</t></is></c>',
        '<c r="B2" t="inlineStr"><is><t>pending</t></is></c>',
        '<c r="C2" t="s"><v>0</v></c>', '<c r="C2" t="s"><v>99</v></c>',
        '<c r="D2" t="e"><v>#N/A</v></c>', '<c r="E2" s="1"><v>46063</v></c>',
        '<c r="E2"><v>1e400</v></c>', '<c r="E2" t="b"><v>1</v></c>',
        '<c r="F2"><f>SUM(A1)</f></c>', '<c r="XFD2"><v>1</v></c>', '<c r="ZZZZ2"><v>1</v></c>',
        '<c t="d"><v>2026-13-45</v></c>', '<c r="A2" t="str"><v>a\x01b</v></c>', "<c/>",
    ]
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fragments=st.lists(_FRAGMENTS, max_size=12))
def test_any_sheet_is_a_register_or_a_register_error(tmp_path: Path, fragments: list[str]) -> None:
    members = xb.parts("".join(fragments), ["final"])
    path = xb.write(tmp_path / "fuzz.xlsx", members)
    try:
        load_register(path)
    except RegisterError as exc:
        assert str(exc).startswith(str(path))
