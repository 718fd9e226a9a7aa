"""Stealth metadata in the pixels' least-significant bits: every signature, PNG and WebP, the
probe that keeps it off the hot path, and hostile payloads. Real files written with Pillow."""

from __future__ import annotations

import gzip
import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fixtures import pictures
from fixtures.metadata import png_chunk
from fixtures.stealth import encode, save_stealth_png, save_stealth_webp
from scanner.engine.analyse import AnalyseOptions, analyse
from scanner.extract import stealth
from scanner.extract.formats.lsb import HEADER_BITS, MAX_INFLATED_BYTES, png_first_column
from scanner.extract.interface import Extracted, ExtractOptions
from tests.extract_helpers import call_opened, media_for

A1111 = (
    "a lighthouse at dawn\nNegative prompt: lowres\nSteps: 24, Sampler: DPM++ 2M, CFG scale: 6, "
    "Seed: 90210, Size: 200x300, Model hash: 6ce0161689, Model: v1-5-pruned"
)
NOVELAI = {
    "Software": "NovelAI",
    "Comment": json.dumps(
        {"prompt": "a cat", "steps": 28, "sampler": "k_euler", "seed": 1, "scale": 5.0, "uc": "x"}
    ),
}


def read(path: Path):
    return call_opened(stealth.extract, media_for(path), ExtractOptions())


def picture(size=(200, 300), seed=3) -> Image.Image:
    return pictures.photo(seed, size, noise=0.0)


@pytest.mark.parametrize(
    ("mode", "compressed", "signature"),
    [("alpha", True, "stealth_pngcomp"), ("alpha", False, "stealth_pnginfo"),
     ("rgb", True, "stealth_rgbcomp"), ("rgb", False, "stealth_rgbinfo")],
)  # fmt: skip
def test_every_signature_round_trips_through_a_png(tmp_path, mode, compressed, signature):
    path = save_stealth_png(tmp_path / "s.png", picture(), A1111, mode, compressed)
    result = read(path)
    assert [(e.source, e.field, e.value) for e in result.evidence] == [
        ("stealth", signature, A1111)
    ]
    assert result.problems == ()


@pytest.mark.parametrize("size", [(200, 300), (300, 40), (37, 91)])
def test_short_and_odd_sized_images_are_decoded_whole(tmp_path, size):
    # under 152 rows the header runs into the next column: no probe, the whole picture is read
    path = save_stealth_png(tmp_path / "s.png", picture(size), A1111, "alpha", True)
    assert [e.value for e in read(path).evidence] == [A1111]


def test_interlaced_png_is_decoded_whole(tmp_path):
    image = Image.fromarray(encode(np.asarray(picture().convert("RGBA")), A1111))
    path = tmp_path / "i.png"
    image.save(path, "PNG", interlace=1)
    assert read(path).evidence[0].value == A1111


def test_lossless_webp_and_novelai_json(tmp_path):
    path = save_stealth_webp(tmp_path / "s.webp", picture(), json.dumps(NOVELAI))
    found = read(path).evidence
    assert found[0].field == "stealth_pngcomp"
    assert json.loads(found[0].value) == NOVELAI
    analysis = analyse(media_for(path), AnalyseOptions(fingerprints=False))
    assert analysis.assessment.ai == "generated"
    assert analysis.assessment.generators == ("NovelAI",)


def test_layout_written_by_hand_is_read(tmp_path):
    """The extension's layout built bit by bit here (not by the fixture writer): signature,
    32-bit length in bits, payload, MSB first, down the first column, then the next."""
    payload = b"Steps: 9"
    stream = b"stealth_pnginfo" + (len(payload) * 8).to_bytes(4, "big") + payload
    bits = [(byte >> (7 - i)) & 1 for byte in stream for i in range(8)]
    width, height = 3, 80  # 3 x 80 = 240 alpha bits >= 216 used: two columns and a bit
    pixels = np.full((height, width, 4), 200, np.uint8)
    for n, bit in enumerate(bits):
        x, y = divmod(n, height)
        pixels[y, x, 3] = 254 | bit
    Image.fromarray(pixels).save(tmp_path / "h.png")
    assert [(e.field, e.value) for e in read(tmp_path / "h.png").evidence] == [
        ("stealth_pnginfo", "Steps: 9")
    ]


