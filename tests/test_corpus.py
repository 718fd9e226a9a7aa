"""The shared real-media corpus (../shared/corpus/MANIFEST.tsv) against its expected verdicts.

The corpus folder is scanned as a delivery by the real pipeline (`scan_delivery`: walk, sniff,
every reader including the integrity check, rules, assessment, policy), once per session, and
each manifest row is checked against the asset the scan reported for its path:

AI -> ai generated or composite; NOT_AI -> ai none; NONE -> ai none, credentials absent and no
AI/capture signal at all ("no provenance"); INVALID -> credentials invalid. No row may be
unreadable. UNKNOWN rows are policy or environment dependent: how they come out, and why, is
in corpus_unknowns.md.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from scanner.model import AssetResult
from scanner.policy.areas import DEFAULT_POLICY
from scanner.scan import ScanConfig, scan_delivery

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
MANIFEST = CORPUS / "MANIFEST.tsv"
AI_OR_CAPTURE = ("ai-generated", "ai-composite", "ai-possible", "ai-enhanced", "capture")


def manifest_rows() -> list[dict[str, str]]:
    if not MANIFEST.is_file():
        return []
    lines = [
        ln for ln in MANIFEST.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")
    ]
    return list(csv.DictReader(lines, delimiter="\t"))


@pytest.fixture(scope="module")
def scanned() -> Iterator[dict[str, AssetResult]]:
    """Every asset of the corpus folder, by path, from one real scan."""
    if not MANIFEST.is_file():
        pytest.skip(f"corpus not available: {CORPUS}")
    config = ScanConfig(policy=DEFAULT_POLICY, as_of=date(2026, 11, 1), jobs=2, cache_path=None)
    with scan_delivery(CORPUS, config) as result:
        yield {asset.analysis.path: asset for asset in result.assets}


ROWS = [r for r in manifest_rows() if r["expected_verdict"] != "UNKNOWN"]


def test_corpus_is_present_and_every_row_is_an_asset(scanned: dict[str, AssetResult]) -> None:
    rows = manifest_rows()
    assert len(rows) >= 30
    missing = [r["relative_path"] for r in rows if r["relative_path"] not in scanned]
    assert missing == []


@pytest.mark.parametrize("row", ROWS, ids=[r["relative_path"].rsplit("/", 1)[-1] for r in ROWS])
def test_corpus_row_matches_its_expected_verdict(
    row: dict[str, str], scanned: dict[str, AssetResult]
) -> None:
    asset = scanned[row["relative_path"]]
    analysis = asset.analysis
    assert not analysis.unreadable, analysis.problems
    assert asset.finding.status != "error", asset.finding
    assessment = analysis.assessment
    expected = row["expected_verdict"]
    if expected == "AI":
        assert assessment.ai in ("generated", "composite"), assessment
    elif expected == "NOT_AI":
        assert assessment.ai == "none", assessment
    elif expected == "NONE":
        assert (assessment.ai, assessment.credentials) == ("none", "absent"), assessment
        telling = [s for s in assessment.signals if s.meaning in AI_OR_CAPTURE]
        assert telling == [], telling
    elif expected == "INVALID":
        assert assessment.credentials == "invalid", assessment
    else:
        pytest.fail(f"unknown expected verdict {expected!r}")


UNKNOWN_ROWS = [r for r in manifest_rows() if r["expected_verdict"] == "UNKNOWN"]
UNKNOWNS_DOC = Path(__file__).with_name("corpus_unknowns.md")


def documented_unknowns() -> dict[str, tuple[str, str]]:
    """file -> (ai, credentials) from the table in corpus_unknowns.md."""
    table = {}
    for line in UNKNOWNS_DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`"):
            table[cells[0].strip("`")] = (cells[1], cells[2])
    return table


@pytest.mark.parametrize(
    "row", UNKNOWN_ROWS, ids=[r["relative_path"].rsplit("/", 1)[-1] for r in UNKNOWN_ROWS]
)
def test_unknown_rows_come_out_as_documented(
    row: dict[str, str], scanned: dict[str, AssetResult]
) -> None:
    documented = documented_unknowns()
    assert row["relative_path"] in documented, "add the row to tests/corpus_unknowns.md"
    assessment = scanned[row["relative_path"]].analysis.assessment
    assert (assessment.ai, assessment.credentials) == documented[row["relative_path"]]
