"""The approvals register: loading CSV/YAML/JSON, and one test per validation error.

Every error must name the file, the row and the field (the acceptance criterion), so each test
asserts all three on the exception and in its message.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.approvals import Register, RegisterErrors, describe_register, load_register
from scanner.cli import cli
from scanner.errors import RegisterError, ScannerError
from scanner.model import Approval

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"

HEADER = "request_id,status,scope,paths,tools,written_approval_ref,approved_on,expires_on"
GOOD_ROW = "GENAI-0001,approved,final,final/**,Adobe Firefly,WA-1,2026-01-10,2026-12-31"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def csv_register(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    return write(tmp_path, "register.csv", "\n".join([header, *rows]) + "\n")


def load_error(path: Path) -> RegisterError:
    with pytest.raises(RegisterError) as info:
        load_register(path)
    return info.value


def assert_names(error: RegisterError, path: Path, row: int | None, field: str | None) -> None:
    """The error names the file, row and field, as attributes and in its message."""
    assert error.file == str(path)
    assert error.row == row
    assert error.field == field
    text = str(error)
    assert str(path) in text
    if row is not None:
        assert f"row {row}" in text
    if field is not None:
        assert f"field '{field}'" in text


# --- loading what is right ------------------------------------------------------------------


def test_csv_register_loads_every_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.csv",
        "request_id,status,scope,paths,sha256,c2pa_manifest,tools,talent_likeness,personal_data,"
        "third_party_ip,union_work,written_approval_ref,archival_use,approved_by,approved_on,"
        "expires_on,notes\n"
        f"GENAI-0042,Approved,FINAL, final/a/*.jpg ; ./final/b/ ,{'AB' * 32},urn:c2pa:1;urn:c2pa:2,"
        'Adobe Firefly;Midjourney,yes,no,,N,WA-42,Yes,Jo Smith,2026-02-01,2026-12-31,"a, b"\n',
    )
    register = load_register(path)
    assert register == Register(
        file=str(path),
        format="csv",
        notes=("comma-separated",),
        approvals=(
            Approval(
                request_id="GENAI-0042",
                status="approved",
                scope="final",
                paths=("final/a/*.jpg", "final/b/**"),
                sha256=("ab" * 32,),
                c2pa_manifest=("urn:c2pa:1", "urn:c2pa:2"),
                tools=("Adobe Firefly", "Midjourney"),
                talent_likeness=True,
                written_approval_ref="WA-42",
                archival_use=True,
                approved_by="Jo Smith",
                approved_on=date(2026, 2, 1),
                expires_on=date(2026, 12, 31),
                notes="a, b",
                row=2,
            ),
        ),
    )


def test_yaml_and_json_registers_take_lists_strings_and_native_values(tmp_path: Path) -> None:
    yaml_path = write(
        tmp_path,
        "r.yaml",
        "approvals:\n"
        "  - request_id: GENAI-1\n"
        "    status: approved\n"
        "    scope: temporary\n"
        "    paths: [temp/**, previs/**]\n"
        "    tools: Adobe Firefly; ComfyUI\n"
        "    talent_likeness: no\n"
        "    approved_on: 2026-03-01\n",
    )
    json_path = write(
        tmp_path,
        "r.json",
        json.dumps(
            [
                {
                    "request_id": "GENAI-1",
                    "status": "approved",
                    "scope": "temporary",
                    "paths": "temp/**;previs/**",
                    "tools": ["Adobe Firefly", "ComfyUI"],
                    "talent_likeness": False,
                    "approved_on": "2026-03-01",
                }
            ]
        ),
    )
    from_yaml = load_register(yaml_path).approvals
    from_json = load_register(json_path).approvals
    assert from_yaml == from_json
    assert from_yaml[0].paths == ("temp/**", "previs/**")
    assert from_yaml[0].tools == ("Adobe Firefly", "ComfyUI")
    assert from_yaml[0].approved_on == date(2026, 3, 1)
    assert from_yaml[0].row == 1


def test_committed_fixture_registers_are_equivalent() -> None:
    registers = [load_register(FIXTURES / f"approvals.{ext}") for ext in ("csv", "yaml", "json")]
    csv_approvals = [replace(a, row=0) for a in registers[0].approvals]
    for other in registers[1:]:
        assert [replace(a, row=0) for a in other.approvals] == csv_approvals
    statuses = {a.status for a in registers[0].approvals}
    assert statuses == {"approved", "pending", "denied", "revoked"}


def test_empty_csv_with_header_is_an_empty_register(tmp_path: Path) -> None:
    assert load_register(csv_register(tmp_path)).approvals == ()


def test_errors_are_scanner_errors_so_the_cli_exits_2(tmp_path: Path) -> None:
    path = csv_register(tmp_path, "GENAI-1,aproved,final,final/**,,WA,,")
    assert isinstance(load_error(path), ScannerError)


# --- one test per register error --------------------------------------------------------------


def test_unknown_column(tmp_path: Path) -> None:
    path = csv_register(tmp_path, GOOD_ROW + ",x", header=HEADER + ",colour")
    error = load_error(path)
    assert_names(error, path, 1, "colour")
    assert "unknown column 'colour' in the header" in str(error)


def test_unknown_field_in_yaml(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.yaml",
        "- {request_id: A-1, status: pending, scope: final, paths: [x/**]}\n"
        "- {request_id: A-2, status: pending, scope: final, path: x/**}\n",
    )
    error = load_error(path)
    assert_names(error, path, 2, "path")
    assert "unknown field 'path'" in str(error)


def test_missing_required_column(tmp_path: Path) -> None:
    path = csv_register(tmp_path, "GENAI-1,approved,final/**", header="request_id,status,paths")
    error = load_error(path)
    assert_names(error, path, 1, "scope")
    assert "required column 'scope' is missing" in str(error)


def test_missing_required_value(tmp_path: Path) -> None:
    path = csv_register(tmp_path, GOOD_ROW, "GENAI-0002,,final,final/**,,WA-2,,")
    error = load_error(path)
    assert_names(error, path, 3, "status")
    assert "'status' is required" in str(error)


def test_bad_date(tmp_path: Path) -> None:
    path = csv_register(tmp_path, "GENAI-0001,approved,final,final/**,,WA-1,2026-02-30,")
    error = load_error(path)
    assert_names(error, path, 2, "approved_on")
    assert "expected a date (YYYY-MM-DD), got '2026-02-30'" in str(error)


def test_date_in_another_format(tmp_path: Path) -> None:
    path = csv_register(tmp_path, "GENAI-0001,approved,final,final/**,,WA-1,,31/12/2026")
    error = load_error(path)
    assert_names(error, path, 2, "expires_on")
    assert "got '31/12/2026'" in str(error)


def test_expiry_before_approval(tmp_path: Path) -> None:
    path = csv_register(tmp_path, "GENAI-0001,approved,final,final/**,,WA-1,2026-05-01,2026-04-30")
    error = load_error(path)
    assert_names(error, path, 2, "expires_on")
    assert "expires_on 2026-04-30 is before approved_on 2026-05-01" in str(error)


def test_unknown_status(tmp_path: Path) -> None:
    path = csv_register(tmp_path, "GENAI-0001,aproved,final,final/**,,WA-1,,")
    error = load_error(path)
    assert_names(error, path, 2, "status")
    assert "unknown status 'aproved'" in str(error)


def test_unknown_scope(tmp_path: Path) -> None:
    path = csv_register(tmp_path, "GENAI-0001,approved,previs,final/**,,WA-1,,")
    error = load_error(path)
    assert_names(error, path, 2, "scope")
    assert "unknown scope 'previs'; expected one of final, temporary" in str(error)


def test_duplicate_request_id(tmp_path: Path) -> None:
    path = csv_register(tmp_path, GOOD_ROW, "GENAI-0002,pending,final,a/**,,,,", GOOD_ROW)
    error = load_error(path)
    assert_names(error, path, 4, "request_id")
    assert "duplicate request_id 'GENAI-0001' (first used in row 2)" in str(error)


def test_duplicate_request_id_differs_only_in_case(tmp_path: Path) -> None:
    path = csv_register(tmp_path, GOOD_ROW, "genai-0001,pending,final,a/**,,,,")
    error = load_error(path)
    assert_names(error, path, 3, "request_id")


def test_final_approval_without_written_approval(tmp_path: Path) -> None:
    path = csv_register(tmp_path, "GENAI-0001,approved,final,final/**,,,,")
    error = load_error(path)
    assert_names(error, path, 2, "written_approval_ref")
    assert "approved request with scope 'final' needs a written_approval_ref" in str(error)


def test_sensitive_use_without_written_approval(tmp_path: Path) -> None:
    path = csv_register(
        tmp_path,
        "GENAI-0001,approved,temporary,temp/**,yes,",
        header="request_id,status,scope,paths,talent_likeness,written_approval_ref",
    )
    error = load_error(path)
    assert_names(error, path, 2, "written_approval_ref")
    assert "sensitive use (talent_likeness) needs a written_approval_ref" in str(error)


def test_pending_final_request_needs_no_written_approval_yet(tmp_path: Path) -> None:
    path = csv_register(tmp_path, "GENAI-0001,pending,final,final/**,,,,")
    assert load_register(path).approvals[0].status == "pending"


def test_bad_yes_no(tmp_path: Path) -> None:
    path = csv_register(
        tmp_path, "GENAI-0001,pending,final,maybe", header="request_id,status,scope,archival_use"
    )
    error = load_error(path)
    assert_names(error, path, 2, "archival_use")
    assert "expected yes or no, got 'maybe'" in str(error)


def test_bad_sha256(tmp_path: Path) -> None:
    path = csv_register(
        tmp_path, f"GENAI-0001,pending,final,{'a' * 63}", header="request_id,status,scope,sha256"
    )
    error = load_error(path)
    assert_names(error, path, 2, "sha256")
    assert "is not a sha256 (64 hexadecimal characters)" in str(error)


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("/final/**", "must be relative to the delivery root"),
        ("final/../../etc/*", "'..' cannot appear"),
        ("final\\stills\\*.jpg", "use '/' between folders"),
        ("final/[z-a].jpg", "not a valid pattern"),
    ],
)
def test_bad_path_glob(tmp_path: Path, pattern: str, why: str) -> None:
    path = csv_register(tmp_path, f'GENAI-0001,pending,final,"{pattern}",,,,')
    error = load_error(path)
    assert_names(error, path, 2, "paths")
    assert why in str(error)


def test_missing_reference_image(tmp_path: Path) -> None:
    path = csv_register(
        tmp_path,
        "GENAI-0001,pending,final,refs/hero.png",
        header="request_id,status,scope,reference",
    )
    error = load_error(path)
    assert_names(error, path, 2, "reference")
    assert "reference image 'refs/hero.png' not found" in str(error)


def test_reference_image_resolves_next_to_the_register(tmp_path: Path) -> None:
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "hero.png").write_bytes(b"png")
    path = csv_register(
        tmp_path,
        "GENAI-0001,pending,final,refs/hero.png",
        header="request_id,status,scope,reference",
    )
    register = load_register(path)
    assert register.reference_path("refs/hero.png") == tmp_path / "refs" / "hero.png"


def test_request_id_with_spaces(tmp_path: Path) -> None:
    path = csv_register(tmp_path, "GENAI 1,pending,final,a/**,,,,")
    error = load_error(path)
    assert_names(error, path, 2, "request_id")
    assert "without spaces" in str(error)


def test_text_field_given_a_yaml_boolean(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.yaml",
        "- {request_id: A-1, status: approved, scope: temporary, written_approval_ref: yes}\n",
    )
    error = load_error(path)
    assert_names(error, path, 1, "written_approval_ref")
    assert "expected text, got a yes/no value" in str(error)


def test_nested_list_entry_in_json(tmp_path: Path) -> None:
    entry = {"request_id": "A-1", "status": "pending", "scope": "final", "paths": [["x/**"]]}
    path = write(tmp_path, "r.json", json.dumps([entry]))
    error = load_error(path)
    assert_names(error, path, 1, "paths")
    assert "list entries must be text, got a list" in str(error)


def test_every_problem_is_listed_with_its_row_and_field(tmp_path: Path) -> None:
    path = csv_register(
        tmp_path,
        "GENAI-0003,aproved,final,final/**,,WA-1,2026-13-01,",
        "GENAI-0002,approved,later,final/**,,WA-2,,",
        GOOD_ROW,
        GOOD_ROW,
    )
    error = load_error(path)
    assert isinstance(error, RegisterErrors)
    assert [(p.row, p.field) for p in error.problems] == [
        (2, "approved_on"),
        (2, "status"),
        (3, "scope"),
        (5, "request_id"),
    ]
    assert str(error).splitlines() == [
        f"{path}: 4 problems",
        "  row 2, field 'approved_on': expected a date (YYYY-MM-DD), got '2026-13-01'",
        "  row 2, field 'status': unknown status 'aproved' (did you mean 'approved'?); expected "
        "one of approved, pending, denied, revoked",
        "  row 3, field 'scope': unknown scope 'later'; expected one of final, temporary",
        "  row 5, field 'request_id': duplicate request_id 'GENAI-0001' (first used in row 4)",
    ]


# --- whole-file problems ----------------------------------------------------------------------


def test_unknown_file_format(tmp_path: Path) -> None:
    path = write(tmp_path, "register.xls", "x")
    error = load_error(path)
    assert_names(error, path, None, None)
    assert "unknown register format: name it .csv, .xlsx, .yaml, .yml or .json" in str(error)


def test_yaml_that_is_not_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, "r.yml", "request_id: A-1\nstatus: approved\n")
    assert "expected a list of approvals" in str(load_error(path))


def test_yaml_entry_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "r.yml", "- A-1\n")
    error = load_error(path)
    assert_names(error, path, 1, None)
    assert "each approval must be a mapping" in str(error)


ALIASES = "YAML anchors and aliases are not allowed in a register: write each value out"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # an alias repeats a list without repeating its bytes (issue 12: 10,000 paths per row)
        ("- {request_id: A-1, status: pending, scope: final, paths: &p [a/**, b/**]}\n"
         "- {request_id: A-2, status: pending, scope: final, paths: *p}\n", 1),
        # an anchor alone is refused too: what it is for is aliases
        ("- request_id: A-1\n  status: pending\n  scope: final\n  notes: &n hello\n", 4),
        # a merge key needs an alias
        ("- &base {status: pending, scope: final}\n- {<<: *base, request_id: A-2}\n", 1),
    ],
)  # fmt: skip
def test_yaml_anchors_and_aliases_are_refused(tmp_path: Path, text: str, line: int) -> None:
    path = write(tmp_path, "r.yaml", text)
    error = load_error(path)
    assert_names(error, path, None, None)
    assert str(error) == f"{path}: {ALIASES} (line {line})"


def test_yaml_text_that_only_looks_like_an_alias_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.yaml",
        "- {request_id: A-1, status: pending, scope: final, paths: ['*p', 'final/&x/**'],"
        " notes: 'R&D *draft*'}\n",
    )
    (approval,) = load_register(path).approvals
    assert approval.paths == ("*p", "final/&x/**")
    assert approval.notes == "R&D *draft*"


def test_register_with_too_many_path_patterns_in_all(tmp_path: Path) -> None:
    """10,000 patterns per row is allowed; 100,000 across the register is the cap."""
    cell = ";".join(["final/**"] * 10_000)
    rows = [f"GENAI-{n},pending,final,{cell},,,," for n in range(11)]
    path = csv_register(tmp_path, *rows)
    error = load_error(path)
    assert_names(error, path, 12, "paths")
    assert "more than 100000 path patterns in the whole register" in str(error)
    assert len(load_register(csv_register(tmp_path, *rows[:10])).approvals) == 10


def test_invalid_json(tmp_path: Path) -> None:
    path = write(tmp_path, "r.json", "[{")
    assert "not valid JSON" in str(load_error(path))


def test_csv_row_with_more_cells_than_the_header(tmp_path: Path) -> None:
    path = csv_register(tmp_path, GOOD_ROW + ",surplus")
    error = load_error(path)
    assert_names(error, path, 2, None)
    assert "more cells than header columns ('surplus')" in str(error)


def test_register_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes((HEADER + "\nGENAI-1,pending,final,caf\xe9/**,,,,\n").encode("latin-1"))
    assert "not UTF-8 text" in str(load_error(path))


def test_csv_with_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(("\ufeff" + HEADER + "\n" + GOOD_ROW + "\n").encode("utf-8"))
    assert load_register(path).approvals[0].request_id == "GENAI-0001"


# --- provscan approvals check ------------------------------------------------------------------


def test_approvals_check_prints_what_the_register_covers(tmp_path: Path) -> None:
    path = csv_register(
        tmp_path,
        GOOD_ROW,
        "GENAI-0002,denied,final,final/x.png,,,,",
        "GENAI-0003,approved,temporary,,ComfyUI,,,2026-01-31",
    )
    result = CliRunner().invoke(cli, ["approvals", "check", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"register {path} (CSV): 3 approvals, valid"
    assert lines[1] == "  read as: comma-separated"
    assert lines[2] == "  status: approved 2, pending 0, denied 1, revoked 0"
    assert lines[3] == "  scope: final 2, temporary 1"
    assert "GENAI-0001  approved  final      paths final/** · tools Adobe Firefly" in result.output
    assert "GENAI-0003 expired on 2026-01-31" in result.output
    assert "GENAI-0003 names only tools: it covers every asset made with ComfyUI" in result.output


def test_approvals_check_exits_2_naming_row_and_field(tmp_path: Path) -> None:
    path = csv_register(tmp_path, "GENAI-0001,approved,final,final/**,,,,")
    result = CliRunner().invoke(cli, ["approvals", "check", str(path)])
    assert result.exit_code == 2
    assert f"{path}, row 2, field 'written_approval_ref'" in result.output


def test_describe_shows_control_characters_instead_of_obeying_them(tmp_path: Path) -> None:
    register = Register(
        file="r.csv",
        format="csv",
        approvals=(Approval("A-1", "pending", "final", paths=("x/\x1b[2J*",), row=2),),
    )
    text = describe_register(register, as_of=date(2026, 1, 1))
    assert "\x1b" not in text
    assert "x/\\x1b[2J*" in text


def test_fixture_register_hashes_match_the_sample_delivery() -> None:
    """Run `python fixtures/approvals_sync.py` after regenerating the delivery if this fails."""
    from fixtures.approvals_sync import HASHED, expected_hashes

    delivery = FIXTURES / "delivery"
    if not all((delivery / p).is_file() for paths in HASHED.values() for p in paths):
        pytest.skip("the sample delivery has not been generated")
    by_id = {a.request_id: a for a in load_register(FIXTURES / "approvals.csv").approvals}
    for request_id, cell in expected_hashes(FIXTURES).items():
        assert ";".join(by_id[request_id].sha256) == cell


# --- hostile registers: anything at all is a Register or a RegisterError ----------------------


_CELLS = st.sampled_from(
    ["", "GENAI-1", "approved", "final", "temporary", "yes", "maybe", "2026-01-01", "2026-02-30",
     "final/**", "/abs", "..", "[z-a]", "a" * 64, ";", '"', "\x00", "\u202e", "WA-1"]
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(
        st.sampled_from(
            [
                "request_id",
                "status",
                "scope",
                "paths",
                "sha256",
                "tools",
                "written_approval_ref",
                "approved_on",
                "x",
            ]
        ),
        min_size=0,
        max_size=6,
    ),  # fmt: skip
    rows=st.lists(st.lists(_CELLS, max_size=7), max_size=5),
)
def test_any_csv_is_a_register_or_a_register_error(
    tmp_path: Path, header: list[str], rows: list[list[str]]
) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / "fuzz.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    try:
        register = load_register(path)
    except RegisterError as exc:
        assert str(exc).startswith(str(path))
    else:
        assert all(
            a.status in ("approved", "pending", "denied", "revoked") for a in register.approvals
        )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".yaml", ".json"]))
def test_any_bytes_are_a_register_or_a_register_error(
    tmp_path: Path, data: bytes, suffix: str
) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        load_register(path)
    except RegisterError as exc:
        assert str(exc).startswith(str(path))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tree=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=8)
        | st.dates(),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "request_id",
                        "status",
                        "scope",
                        "paths",
                        "tools",
                        "approved_on",
                        "talent_likeness",
                        "notes",
                    ]
                ),
                children,
                max_size=5,
            )
        ),
        max_leaves=12,
    )  # fmt: skip
)
def test_any_yaml_tree_is_a_register_or_a_register_error(tmp_path: Path, tree: object) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(tree), encoding="utf-8")
    try:
        load_register(path)
    except RegisterError as exc:
        assert str(exc).startswith(str(path))
