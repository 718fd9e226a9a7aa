"""Registers at their caps: how long loading takes and how much memory it holds, CSV and Excel.

Run:  .venv/bin/python bench/register_xlsx.py        (about two minutes on a 2-core machine)

Each case is written to a temporary folder, then loaded by `provscan approvals check` in a
fresh process (what a user runs), timed, with the process' peak RSS (ru_maxrss of the child):

  1. csv-100k: the largest register a CSV may hold: 100,000 records of 18 columns.
  2. xlsx-100k: the same register as an Excel workbook written by openpyxl (inline strings).
  3. xlsx-shared-strings: the most shared strings a workbook may hold (1,000,000 tiny ones;
     one more is refused): openpyxl would take about 20 s and hold them all.
  4. xlsx-cells: one cell more than a sheet may hold (2,000,020 tiny ones, 20 a row, 100,000
     records): refused when the last row is read, the longest a sheet can take.
  5. xlsx-blank-rows: a sheet of empty <row/> elements up to the row cap.
  6. xlsx-zip-bomb: 1 GiB of shared strings declared in a 2.6 MB file (refused unparsed).

Prints: a Markdown table (case, file size, outcome, seconds, peak RSS).
"""

from __future__ import annotations

import csv
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scanner.approvals.fields import FIELDS  # noqa: E402
from scanner.approvals.xlsx_parts import MAX_CELLS, MAX_SHARED_STRINGS  # noqa: E402
from tests import xlsx_builder as xb  # noqa: E402

PROVSCAN = [str(Path(sys.executable).parent / "provscan")]
RECORDS = 100_000


def record(n: int) -> list[str]:
    values = {
        "request_id": f"GENAI-{n:06d}", "status": "pending", "scope": "final",
        "paths": f"final/vfx/ep1/sh{n:05d}/**", "tools": "Adobe Firefly",
        "talent_likeness": "no", "approved_by": "S. Okafor", "approved_on": "2026-02-10",
        "notes": "a note of typical length",
    }  # fmt: skip
    return [values.get(name, "") for name in FIELDS]


def csv_register(folder: Path) -> Path:
    path = folder / "register.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        writer.writerows(record(n) for n in range(RECORDS))
    return path


def xlsx_register(folder: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Register")
    ws.append(list(FIELDS))
    for n in range(RECORDS):
        ws.append(record(n))
    path = folder / "register.xlsx"
    wb.save(path)
    return path


def shared_strings_workbook(folder: Path) -> Path:
    header = xb.inline_row(1, ["request_id", "status", "scope"])
    members = xb.parts(header + xb.inline_row(2, ["A-1", "pending", "final"]))
    one = "<si><t>a</t></si>"
    members["xl/sharedStrings.xml"] = f'<sst xmlns="{xb.MAIN}">{one * MAX_SHARED_STRINGS}</sst>'
    return xb.write(folder / "strings.xlsx", members)


def cells_workbook(folder: Path) -> Path:
    header = xb.inline_row(1, ["request_id", "status", "scope", *(f"x{n}" for n in range(17))])
    row = "".join(f'<c r="{chr(65 + n)}{{r}}"><v>1</v></c>' for n in range(20))
    rows = "".join(f'<row r="{r}">{row.format(r=r)}</row>' for r in range(2, MAX_CELLS // 20 + 2))
    return xb.write(folder / "cells.xlsx", xb.parts(header + rows))


def blank_rows_workbook(folder: Path) -> Path:
    header = xb.inline_row(1, ["request_id", "status", "scope"])
    rows = "".join(f'<row r="{n}"/>' for n in range(2, 2 * RECORDS + 3))
    return xb.write(folder / "rows.xlsx", xb.parts(header + rows))


def zip_bomb(folder: Path) -> Path:
    path = folder / "bomb.xlsx"
    members = xb.parts(xb.inline_row(1, ["request_id", "status", "scope"]))
    members.pop("xl/sharedStrings.xml")
    xb.write(path, members)
    chunk = b"<si><t>a</t></si>" * 65536
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as handle,
    ):
        for _ in range((1 << 30) // len(chunk)):
            handle.write(chunk)
    return path


def measure(path: Path) -> tuple[str, float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [*PROVSCAN, "approvals", "check", str(path)], capture_output=True, text=True, timeout=900
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    outcome = "loaded" if done.returncode == 0 else done.stderr.strip().splitlines()[0][-90:]
    # ru_maxrss of children is the largest child so far: run the cases smallest first
    return outcome, seconds, max(peak, before) / 1024


def main() -> None:
    cases = [
        ("xlsx-zip-bomb", zip_bomb),
        ("xlsx-blank-rows", blank_rows_workbook),
        ("csv-100k", csv_register),
        ("xlsx-100k", xlsx_register),
        ("xlsx-shared-strings", shared_strings_workbook),
        ("xlsx-cells", cells_workbook),
    ]
    print("| case | file | outcome | seconds | peak RSS (MB, largest so far) |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in cases:
            path = make(Path(tmp))
            outcome, seconds, peak = measure(path)
            size = path.stat().st_size / 1e6
            print(f"| {name} | {size:.1f} MB | {outcome} | {seconds:.1f} | {peak:.0f} |")
            path.unlink()


if __name__ == "__main__":
    main()
