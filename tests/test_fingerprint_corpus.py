"""Fingerprints on real files of the shared corpus: a real Firefly still found again after a
stripped re-export, a real colour adjustment, a real composite over an "archival" original."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from scanner.discover.media import MediaFile
from scanner.discover.walk import walk
from scanner.engine.libraries import build_library
from scanner.fingerprint import hashing
from scanner.fingerprint.archive import compare_tiles, verify_archival
from scanner.fingerprint.library import match_known_ai
from tests.extract_helpers import opened

fingerprint_media = opened(hashing.fingerprint_media)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
RIBBONS = "c2pa-org+public-testfiles/image/jpeg/adobe-20220124-A.jpg"
RIBBONS_COLOUR_ADJUSTED = "contentauth+c2pa-rs/sdk/tests/fixtures/CA.jpg"
RIBBONS_TWO_PLACED = "c2pa-org+public-testfiles/image/jpeg/adobe-20220124-CAICAI.jpg"
RIBBONS_REFRAMED = "contentauth+c2pa-rs/sdk/tests/fixtures/IMG_0003_aca.png"
FIREFLY = "contentauth+c2pa-rs/sdk/tests/fixtures/cai.jpg"
COMFYUI = "comfyanonymous+ComfyUI_examples/sdturbo/sdxlturbo_example.png"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present"),
]


def media(path: Path) -> MediaFile:
    found = [m for m in walk(path.parent) if isinstance(m, MediaFile) and m.path.name == path.name]
    assert len(found) == 1
    return found[0]


def library_of(tmp_path: Path, *rels: str) -> Path:
    """Copies of corpus files in a library folder under tmp_path (never inside the repo)."""
    root = tmp_path / "library"
    root.mkdir()
    for rel in rels:
        shutil.copy(CORPUS / rel, root / Path(rel).name)
    return root


def test_real_generated_stills_are_found_after_a_stripped_reexport(tmp_path: Path) -> None:
    library = build_library(library_of(tmp_path, FIREFLY, COMFYUI, RIBBONS))
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    for rel, name in ((FIREFLY, "plate_a.jpg"), (COMFYUI, "plate_b.jpg")):
        with Image.open(CORPUS / rel) as original:
            rgb = original.convert("RGB")
        rgb.resize((rgb.width // 2, rgb.height // 2)).save(delivery / name, quality=75)
        frames = fingerprint_media(media(delivery / name)).frames
        hits = match_known_ai(frames, library, kind="image")
        assert [h.library_file for h in hits] == [Path(rel).name]


def test_a_real_colour_adjustment_is_the_same_picture(tmp_path: Path) -> None:
    library = build_library(library_of(tmp_path, RIBBONS, FIREFLY))
    frames = fingerprint_media(media(CORPUS / RIBBONS_COLOUR_ADJUSTED)).frames
    assert [h.library_file for h in match_known_ai(frames, library)] == ["adobe-20220124-A.jpg"]


def test_real_composite_over_an_archival_original_is_altered_where_it_was_placed(
    tmp_path: Path,
) -> None:
    archive = build_library(library_of(tmp_path, RIBBONS, FIREFLY))
    colour = fingerprint_media(media(CORPUS / RIBBONS_COLOUR_ADJUSTED)).frames
    assert verify_archival(colour, archive).outcome == "verified"

    placed = fingerprint_media(media(CORPUS / RIBBONS_TWO_PLACED)).frames
    check = verify_archival(placed, archive)
    assert (check.outcome, check.source) == ("altered", "adobe-20220124-A.jpg")
    comparison = compare_tiles(placed[0], archive)
    assert comparison is not None
    assert comparison.changed == (0, 1, 4, 5)  # the top-left quarter, where they were placed

    # Reframed (a different crop): tiles and whole-picture hashes both lose it.
    reframed = fingerprint_media(media(CORPUS / RIBBONS_REFRAMED)).frames
    assert verify_archival(reframed, archive).outcome == "unverified"
