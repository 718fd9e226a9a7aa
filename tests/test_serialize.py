"""One strict decoder for stored scans and cache rows (scanner.common.serialize)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from scanner.common.serialize import from_plain, to_plain
from scanner.errors import ReportInputError
from scanner.model import Approval, Problem
from scanner.report.document import from_document, to_document
from tests.report_samples import sample_result


def test_round_trip_with_dates_and_optionals() -> None:
    approval = Approval("A-1", "approved", "final", paths=("x/**",), approved_on=date(2026, 1, 2))
    assert from_plain(Approval, to_plain(approval)) == approval


@pytest.mark.parametrize(
    "plain, why",
    [
        ({"source": "x", "message": "m", "fatal": 1}, "expected bool"),
        ({"source": "x", "message": "m", "fatal": True, "extra": 1}, "unknown keys"),
        ({"source": "x", "fatal": True}, "missing keys"),
        ({"source": True, "message": "m"}, "expected str"),
    ],
)
def test_shapes_that_do_not_fit_are_refused(plain: dict, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        from_plain(Problem, plain)


def test_an_int_field_refuses_a_bool_and_a_date_field_refuses_a_number() -> None:
    plain = to_plain(Approval("A-1", "approved", "final", row=3))
    with pytest.raises(ValueError, match="expected int"):
        from_plain(Approval, {**plain, "row": True})
    with pytest.raises(ValueError, match="expected a date"):
        from_plain(Approval, {**plain, "approved_on": 20260102})


@pytest.mark.parametrize(
    "tamper",
    [
        lambda asset: asset.update(size=True),
        lambda asset: asset.update(injected="<script>"),
        lambda asset: asset["problems"].append({"source": "x", "message": "m", "fatal": "yes"}),
    ],
)
def test_a_stored_scan_that_does_not_fit_is_refused(tamper) -> None:  # noqa: ANN001
    doc = json.loads(json.dumps(to_document(sample_result())))
    tamper(doc["assets"][0])
    with pytest.raises(ReportInputError, match="malformed provscan scan"):
        from_document(doc)