def test_plain_pictures_and_noise_in_the_alpha_bits_hold_nothing(tmp_path):
    rng = np.random.default_rng(11)
    Image.fromarray(rng.integers(0, 256, (300, 200, 4), dtype=np.uint8)).save(tmp_path / "n.png")
    picture().save(tmp_path / "rgb.png")
    picture().convert("RGBA").save(tmp_path / "rgba.png")
    picture().convert("P").save(tmp_path / "p.png")
    picture().save(tmp_path / "lossy.webp", "WEBP", quality=80)
    for name in ("n.png", "rgb.png", "rgba.png", "p.png", "lossy.webp"):
        assert read(tmp_path / name) == Extracted(), name


def test_the_probe_reads_only_the_first_pixel_of_each_row():
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (HEADER_BITS, 50, 4), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "PNG")  # Pillow picks filters per row (Sub, Up, Paeth, ...)
    data = buffer.getvalue()
    idat = b""
    pos = 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    column = png_first_column(zlib.decompress(idat), 50, 4, HEADER_BITS)
    assert np.array_equal(column[:, 0, :], image[:, 0, :])


def _png(width: int, height: int, colour: int, raw_rows: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(raw_rows)) + png_chunk(b"IEND", b"")
    )  # fmt: skip


def test_rows_too_wide_to_probe_are_a_limit_not_a_pass(tmp_path):
    path = tmp_path / "wide.png"
    path.write_bytes(_png(1 << 24, 200, 6, b"\x00" * 64))  # declared 16M pixels a row
    result = read(path)
    assert [p.incomplete for p in result.problems] == [True]
    assert "stealth metadata" in result.problems[0].message


def _with_header(signature: bytes, declared_bits: int, payload: bytes, size=(60, 300)):
    stream = signature + declared_bits.to_bytes(4, "big") + payload
    bits = np.unpackbits(np.frombuffer(stream, np.uint8))
    pixels = np.asarray(picture(size).convert("RGBA")).copy()
    alpha = pixels[:, :, 3].T.reshape(-1).copy()
    alpha[: bits.size] = 254 | bits
    pixels[:, :, 3] = alpha.reshape(size[0], size[1]).T
    return Image.fromarray(pixels)


def test_an_impossible_declared_length_is_refused_before_reading(tmp_path):
    _with_header(b"stealth_pnginfo", 1 << 31, b"").save(tmp_path / "l.png")
    result = read(tmp_path / "l.png")
    assert "does not fit the image" in result.problems[0].message
    assert result.evidence[0].field == "stealth_pnginfo"  # the signature is still shown


def test_a_gzip_bomb_stops_at_the_inflate_cap(tmp_path):
    bomb = gzip.compress(b"\x00" * (MAX_INFLATED_BYTES + 1024 * 1024), mtime=0)
    _with_header(b"stealth_pngcomp", len(bomb) * 8, bomb, size=(400, 400)).save(tmp_path / "b.png")
    result = read(tmp_path / "b.png")
    assert [p.incomplete for p in result.problems] == [True]
    assert "inflates past" in result.problems[0].message


def test_a_signature_alone_is_still_an_ai_signal(tmp_path):
    _with_header(b"stealth_pngcomp", 64, b"notgzip!").save(tmp_path / "g.png")
    analysis = analyse(media_for(tmp_path / "g.png"), AnalyseOptions(fingerprints=False))
    assert {s.rule_id for s in analysis.assessment.signals} == {"STEALTH-SIGNATURE"}
    assert analysis.assessment.ai == "generated"
    assert any("not valid gzip" in p.message for p in analysis.problems)
