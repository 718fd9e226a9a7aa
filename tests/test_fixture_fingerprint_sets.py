"""fixtures/known_ai and fixtures/archive_source, and the delivery files made from them, are
what fixtures/delivery.md says: read back with Pillow, PyAV and a PNG chunk walk, and compared
pixel by pixel with what they were made from.
"""

from __future__ import annotations

import json

import av
import numpy as np
import pytest
from fixture_readback import REPO, delivered, png_chunks
from PIL import Image

from fixtures import fingerprint_sets as sets
from fixtures import pictures
from fixtures.factory import read_store

KNOWN_AI = REPO / "fixtures" / "known_ai"
ARCHIVE = REPO / "fixtures" / "archive_source"

if not (KNOWN_AI.is_dir() and ARCHIVE.is_dir()):
    pytest.skip("run `make fixtures` first", allow_module_level=True)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float32)


def mean_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


def test_folders_hold_exactly_the_planned_files():
    for folder, planned in ((KNOWN_AI, sets.KNOWN_AI_FILES), (ARCHIVE, sets.ARCHIVE_FILES)):
        files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        assert files == {f.path for f in planned}, folder


def test_regenerating_reproduces_both_folders_byte_for_byte(tmp_path):
    for folder, build in ((KNOWN_AI, sets.build_known_ai), (ARCHIVE, sets.build_archive_source)):
        for fresh in build(tmp_path / folder.name):
            committed = folder / fresh.relative_to(tmp_path / folder.name)
            assert fresh.read_bytes() == committed.read_bytes(), (
                f"{committed} differs: run `make fixtures`"
            )


def test_known_ai_stills_carry_their_generator_records():
    plate = png_chunks((KNOWN_AI / sets.PLATE).read_bytes())
    assert [kind for kind, _ in plate[:3]] == [b"IHDR", b"tEXt", b"tEXt"]
    texts = dict(body.split(b"\x00", 1) for kind, body in plate if kind == b"tEXt")
    api = json.loads(texts[b"prompt"])
    assert api["3"]["inputs"]["seed"] == sets.PLATE_SEED
    assert api["6"]["inputs"]["text"] == sets.PLATE_PROMPT
    assert set(json.loads(texts[b"workflow"])) >= {"nodes", "links"}
    for rel, seed in ((sets.CONCEPT, sets.CONCEPT_SEED), (sets.STORM, sets.STORM_SEED)):
        chunks = png_chunks((KNOWN_AI / rel).read_bytes())
        keyword, text = chunks[1][1].split(b"\x00", 1)
        assert keyword == b"parameters"
        assert f"Seed: {seed}, Size: 512x512" in text.decode()
    with av.open(str(KNOWN_AI / sets.ANIMATIC)) as container:
        frames = list(container.decode(video=0))
    assert (len(frames), frames[0].width, frames[0].height) == (48, 384, 216)


def test_plate_reexport_is_the_plate_resized_with_no_metadata_left():
    path = delivered("final/stills/plate_reexport.jpg")
    with Image.open(path) as image:
        image.load()
        assert (image.format, image.size) == ("JPEG", sets.PLATE_REEXPORT_SIZE)
        assert set(image.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density"}
        delivered_pixels = pixels(image)
    assert b"Exif" not in path.read_bytes() and b"http://ns.adobe.com/xap" not in path.read_bytes()
    assert read_store(path) is None
    with Image.open(KNOWN_AI / sets.PLATE) as plate:
        resized = plate.convert("RGB").resize(sets.PLATE_REEXPORT_SIZE, Image.Resampling.LANCZOS)
    with Image.open(KNOWN_AI / sets.CONCEPT) as other:
        unrelated = other.convert("RGB").resize(sets.PLATE_REEXPORT_SIZE)
    assert mean_abs(delivered_pixels, pixels(resized)) < 4  # the plate, JPEG-encoded
    assert mean_abs(delivered_pixels, pixels(unrelated)) > 20


def test_reel_has_the_concept_still_on_screen_from_1_s_to_2_s():
    path = delivered("final/video/reel_with_ai_shot.mp4")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert not container.metadata.get("comment")
        frames = [pixels(f.to_image()) for f in container.decode(stream)]
    assert len(frames) == 72 and frames[0].shape == (216, 384, 3)
    with Image.open(KNOWN_AI / sets.CONCEPT) as concept:
        square = pixels(concept.convert("RGB").resize((216, 216), Image.Resampling.LANCZOS))
    left = (384 - 216) // 2
    for index, frame in enumerate(frames):
        on_screen = 24 <= index < 48
        diff = mean_abs(frame[:, left : left + 216], square)
        assert (diff < 6) if on_screen else (diff > 20), index
        if on_screen:
            assert frame[:, :left].max() < 24 and frame[:, left + 216 :].max() < 24  # bars
    live = pixels(pictures.frame(sets.REEL_LIVE_SEED, 60, sets.REEL_SIZE))
    assert mean_abs(frames[60], live) < 6


def test_archival_copies_of_the_original_scans():
    with (
        Image.open(ARCHIVE / sets.SCAN_1962) as scan,
        Image.open(delivered("archival/photo_1962.jpg")) as copy,
    ):
        assert scan.size == copy.size == (640, 480)
        assert mean_abs(pixels(scan), pixels(copy)) < 6  # the same picture, re-encoded
    with (
        Image.open(ARCHIVE / sets.SCAN_1966) as scan,
        Image.open(delivered("archival/photo_1966_retouched.jpg")) as retouched,
    ):
        source, changed = pixels(scan), pixels(retouched)
    x0, y0, x1, y1 = sets.RETOUCH_BOX
    inside = np.zeros(source.shape[:2], dtype=bool)
    inside[y0:y1, x0:x1] = True
    assert inside.mean() == pytest.approx(0.10, abs=0.005)
    assert mean_abs(source[~inside], changed[~inside]) < 6
    assert mean_abs(source[inside], changed[inside]) > 20
    with Image.open(ARCHIVE / sets.SCAN_1958) as unused:
        assert mean_abs(pixels(unused), source) > 20
