"""exifread as an oracle for our EXIF reader.

provscan reads EXIF with its own bounded IFD reader (scanner/extract/exif.py says why: exifread
3.5.1 loses UserComment unless it also decodes every maker note, drops long UNDEFINED values,
and finds no EXIF at all in a JPEG whose C2PA APP11 segments come before APP1). Where exifread
does read a file, both readers must agree on every text tag the rules use.
"""

from __future__ import annotations

from pathlib import Path

import exifread
import pytest

from scanner.extract import exif
from tests.extract_helpers import media_for, run

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
TAGS = ("Make", "Model", "Software", "Artist", "ImageDescription")
SUFFIXES = {".jpg", ".jpeg", ".tif", ".tiff", ".dng", ".webp"}


def _files() -> list[Path]:
    found = [p for p in sorted((ROOT / "fixtures").rglob("*")) if p.suffix.lower() in SUFFIXES]
    if CORPUS.is_dir():
        found += [p for p in sorted(CORPUS.rglob("*")) if p.suffix.lower() in SUFFIXES]
    return [p for p in found if p.is_file() and p.stat().st_size > 0]


def _exifread_tags(path: Path) -> dict[str, str]:
    with open(path, "rb") as handle:
        tags = exifread.process_file(handle, details=False, truncate_tags=False)
    return {
        name: str(tags[f"Image {name}"]).strip().rstrip("\x00").strip()
        for name in TAGS
        if f"Image {name}" in tags
    }


ORACLE_FILES = [p for p in _files() if _exifread_tags(p)]


def test_the_oracle_reads_enough_files_to_mean_something() -> None:
    assert len(ORACLE_FILES) >= 3, ORACLE_FILES  # the sample delivery alone gives 4


@pytest.mark.parametrize("path", ORACLE_FILES, ids=lambda p: p.name)
def test_our_reader_agrees_with_exifread(path: Path) -> None:
    expected = _exifread_tags(path)
    ours = {e.field: e.value.strip() for e in run(exif, path).evidence if e.field in TAGS}
    assert {k: ours.get(k) for k in expected} == expected


def test_exifread_misses_exif_after_c2pa_app11_where_ours_does_not() -> None:
    signed = ROOT / "fixtures" / "delivery" / "final" / "stills" / "capture_signed.jpg"
    assert _exifread_tags(signed) == {}
    fields = {e.field for e in run(exif, signed).evidence}
    assert {"Make", "Model"} <= fields, media_for(signed)
