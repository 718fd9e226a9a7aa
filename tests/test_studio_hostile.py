"""Hostile and real studio files through the real scan (issue 15): the OpenEXR project's
fuzzer-found damaged files (no `.exr` extension: sniffed by their bytes) each become an error
asset, never a crash, a hang or a clean row, and the scan goes on; the real EXR sequences read
every frame; a known-AI still cut into a DPX sequence is found in its frame."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fixtures import pictures, studio
from scanner.discover.safe_open import open_readonly
from scanner.engine.analyse import AnalyseOptions, analyse
from scanner.fingerprint.hashing import fingerprint_media
from scanner.fingerprint.library import (
    library_from_results,
    library_media,
    match_known_ai,
)
from scanner.policy.areas import DEFAULT_POLICY
from scanner.scan import ScanConfig, scan_delivery
from tests.extract_helpers import media_for

PROMEDIA = Path(__file__).resolve().parents[1].parent / "shared" / "promedia"
EXR_IMAGES = PROMEDIA / "AcademySoftwareFoundation+openexr-images"
EXR_MAGIC = b"\x76\x2f\x31\x01"


def folder(path: Path) -> Path:
    if not path.is_dir():
        pytest.skip(f"../shared/promedia not present: {path}")
    return path


def scan(root: Path, **options: object) -> list:
    config = ScanConfig(policy=DEFAULT_POLICY, as_of=date(2026, 11, 1), jobs=2, cache_path=None,
                        **options)  # type: ignore[arg-type]  # fmt: skip
    with scan_delivery(root, config) as result:
        return [list(result.assets), list(result.skipped)]


def test_every_damaged_exr_is_an_error_and_the_scan_goes_on() -> None:
    damaged = folder(EXR_IMAGES / "Damaged")
    files = sorted(p for p in damaged.iterdir() if p.is_file())
    assert len(files) == 186
    assets, skipped = scan(damaged)
    by_path = {a.analysis.path: a for a in assets}
    for path in files:
        is_exr = path.read_bytes()[:4] == EXR_MAGIC
        if not is_exr:  # 4-90 bytes of spaces and the README: nothing says EXR
            assert any(s.path == path.name and s.reason == "not media" for s in skipped)
            continue
        asset = by_path[path.name]
        assert asset.analysis.format == "EXR"
        assert asset.finding.status == "error", (path.name, asset.analysis.problems)
        assert asset.analysis.unreadable
    assert len(by_path) == 179


def test_real_exr_sequences_are_read_and_fingerprinted() -> None:
    for name, frames in (("DisplayWindow", 16), ("Beachball", 8)):
        assets, _ = scan(folder(EXR_IMAGES / name))
        assert sum(1 for _ in assets) >= 1
        for asset in assets:
            analysis = asset.analysis
            assert asset.finding.status == "clean", (analysis.path, analysis.problems)
            assert not analysis.not_inspected and not analysis.unreadable
            assert any(e.source == "exr" and e.field == "channels" for e in analysis.evidence)
            assert analysis.fingerprints
        assert len(assets) == 1 and assets[0].analysis.sequence.count == frames  # type: ignore[union-attr]


def test_a_known_ai_still_cut_into_a_dpx_sequence_is_found_in_its_frame(tmp_path: Path) -> None:
    """The frame's own analysis finds it (the sequence grouping names the frame number)."""
    known = tmp_path / "known_ai"
    known.mkdir()
    generated = pictures.photo(77, (320, 180))
    generated.save(known / "gen_plate.png")
    shot = tmp_path / "delivery" / "vfx" / "sh020"
    for frame in range(1001, 1006):
        picture = generated if frame == 1003 else pictures.photo(frame, (320, 180))
        studio.write_dpx(shot / f"sh020_plate.{frame}.dpx", picture, creator="Nuke 15.1v3")
    medias = library_media(known)
    results = []
    for item in medias:
        with open_readonly(item.path) as handle:
            results.append(fingerprint_media(item, handle))
    library = library_from_results(str(known), medias, results)
    found = {}
    for path in sorted(shot.iterdir()):
        analysis = analyse(media_for(path), AnalyseOptions())
        assert not analysis.unreadable and analysis.fingerprints, analysis.problems
        found[path.name] = [
            hit.library_file for hit in match_known_ai(analysis.fingerprints, library)
        ]
    assert found == {f"sh020_plate.{f}.dpx": (["gen_plate.png"] if f == 1003 else [])
                     for f in range(1001, 1006)}  # fmt: skip
