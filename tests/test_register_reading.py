"""Reading a register as people save it: `;` and tab delimiters (Excel in EU locales), byte-order
marks, did-you-mean for mistyped columns and values, every problem listed at once.

Each test writes the file as a spreadsheet or editor would and runs `provscan approvals check`
on it in a real subprocess, asserting what the user reads.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from fixtures.hostile import provscan_command
from scanner.approvals import load_register
from scanner.approvals.validate import RegisterErrors
from scanner.errors import RegisterError

HEADER = ["request_id", "status", "scope", "paths", "tools", "written_approval_ref", "approved_on"]
ROW = ["GENAI-0001", "approved", "final", "final/**", "Adobe Firefly", "WA-1", "2026-01-10"]


def check(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*provscan_command(), "approvals", "check", str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_rows(path: Path, rows: list[list[str]], delimiter: str, *, bom: bool = False) -> Path:
    text = "\r\n".join(delimiter.join(cells) for cells in rows) + "\r\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


@pytest.mark.parametrize(
    ("delimiter", "said"),
    [(",", "comma-separated"), (";", "semicolon-separated"), ("\t", "tab-separated")],
)
def test_the_delimiter_is_detected_and_said(tmp_path: Path, delimiter: str, said: str) -> None:
    two_paths = '"final/a/**;final/b/**"'  # a list cell: quoted where ';' is the delimiter
    rows = [HEADER, ROW, ["GENAI-0002", "pending", "final", two_paths, "", "", ""]]
    path = write_rows(tmp_path / "register.csv", rows, delimiter, bom=True)
    register = load_register(path)
    assert [a.request_id for a in register.approvals] == ["GENAI-0001", "GENAI-0002"]
    assert register.approvals[1].paths == ("final/a/**", "final/b/**")
    assert register.notes == (said,)
    done = check(path)
    assert done.returncode == 0, done.stderr
    assert f"  read as: {said}\n" in done.stdout


def test_a_semicolon_file_with_an_unquoted_list_cell_says_to_quote_it(tmp_path: Path) -> None:
    rows = [HEADER, ["GENAI-0001", "pending", "final", "final/a/**;final/b/**", "", "", ""]]
    path = write_rows(tmp_path / "register.csv", rows, ";")
    error = pytest.raises(RegisterError, load_register, path).value
    assert (error.row, error.field) == (2, None)
    assert str(error) == (
        f"{path}, row 2: more cells than header columns (empty ones); in a semicolon-separated "
        "file a cell holding ';' needs quotes, or its row shifts"
    )


def test_a_comma_in_a_semicolon_file_stays_in_its_cell(tmp_path: Path) -> None:
    header = [*HEADER, "notes"]
    rows = [header, [*ROW, "Key art, hero still"]]
    path = write_rows(tmp_path / "register.csv", rows, ";")
    assert load_register(path).approvals[0].notes == "Key art, hero still"


def test_unknown_columns_get_a_did_you_mean_and_the_names_once(tmp_path: Path) -> None:
    header = ["Request ID", "status", "scope", "path", "expiry_on", "colour"]
    path = write_rows(
        tmp_path / "register.csv", [header, ["A-1", "pending", "final", "x/**", "", ""]], ","
    )
    done = check(path)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert f"Error: {path}: 5 problems" in lines[0]
    assert (
        "  row 1, field 'request id': unknown column 'request id' in the header (did you mean "
        "'request_id'?)" in lines
    )
    assert (
        "  row 1, field 'path': unknown column 'path' in the header (did you mean 'paths'?)"
        in lines
    )
    assert (
        "  row 1, field 'expiry_on': unknown column 'expiry_on' in the header (did you mean "
        "'expires_on'?)" in lines
    )
    assert "  row 1, field 'colour': unknown column 'colour' in the header" in lines
    assert (
        "  row 1, field 'request_id': required column 'request_id' is missing from the header"
        in lines
    )
    assert done.stderr.count("the register's columns: request_id, status, scope,") == 1
    assert lines[-1].startswith("  the register's columns: request_id, status, scope, paths,")


def test_unknown_yaml_keys_name_the_valid_ones_once(tmp_path: Path) -> None:
    path = tmp_path / "register.yaml"
    path.write_text(
        "- {request_id: A-1, status: pending, scope: final, path: x/**}\n"
        "- {request_id: A-2, status: pending, scope: final, tool: ComfyUI}\n",
        encoding="utf-8",
    )
    error = pytest.raises(RegisterErrors, load_register, path).value
    text = str(error)
    assert "row 1, field 'path': unknown field 'path' (did you mean 'paths'?)" in text
    assert "row 2, field 'tool': unknown field 'tool' (did you mean 'tools'?)" in text
    assert text.count("the register's columns:") == 1


@pytest.mark.parametrize(
    ("cells", "field", "said"),
    [
        (["A-1", "aproved", "final"], "status",
         "unknown status 'aproved' (did you mean 'approved'?)"),
        (["A-1", "Pendng", "final"], "status", "unknown status 'pendng' (did you mean 'pending'?)"),
        (["A-1", "pending", "temp"], "scope", "unknown scope 'temp' (did you mean 'temporary'?)"),
        (["A-1", "pending", "finale"], "scope", "unknown scope 'finale' (did you mean 'final'?)"),
        (["A-1", "pending", "final", "yess"], "talent_likeness",
         "expected yes or no, got 'yess' (did you mean 'yes'?)"),
        (["A-1", "pending", "final", "maybe"], "talent_likeness",
         "expected yes or no, got 'maybe'"),
    ],
)  # fmt: skip
def test_bad_values_get_a_did_you_mean(
    tmp_path: Path, cells: list[str], field: str, said: str
) -> None:
    header = ["request_id", "status", "scope", "talent_likeness"]
    path = write_rows(tmp_path / "register.csv", [header, cells], ",")
    error = pytest.raises(RegisterError, load_register, path).value
    assert (error.row, error.field) == (2, field)
    assert said in str(error)
    if "did you mean" not in said:
        assert "did you mean" not in str(error)


def test_a_row_with_an_extra_cell_does_not_hide_the_other_problems(tmp_path: Path) -> None:
    rows = [
        HEADER,
        ["GENAI-0001", "aproved", "final", "final/**", "", "WA-1", "2026-01-10", "surplus"],
        ["GENAI-0002", "approved", "later", "final/**", "", "WA-2", "10/01/2026"],
        ["GENAI-0003", "approved", "final", "final/**", "", "", "", "", "more"],
    ]
    path = write_rows(tmp_path / "register.csv", rows, ",")
    done = check(path)
    assert done.returncode == 2
    listed = [line for line in done.stderr.splitlines() if line.startswith("  row")]
    assert listed == [
        "  row 2: more cells than header columns ('surplus')",
        "  row 2, field 'status': unknown status 'aproved' (did you mean 'approved'?); "
        "expected one of approved, pending, denied, revoked",
        "  row 3, field 'approved_on': expected a date (YYYY-MM-DD), got '10/01/2026'",
        "  row 3, field 'scope': unknown scope 'later'; expected one of final, temporary",
        "  row 4: more cells than header columns ('more')",
        "  row 4, field 'written_approval_ref': an approved request with scope 'final' needs a "
        "written_approval_ref",
    ]


def test_blank_lines_before_the_header_move_the_header_row(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text("\n\nrequest_id,status,scope,colour\nA-1,pending,final,red\n", encoding="utf-8")
    error = pytest.raises(RegisterError, load_register, path).value
    assert (error.row, error.field) == (3, "colour")


def test_the_list_stops_at_a_thousand_problems(tmp_path: Path) -> None:
    """A register whose every row is wrong would otherwise print one line per row."""
    rows = [["request_id", "status", "scope"]]
    rows += [[f"A-{n}", "aproved", "final"] for n in range(1500)]
    path = write_rows(tmp_path / "register.csv", rows, ",")
    error = pytest.raises(RegisterErrors, load_register, path).value
    assert len(error.problems) == 1000
    lines = str(error).splitlines()
    assert lines[0] == f"{path}: 1000+ problems"
    assert lines[-1] == "  ... stopped after 1,000 problems: fix these and check again"


def test_extra_cells_on_every_row_stop_at_a_thousand_too(tmp_path: Path) -> None:
    rows = [["request_id", "status", "scope"]]
    rows += [[f"A-{n}", "pending", "final", "surplus"] for n in range(1500)]
    path = write_rows(tmp_path / "register.csv", rows, ",")
    error = pytest.raises(RegisterErrors, load_register, path).value
    assert len(error.problems) == 1000
    assert error.problems[-1].row == 1001
    assert str(error).endswith("stopped after 1,000 problems: fix these and check again")


def test_approvals_check_judges_expiry_on_the_date_given(tmp_path: Path) -> None:
    rows = [[*HEADER, "expires_on"], [*ROW, "2026-06-30"]]
    path = write_rows(tmp_path / "register.csv", rows, ",")
    before = check(path, "--as-of", "2026-06-30")
    after = check(path, "--as-of", "2026-07-01")
    assert "expired" not in before.stdout
    assert after.stdout.endswith(
        "warnings (as of 2026-07-01):\n  GENAI-0001 expired on 2026-06-30\n"
    )
