"""CSV report: stable columns, joined multi-values, UTF-8 with BOM, no formula survives."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given
from hypothesis import strategies as st
from report_samples import FORMULAS, HOSTILE_TEXTS, hostile_result, sample_result

from scanner.report.csv_report import BOM, COLUMNS, FORMULA_STARTS, neutralise, render_csv
from scanner.report.document import from_document, to_document

# What a spreadsheet may trim before it looks for a formula character.
TRIMMED = " \t\r\n\u00a0\u3000"


def rows_of(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))


def by_path(text: str) -> dict[str, dict[str, str]]:
    header, *rows = rows_of(text)
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}


def test_header_is_the_documented_column_order():
    header = rows_of(render_csv(to_document(sample_result())))[0]
    assert header == [
        "path",
        "status",
        "reasons",
        "approval",
        "ai",
        "credentials",
        "generators",
        "rule_ids",
        "media_type",
        "format",
        "size",
        "sha256",
        "area",
        "archival_outcome",
        "problems",
        "reason_details",
        "waivers",
    ]
    assert tuple(header) == COLUMNS


def test_one_row_per_asset_in_document_order_with_exact_cells():
    doc = to_document(sample_result())
    text = render_csv(doc)
    header, *rows = rows_of(text)
    assert [r[0] for r in rows] == [a["path"] for a in doc["assets"]]
    rows_by_path = by_path(text)
    assert rows_by_path["temp/previs_sh030.mp4"] == {
        "path": "temp/previs_sh030.mp4",
        "status": "violation",
        "reasons": "temporary-in-final; approval-expired",
        "approval": "GENAI-0007",
        "ai": "generated",
        "credentials": "absent",
        "generators": "Runway",
        "rule_ids": "container.encoder.runway",
        "media_type": "video/mp4",
        "format": "MP4",
        "size": "48000000",
        "sha256": doc["assets"][2]["sha256"],
        "area": "final",
        "archival_outcome": "",
        "problems": "",
        "reason_details": "temporary-in-final: approval GENAI-0007 is temporary; "
        "approval-expired: GENAI-0007 expired 2026-10-01",
        "waivers": "",
    }
    assert rows_by_path["archival/1969_launch.jpg"]["archival_outcome"] == "verified"
    assert rows_by_path["archival/1969_launch.jpg"]["area"] == "archival"
    assert rows_by_path["broken/truncated.jpg"]["problems"] == (
        "walk: JPEG ends inside a segment (fatal)"
    )
    assert rows_by_path["stills/sh010_still.jpg"]["approval"] == ""


def test_rows_end_in_crlf_and_text_starts_with_a_bom():
    text = render_csv(to_document(sample_result()))
    assert text.startswith("\ufeffpath,status,")
    lines = text.split("\r\n")
    assert lines[-1] == ""
    assert len(lines) - 1 == 1 + len(sample_result().assets)
    assert text.encode("utf-8")[:3] == b"\xef\xbb\xbf"


def test_hostile_delivery_no_cell_starts_a_formula():
    text = render_csv(to_document(hostile_result()))
    header, *rows = rows_of(text)
    assert len(rows) == len(HOSTILE_TEXTS)
    for row in rows:
        for cell in row:
            trimmed = cell.lstrip(TRIMMED)
            assert not trimmed or trimmed[0] not in FORMULA_STARTS, cell
            assert not cell or cell[0] not in FORMULA_STARTS, cell
    # the values are kept (behind the apostrophe), not dropped
    formula_rows = [r for r in rows if r[1] and r[3].startswith("'")]
    assert {r[3] for r in formula_rows} >= {"'" + f for f in FORMULAS[:4]}


def test_hostile_markup_in_csv_is_plain_text_round_trip():
    text = render_csv(to_document(hostile_result()))
    header, *rows = rows_of(text)
    approvals = [dict(zip(header, r, strict=True))["approval"] for r in rows]
    assert approvals[0] == HOSTILE_TEXTS[0]  # <script> is not a spreadsheet hazard: kept as is


def test_neutralise_exact_outcomes():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("+1") == "'+1"
    assert neutralise("-1") == "'-1"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("\t=1") == "'\t=1"
    assert neutralise("\r=1") == "'\r=1"
    assert neutralise("\n=1") == "'\n=1"
    assert neutralise("  =1") == "'  =1"
    assert neutralise("\u00a0=1") == "'\u00a0=1"
    assert neutralise("\uff1d1+1") == "'\uff1d1+1"
    assert neutralise("\uff20SUM") == "'\uff20SUM"
    assert neutralise("a=1") == "a=1"
    assert neutralise("stills/a.jpg") == "stills/a.jpg"
    assert neutralise("") == ""
    assert neutralise("nul\x00byte") == "nul\ufffdbyte"
    assert neutralise("bad\udcffname") == "bad\ufffdname"


@given(st.text())
def test_neutralise_never_leaves_a_formula_start(text):
    out = neutralise(text)
    trimmed = out.lstrip(TRIMMED)
    assert not trimmed or trimmed[0] not in FORMULA_STARTS
    out.encode("utf-8")  # always writable
    assert out == text or out == "'" + text or "\ufffd" in out


def test_size_stays_a_number_and_multi_values_are_joined():
    result = sample_result()
    doc = to_document(result)
    doc["assets"][0]["generators"] = ["Adobe Firefly", "Adobe Firefly", "Midjourney"]
    doc["assets"][0]["signals"] = doc["assets"][0]["signals"] * 2
    row = by_path(render_csv(doc))["stills/sh010_still.jpg"]
    assert row["generators"] == "Adobe Firefly; Midjourney"
    assert row["rule_ids"] == "c2pa.dst.composite-trained"
    assert row["size"] == "120000"


def test_stored_json_renders_the_same_csv_as_the_live_scan():
    result = sample_result()
    live = render_csv(to_document(result))
    stored = json.loads(json.dumps(to_document(result)))
    assert render_csv(stored) == live
    assert render_csv(to_document(from_document(stored))) == live


def test_empty_scan_is_a_header_only():
    doc = to_document(sample_result())
    doc["assets"] = []
    assert render_csv(doc) == BOM + ",".join(COLUMNS) + "\r\n"
