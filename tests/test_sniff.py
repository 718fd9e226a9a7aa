"""sniff(): formats from magic bytes, on files made here (Pillow, PyAV) and hand-built bytes."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import av
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from scanner.discover.identify import read_head
from scanner.discover.sniff import HEAD_BYTES, has_reader, sniff
from tests.extract_helpers import (
    CORPUS,
    box,
    png_chunk,
    tiff_block,
    write_audio,
    write_video,
)


def kind_of(data: bytes) -> tuple[str, str, str, bool] | None:
    found = sniff(data[:HEAD_BYTES])
    return None if found is None else (found.format, found.media_type, found.kind, found.readable)


def pillow_bytes(fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (120, 40, 200)).save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "options", "expected"),
    [
        ("JPEG", {}, ("JPEG", "image/jpeg", "image", True)),
        ("PNG", {}, ("PNG", "image/png", "image", True)),
        ("TIFF", {}, ("TIFF", "image/tiff", "image", True)),
        ("WEBP", {}, ("WEBP", "image/webp", "image", True)),
        ("GIF", {}, ("GIF", "image/gif", "image", True)),
        ("BMP", {}, ("BMP", "image/bmp", "image", False)),
        ("AVIF", {}, ("AVIF", "image/avif", "image", True)),
        ("JPEG2000", {}, ("JP2", "image/jp2", "image", True)),
    ],
)
def test_pillow_images(fmt: str, options: dict, expected: tuple) -> None:
    assert kind_of(pillow_bytes(fmt, **options)) == expected


def test_apng_is_told_apart_from_png() -> None:
    frames = [Image.new("RGB", (8, 8), (i * 40, 0, 0)) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    assert kind_of(buffer.getvalue()) == ("APNG", "image/png", "image", True)


def test_heic_from_pillow_heif(tmp_path: Path) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    path = tmp_path / "x.heic"
    Image.new("RGB", (16, 16)).save(path)
    assert kind_of(path.read_bytes()) == ("HEIC", "image/heic", "image", True)


def test_dng_needs_the_dng_version_tag_in_ifd0() -> None:
    plain = tiff_block([(256, 3, 1, b"\x10\x00")])
    dng = tiff_block([(256, 3, 1, b"\x10\x00"), (50706, 1, 4, b"\x01\x04\x00\x00")])
    big_endian_dng = tiff_block([(50706, 1, 4, b"\x01\x04\x00\x00")], big_endian=True)
    assert kind_of(plain)[0] == "TIFF"
    assert kind_of(dng) == ("DNG", "image/x-adobe-dng", "image", True)
    assert kind_of(big_endian_dng)[0] == "DNG"
    # IFD0 outside the head: still a TIFF, never an error.
    far = b"II*\x00" + struct.pack("<I", 10**9)
    assert kind_of(far)[0] == "TIFF"
    assert kind_of(b"II+\x00\x08\x00\x00\x00" + b"\x00" * 8)[0] == "TIFF"  # BigTIFF


@pytest.mark.parametrize(
    ("name", "fmt", "codec", "options", "expected"),
    [
        ("v.mp4", "mp4", "libx264", None, ("MP4", "video/mp4", "video", True)),
        ("v.mov", "mov", "prores_ks", None, ("MOV", "video/quicktime", "video", True)),
        ("v.mkv", "matroska", "libx264", None, ("MKV", "video/x-matroska", "video", True)),
        ("v.webm", "webm", "libvpx-vp9", None, ("WEBM", "video/webm", "video", True)),
        ("v.avi", "avi", "mpeg4", None, ("AVI", "video/x-msvideo", "video", True)),
        ("v.ts", "mpegts", "mpeg2video", None, ("MPEG-TS", "video/mp2t", "video", True)),
        ("v.mpg", "mpeg", "mpeg2video", None, ("MPEG-PS", "video/mpeg", "video", True)),
        ("v.wmv", "asf", "mpeg4", None, ("ASF", "video/x-ms-asf", "video", True)),
        ("v.mxf", "mxf", "mpeg2video", None, ("MXF", "application/mxf", "video", True)),
    ],
)
def test_pyav_video(tmp_path: Path, name, fmt, codec, options, expected) -> None:
    try:
        av.codec.Codec(codec, "w")
    except Exception:  # noqa: BLE001
        pytest.skip(f"PyAV has no {codec} encoder here")
    assert kind_of(write_video(tmp_path / name, fmt, codec, options)) == expected


@pytest.mark.parametrize(
    ("name", "fmt", "codec", "expected"),
    [
        ("a.wav", "wav", "pcm_s16le", ("WAV", "audio/wav", "audio", True)),
        ("a.flac", "flac", "flac", ("FLAC", "audio/flac", "audio", True)),
        ("a.mp3", "mp3", "libmp3lame", ("MP3", "audio/mpeg", "audio", True)),
        ("a.ogg", "ogg", "opus", ("OGG", "audio/ogg", "audio", True)),
        ("a.aiff", "aiff", "pcm_s16be", ("AIFF", "audio/aiff", "audio", True)),
        ("a.m4a", "ipod", "aac", ("M4A", "audio/mp4", "audio", True)),
        ("a.aac", "adts", "aac", ("AAC", "audio/aac", "audio", True)),
    ],
)
def test_pyav_audio(tmp_path: Path, name, fmt, codec, expected) -> None:
    assert kind_of(write_audio(tmp_path / name, fmt, codec)) == expected


def test_mp3_without_id3_needs_two_frame_headers(tmp_path: Path) -> None:
    data = write_audio(tmp_path / "a.mp3", "mp3", "libmp3lame")
    assert data[:3] == b"ID3"
    size = 10 + sum((data[6 + i] & 0x7F) << (7 * (3 - i)) for i in range(4))
    frames = data[size:]
    assert kind_of(frames)[0] == "MP3"
    # A lone sync word followed by anything else is not enough.
    assert kind_of(frames[:4] + b"\x00" * 2000) is None


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    return box(b"ftyp", major + b"\x00\x00\x00\x00" + b"".join(compatible)) + box(b"free", b"")


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (ftyp(b"heic", b"mif1", b"heic"), "HEIC"),
        (ftyp(b"mif1", b"mif1", b"heic"), "HEIC"),
        (ftyp(b"mif1", b"mif1", b"avif"), "AVIF"),
        (ftyp(b"mif1", b"mif1"), "HEIF"),
        (ftyp(b"avif", b"avif", b"mif1"), "AVIF"),
        (ftyp(b"qt  ", b"qt  "), "MOV"),
        (ftyp(b"M4A ", b"M4A ", b"isom"), "M4A"),
        (ftyp(b"M4V ", b"M4V ", b"isom"), "M4V"),
        (ftyp(b"3gp4", b"isom"), "3GP"),
        (ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "MP4"),
        (ftyp(b"XAVC", b"XAVC", b"mp42", b"iso2"), "MP4"),
        (ftyp(b"crx ", b"crx "), "CR3"),
        (box(b"moov", b"") + box(b"mdat", b""), "MOV"),
        (box(b"wide", b"") + box(b"mdat", b""), "MOV"),
    ],
)
def test_bmff_brands(data: bytes, fmt: str) -> None:
    assert kind_of(data)[0] == fmt


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x76\x2f\x31\x01\x02\x00\x00\x00channels", ("EXR", "image/x-exr", "image", True)),
        (b"SDPX" + b"\x00" * 60, ("DPX", "image/x-dpx", "image", True)),
        (b"XPDS" + b"\x00" * 60, ("DPX", "image/x-dpx", "image", True)),
        (b"\x80\x2a\x5f\xd7" + b"\x00" * 60, ("CINEON", "image/x-cineon", "image", True)),
        (b"8BPS\x00\x01" + b"\x00" * 60, ("PSD", "image/vnd.adobe.photoshop", "image", True)),
        (b"\xff\x4f\xff\x51" + b"\x00" * 60, ("J2K", "image/x-jp2-codestream", "image", True)),
        (b"\xff\x0a" + b"\x00" * 60, ("JXL", "image/jxl", "image", True)),
        (b"\x00\x00\x00\x0cJXL \r\n\x87\n" + b"\x00" * 40, ("JXL", "image/jxl", "image", True)),
        (
            b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm",
            ("WEBM", "video/webm", "video", True),
        ),
        (b"\x00\x00\x00\x10RED2" + b"\x00" * 40, ("R3D", "video/x-red-r3d", "video", False)),
        (b"ARRI\x12\x34\x56\x78" + b"\x00" * 40, ("ARRIRAW", "image/x-arri-raw", "image", False)),
        (b"FORM\x00\x00\x00\x10AIFC" + b"\x00" * 20, ("AIFF", "audio/aiff", "audio", True)),
        (b"RF64\xff\xff\xff\xffWAVEds64", ("WAV", "audio/wav", "audio", True)),
    ],
)
def test_hand_built_signatures(data: bytes, expected: tuple) -> None:
    assert kind_of(data) == expected


def test_mxf_key_found_after_a_run_in() -> None:
    key = bytes.fromhex("060e2b34020501010d01020101020400")
    assert kind_of(key + b"\x00" * 100)[0] == "MXF"
    assert kind_of(b"\x00" * 4000 + key + b"\x00" * 100)[0] == "MXF"


def test_transport_streams() -> None:
    ts = b"".join(b"\x47" + bytes(187) for _ in range(4))
    m2ts = b"".join(bytes(4) + b"\x47" + bytes(187) for _ in range(4))
    assert kind_of(ts)[0] == "MPEG-TS"
    assert kind_of(m2ts)[0] == "MPEG-TS"
    assert kind_of(b"\x47" + bytes(400)) is None


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello world\n",
        b"RIFF\x10\x00\x00\x00XXXX" + b"\x00" * 8,  # RIFF of no media form
        b"BM" + b"\x00" * 40,  # "BM" text, not a bitmap header
        b"\x89PNG",  # cut signature
        png_chunk(b"IHDR", b"") * 2,
    ],
)
def test_non_media_is_none(data: bytes) -> None:
    assert sniff(data) is None


def test_has_reader() -> None:
    assert [f for f in ("JPEG", "MOV", "MXF", "EXR", "DPX", "BMP", "PSD", "UNKNOWN")
            if has_reader(f)] == ["JPEG", "MOV", "MXF", "EXR", "DPX", "PSD"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_never_raises_on_any_bytes(data: bytes) -> None:
    found = sniff(data)
    assert found is None or found.kind in ("image", "video", "audio", "other")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([b"II*\x00", b"MM\x00*", b"\xff\xd8\xff", b"\x00\x00\x00\x18ftyp",
                        b"RIFF", b"\xff\xfb", b"ID3", b"\x89PNG\r\n\x1a\n"]),
       st.binary(max_size=300))  # fmt: skip
def test_never_raises_on_broken_headers(prefix: bytes, rest: bytes) -> None:
    sniff(prefix + rest)


def test_corpus_files_sniff_as_their_manifest_says() -> None:
    if not CORPUS.is_dir():
        pytest.skip("corpus not present")
    expected = {
        "contentauth+c2pa-rs/sdk/tests/fixtures/video1.mp4": "MP4",
        "contentauth+c2pa-rs/sdk/tests/fixtures/test.avi": "AVI",
        "contentauth+c2pa-rs/sdk/tests/fixtures/sample1.wav": "WAV",
        "contentauth+c2pa-rs/sdk/tests/fixtures/sample1.avif": "AVIF",
        "contentauth+c2pa-rs/sdk/tests/fixtures/sample1.webp": "WEBP",
        "contentauth+c2pa-rs/sdk/tests/fixtures/cai.jpg": "JPEG",
        "contentauth+c2pa-rs/sdk/tests/fixtures/libpng-test.png": "PNG",
        "c2pa-org+public-testfiles/image/jpeg/nikon-20221019-building.jpeg": "JPEG",
    }
    for rel, fmt in expected.items():
        path = CORPUS / rel
        if path.is_file():
            assert sniff(read_head(path)[0]).format == fmt, rel
