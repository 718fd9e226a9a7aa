"""exif extractor: the text tags, decoded as their writers wrote them, in every container."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from PIL import Image

from scanner.extract import exif
from scanner.extract.formats import tiff
from tests.extract_helpers import (
    ascii_entry,
    box,
    corpus_file,
    jxl_container,
    messages,
    pairs,
    png_file,
    run,
    tiff_block,
    undefined_entry,
    ztxt_chunk,
)

A1111_PARAMETERS = (
    "a cat in space\nNegative prompt: dog\nSteps: 20, Sampler: Euler a, CFG scale: 7, "
    "Seed: 1, Size: 512x512, Model hash: abc, Model: sd15, Version: v1.10.1, " + "x" * 1500
)


def pillow_exif() -> Image.Exif:
    data = Image.Exif()
    data[0x010F] = "Ideogram AI"
    data[0x0110] = 'prompt:{"3":{"class_type":"KSampler"}}'
    data[0x0131] = "Fooocus v2.5.5"
    data[0x010E] = "A description"
    data[0x013B] = "Some Artist"
    data[0x9C9C] = "Windows comment ✓".encode("utf-16-le") + b"\x00\x00"
    extra = data.get_ifd(0x8769)
    # A1111/piexif: "UNICODE\0" then UTF-16 big-endian, whatever the file's byte order.
    extra[0x9286] = b"UNICODE\x00" + A1111_PARAMETERS.encode("utf-16-be")
    extra[0x927C] = b"fooocus"
    extra[0x9003] = "2024:01:02 03:04:05"
    return data


PILLOW_EXPECTED = [
    ("ImageDescription", "A description"),
    ("Make", "Ideogram AI"),
    ("Model", 'prompt:{"3":{"class_type":"KSampler"}}'),
    ("Software", "Fooocus v2.5.5"),
    ("Artist", "Some Artist"),
    ("XPComment", "Windows comment ✓"),
    ("DateTimeOriginal", "2024:01:02 03:04:05"),
    ("UserComment", A1111_PARAMETERS),
    ("MakerNote", "fooocus"),
]


def by_field(result) -> list[tuple[str, str]]:
    return sorted(pairs(result), key=lambda p: [f for f, _ in PILLOW_EXPECTED].index(p[0]))


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_pillow_written_exif_in_jpeg_webp_png(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"x.{fmt.lower()}"
    Image.new("RGB", (8, 8)).save(path, fmt, exif=pillow_exif())
    result = run(exif, path)
    assert by_field(result) == PILLOW_EXPECTED
    assert result.problems == ()


def test_heic_and_avif(tmp_path: Path) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    for name in ("x.heic", "x.avif"):
        Image.new("RGB", (16, 16)).save(tmp_path / name, exif=pillow_exif())
        assert by_field(run(exif, tmp_path / name)) == PILLOW_EXPECTED, name


def test_long_user_comment_survives_whole(tmp_path: Path) -> None:
    """exifread drops UNDEFINED values of 1000+ bytes; A1111 parameters are often longer."""
    path = tmp_path / "long.jpg"
    Image.new("RGB", (8, 8)).save(path, exif=pillow_exif())
    value = dict(pairs(run(exif, path)))["UserComment"]
    assert len(value) == len(A1111_PARAMETERS) > 1500


@pytest.mark.parametrize("big", [False, True])
def test_tiff_and_dng_read_in_place(tmp_path: Path, big: bool) -> None:
    block = tiff_block(
        [ascii_entry(0x010F, "Camera Co"), ascii_entry(0x0110, "Model 1"),
         ascii_entry(0x0131, "Adobe Photoshop 25.0"), (50706, 1, 4, b"\x01\x04\x00\x00")],
        big_endian=big,
        exif_entries=[undefined_entry(0x9286, b"ASCII\x00\x00\x00hello there  ")],
    )  # fmt: skip
    path = tmp_path / "x.dng"
    path.write_bytes(block)
    result = run(exif, path)
    assert pairs(result) == [
        ("Make", "Camera Co"),
        ("Model", "Model 1"),
        ("Software", "Adobe Photoshop 25.0"),
        ("UserComment", "hello there"),
    ]


@pytest.mark.parametrize(
    ("raw", "big_endian", "text"),
    [
        (b"UNICODE\x00" + "Steps: 20 ✓".encode("utf-16-be"), False, "Steps: 20 ✓"),
        (b"UNICODE\x00" + "Steps: 20 ✓".encode("utf-16-le"), True, "Steps: 20 ✓"),
        (b"UNICODE\x00" + "\ufeffBOM text".encode("utf-16-le"), True, "BOM text"),
        (b"ASCII\x00\x00\x00plain\x00\x00", False, "plain"),
        (b"\x00" * 8 + "undefined ü".encode(), False, "undefined ü"),
        (b"JIS\x00\x00\x00\x00\x00" + "日本".encode("iso2022_jp"), False, "日本"),
        (b"no prefix at all", False, "no prefix at all"),
        (b"ASCII\x00\x00\x00" + b" " * 20, False, ""),
    ],
)
def test_user_comment_charsets(raw: bytes, big_endian: bool, text: str) -> None:
    assert exif.decode_user_comment(raw, big_endian) == text


def test_binary_maker_note_and_non_text_tags_are_dropped() -> None:
    binary = tiff.TiffValue(0x927C, 7, 6, b"Nikon\x00\x02\x10", "EXIF")
    text = tiff.TiffValue(0x927C, 7, 7, b"a1111\x00\x00", "EXIF")
    latin = tiff.TiffValue(0x0131, 2, 5, b"Caf\xe9\x00", "IFD0")
    assert exif.decode_value(binary, False) == ""
    assert exif.decode_value(text, False) == "a1111"
    assert exif.decode_value(latin, False) == "Café"


def test_imagemagick_raw_profile_in_png(tmp_path: Path) -> None:
    block = b"Exif\x00\x00" + tiff_block([ascii_entry(0x0131, "ImageMagick 7")])
    profile = f"\nexif\n{len(block):8d}\n{block.hex()}"
    path = tmp_path / "im.png"
    path.write_bytes(png_file([ztxt_chunk("Raw profile type exif", profile)]))
    assert pairs(run(exif, path)) == [("Software", "ImageMagick 7")]


def test_hostile_ifds_give_problems_not_exceptions(tmp_path: Path) -> None:
    loop = tiff_block([ascii_entry(0x0131, "SW"), (0x8769, 4, 1, struct.pack("<I", 8))])
    path = tmp_path / "loop.tif"
    path.write_bytes(loop)
    result = run(exif, path)
    assert pairs(result) == [("Software", "SW")]
    assert messages(result) == [("exif", "EXIF: IFD offset 8 is outside the data", False)]


def test_formats_without_exif_are_left_alone(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4)).save(tmp_path / "g.gif")
    assert run(exif, tmp_path / "g.gif") == exif.Extracted()


# --- corpus -----------------------------------------------------------------------------------


def test_corpus_nikon_z9() -> None:
    path = corpus_file("c2pa-org+public-testfiles/image/jpeg/nikon-20221019-building.jpeg")
    assert pairs(run(exif, path)) == [
        ("Make", "NIKON CORPORATION"),
        ("Model", "NIKON Z 9"),
        ("Software", "Ver.T2.10.gb"),
        ("Artist", "Andy Parsons"),
        ("Copyright", "Adobe,Inc"),
        ("DateTimeOriginal", "2022:10:25 11:27:32"),
        ("BodySerialNumber", "0030079"),
        ("LensMake", "NIKON"),
        ("LensModel", "NIKKOR Z 24-70mm f/4 S"),
    ]


def test_corpus_iphone_and_getty_webp() -> None:
    iphone = corpus_file("sinfin+folio/test/fixtures/folio/metadata_test_images/IMG_4305.jpeg")
    assert dict(pairs(run(exif, iphone)))["Model"] == "iPhone 14 Pro"
    getty = corpus_file(
        "sinfin+folio/test/fixtures/folio/metadata_test_images/gettyimages-2231736497-1024x1024.webp"
    )
    assert dict(pairs(run(exif, getty)))["Copyright"] == "2025 Getty Images"


def test_jpeg_xl_exif_box_is_read(tmp_path: Path) -> None:
    """JPEG XL keeps EXIF in an `Exif` box (a 4-byte offset to the TIFF header, then EXIF):
    it was never read (found in review)."""
    from fixtures.metadata import exif_block

    block = exif_block({"Software": "Midjourney v6", "Make": "Canon"})  # "Exif\0\0" + TIFF
    path = tmp_path / "key.jxl"
    path.write_bytes(jxl_container(box(b"Exif", struct.pack(">I", 6) + block)))
    found = run(exif, path)
    assert ("Software", "Midjourney v6") in pairs(found) and found.problems == ()
    path.write_bytes(jxl_container(box(b"Exif", struct.pack(">I", 10**6) + block)))
    (problem,) = run(exif, path).problems
    assert problem.incomplete and "offset is outside it" in problem.message
    path.write_bytes(jxl_container(box(b"brob", b"Exif" + bytes(40))))
    (problem,) = run(exif, path).problems
    assert problem.incomplete and "Brotli-compressed (brob) Exif box" in problem.message
