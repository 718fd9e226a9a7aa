"""The shared real-media corpus (../shared/corpus/MANIFEST.tsv) against its expected verdicts.

AI -> ai generated or composite; NOT_AI -> ai none; NONE -> ai none, credentials absent and no
AI/capture signal at all ("no provenance"); INVALID -> credentials invalid. UNKNOWN rows are
policy or environment dependent: how they come out, and why, is in corpus_unknowns.md.

`analyse_for_test` runs whichever extractors exist, so rows that need one that does not exist
yet skip with the reason rather than fail.
"""

from __future__ import annotations

import csv
import importlib
from pathlib import Path

import pytest

from scanner.discover.media import MediaFile
from scanner.extract.interface import ExtractOptions
from scanner.model import Assessment, C2paReport, Evidence, Problem
from scanner.rules import signals_for
from scanner.rules.assess import assess

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
MANIFEST = CORPUS / "MANIFEST.tsv"
EXTRACTORS = ("c2pa", "xmp", "exif", "png_text", "container")
# Corpus categories whose verdict rests on an extractor other than C2PA.
NEEDS = {"sd_png": "png_text", "iptc_dst": "xmp"}
AI_OR_CAPTURE = ("ai-generated", "ai-composite", "ai-possible", "ai-enhanced", "capture")
HEAD_BYTES = 64 * 1024


def manifest_rows() -> list[dict[str, str]]:
    if not MANIFEST.is_file():
        return []
    lines = [
        ln for ln in MANIFEST.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")
    ]
    return list(csv.DictReader(lines, delimiter="\t"))


def available_extractors() -> dict[str, object]:
    found = {}
    for name in EXTRACTORS:
        try:
            found[name] = importlib.import_module(f"scanner.extract.{name}").extract
        except ImportError:
            continue
    return found


def media_file(path: Path, rel: str) -> MediaFile:
    """Sniff the type from the bytes, with the project's sniffer when it exists."""
    head = path.read_bytes()[:HEAD_BYTES]
    try:
        from scanner.discover.sniff import sniff
    except ImportError:
        sniff = None
    if sniff is not None:
        found = sniff(head)
        if found is not None:
            return MediaFile(
                path, rel, found.media_type, found.format, found.kind, path.stat().st_size
            )
    media_type, fmt, kind = _fallback_sniff(head)
    return MediaFile(path, rel, media_type, fmt, kind, path.stat().st_size)


def _fallback_sniff(head: bytes) -> tuple[str, str, str]:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "JPEG", "image"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "PNG", "image"
    if head[:4] == b"RIFF":
        kind = {b"WEBP": ("image/webp", "WEBP", "image"), b"WAVE": ("audio/wav", "WAV", "audio")}
        return kind.get(head[8:12], ("video/x-msvideo", "AVI", "video"))
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "image/avif", "AVIF", "image"
        if brand == b"qt  ":
            return "video/quicktime", "MOV", "video"
        return "video/mp4", "MP4", "video"
    return "application/octet-stream", "UNKNOWN", "other"


def analyse_for_test(path: Path) -> tuple[Assessment, list[Evidence], list[Problem]]:
    """Every available extractor -> rules -> assessment, for one corpus file."""
    media = media_file(path, path.name)
    evidence: list[Evidence] = []
    problems: list[Problem] = []
    report: C2paReport | None = None
    for extract in available_extractors().values():
        result = extract(media, ExtractOptions())
        evidence.extend(result.evidence)
        problems.extend(result.problems)
        report = result.c2pa if result.c2pa is not None else report
    return assess(signals_for(evidence), report), evidence, problems


ROWS = [r for r in manifest_rows() if r["expected_verdict"] != "UNKNOWN"]


def test_corpus_is_present_or_skipped_cleanly():
    if not MANIFEST.is_file():
        pytest.skip(f"corpus not available: {CORPUS}")
    assert len(manifest_rows()) >= 30
    assert all((CORPUS / r["relative_path"]).is_file() for r in manifest_rows())


@pytest.mark.parametrize("row", ROWS, ids=[r["relative_path"].rsplit("/", 1)[-1] for r in ROWS])
def test_corpus_row_matches_its_expected_verdict(row):
    needed = NEEDS.get(row["category"])
    if needed and needed not in available_extractors():
        pytest.skip(f"needs scanner.extract.{needed}, not written yet")
    assessment, _, problems = analyse_for_test(CORPUS / row["relative_path"])
    assert not [p for p in problems if p.fatal], problems
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
def test_unknown_rows_come_out_as_documented(row):
    documented = documented_unknowns()
    assert row["relative_path"] in documented, "add the row to tests/corpus_unknowns.md"
    assessment, _, _ = analyse_for_test(CORPUS / row["relative_path"])
    assert (assessment.ai, assessment.credentials) == documented[row["relative_path"]]
