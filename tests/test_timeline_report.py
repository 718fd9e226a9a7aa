"""The cut in the reports: provscan-cut.csv (one row per event, formulas neutralised), the
HTML strip (hostile clip names stay text; a segment opens its asset), and `provscan report`
re-rendering both byte for byte from the stored JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures import factory
from scanner.cli import cli
from scanner.report.cut_csv import COLUMNS

pytest_plugins = ("conftest_browser",)

HOSTILE = '=HYPERLINK("http://evil.example/x","click")'
SCRIPT = "<script>window.__cut_xss=1</script>\u202egpj.exe"
EDL = f"""TITLE: {SCRIPT}
001  AI       V     C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00
* FROM CLIP NAME: {HOSTILE}
* FROM CLIP: final/ai.jpg
002  PLAIN    V     C        00:00:00:00 00:00:02:00 01:00:01:00 01:00:03:00
* FROM CLIP NAME: {SCRIPT}
* FROM CLIP: final/plain.jpg
003  GONE     V     C        00:00:00:00 00:00:01:00 01:00:03:00 01:00:04:00
"""


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("cut-report")
    delivery = base / "delivery"
    xmp = factory.xmp_packet(digital_source_type_term="trainedAlgorithmicMedia")
    factory.plain_jpeg(delivery / "final/ai.jpg", 1, xmp=xmp)
    factory.plain_jpeg(delivery / "final/plain.jpg", 2)
    timeline = base / "cut.edl"
    timeline.write_text(EDL, encoding="utf-8")
    out = base / "out"
    args = [
        "scan",
        str(delivery),
        "--timeline",
        str(timeline),
        "--timeline-rate",
        "24",
        "--format",
        "json",
        "--format",
        "csv",
        "--format",
        "html",
        "-o",
        str(out),
        "--no-cache",
        "-q",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    return out


def test_the_cut_csv_has_one_row_per_event_with_formulas_neutralised(scanned: Path) -> None:
    text = (scanned / "provscan-cut.csv").read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["event"], r["record_in"], r["record_out"], r["status"]) for r in rows] == [
        ("001", "01:00:00:00", "01:00:01:00", "violation"),
        ("002", "01:00:01:00", "01:00:03:00", "clean"),
        ("003", "01:00:03:00", "01:00:04:00", "review"),
    ]
    assert rows[0]["clip"] == "'" + HOSTILE
    assert (rows[0]["assets"], rows[0]["resolved_by"], rows[0]["ai"]) == (
        "final/ai.jpg",
        "path",
        "generated",
    )
    assert rows[2]["reasons"] == "missing-media" and rows[2]["line"] == "8"


def test_hostile_names_in_the_strip_stay_text(scanned: Path) -> None:
    page = (scanned / "provscan.html").read_text(encoding="utf-8")
    assert "<script>window.__cut_xss" not in page
    assert "&lt;script&gt;window.__cut_xss=1&lt;/script&gt;" in page
    assert '<span class="esc">\\u202e</span>' in page
    assert 'class="seg ai st-violation"' in page and 'class="seg missing"' in page


def test_a_stored_scan_renders_the_same_cut(scanned: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            str(scanned / "provscan.json"),
            "--format",
            "csv",
            "--format",
            "html",
            "-o",
            str(again),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("provscan-cut.csv", "provscan.csv", "provscan.html"):
        assert (again / name).read_bytes() == (scanned / name).read_bytes(), name


def test_a_stored_scan_with_a_malformed_timeline_is_refused(scanned: Path, tmp_path: Path) -> None:
    doc = json.loads((scanned / "provscan.json").read_text(encoding="utf-8"))
    doc["timelines"][0]["events"][0]["frames"] = "many"
    stored = tmp_path / "bad.json"
    stored.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(stored), "--format", "csv"])
    assert result.exit_code == 2 and "malformed provscan scan" in result.output


@pytest.mark.browser
def test_a_strip_segment_opens_its_asset(scanned: Path, open_report) -> None:
    loaded = open_report(scanned / "provscan.html")
    page = loaded.page
    assert page.evaluate("typeof window.__cut_xss") == "undefined"
    assert page.locator("#cut svg rect.seg").count() == 3
    page.locator('#cut svg a.to-asset[data-path="final/ai.jpg"]').click()
    assert page.input_value("#f-q") == "final/ai.jpg"
    body = page.locator('#assets tbody[data-path="final/ai.jpg"]')
    assert body.locator("button.expand").get_attribute("aria-expanded") == "true"
    page.locator("#cut table.cut-ai a.to-asset").click()
    assert loaded.console_errors == [] and loaded.outside_requests == []


def test_the_terminal_summary_names_each_timeline(scanned: Path) -> None:
    from scanner.report.document import source_of_document
    from scanner.report.summary import render_summary

    doc = json.loads((scanned / "provscan.json").read_text(encoding="utf-8"))
    lines = render_summary(source_of_document(doc)).splitlines()
    cut = [line for line in lines if line.startswith("  cut ")]
    assert cut == [f"  cut {doc['timelines'][0]['source']}: 3 events, 1 with AI, 1 missing media"]
