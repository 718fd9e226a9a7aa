"""integrity extractor: fatal exactly when the region a format keeps metadata in is broken."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from scanner.discover.walk import walk
from scanner.extract import integrity
from tests.extract_helpers import (
    CORPUS,
    call_opened,
    messages,
    png_chunk,
    png_file,
    riff_chunk,
    riff_file,
    run,
    text_chunk,
    write_audio,
    write_video,
)


def pillow(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (5, 100, 200)).save(buffer, fmt)
    return buffer.getvalue()


def check(tmp_path: Path, name: str, data: bytes) -> list[tuple[str, str, bool]]:
    path = tmp_path / name
    path.write_bytes(data)
    return messages(run(integrity, path))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "AVIF"])
def test_whole_files_pass(tmp_path: Path, fmt: str) -> None:
    assert check(tmp_path, "x." + fmt.lower(), pillow(fmt)) == []


def test_jpeg_cut_inside_the_headers_or_the_image_data_is_fatal(tmp_path: Path) -> None:
    data = pillow("JPEG")
    sos = data.find(b"\xff\xda")
    last_table = data.rfind(b"\xff\xc4", 0, sos)  # the Huffman table just before the scan
    assert check(tmp_path, "head.jpg", data[: sos - 10]) == [
        ("file", f"truncated: segment 0xC4 at byte {last_table} runs past the end", True)
    ]
    assert check(tmp_path, "tail.jpg", data[: sos + 40]) == [
        ("file", "truncated: JPEG has no end-of-image marker", True)
    ]
    assert check(tmp_path, "whole.jpg", data) == []
    assert check(tmp_path, "trailer.jpg", data + b"SEFT trailer" * 100) == []


def test_png_text_after_idat_cut_off_is_fatal(tmp_path: Path) -> None:
    data = png_file([], [text_chunk("parameters", "Steps: 20")])
    assert check(tmp_path, "whole.png", data) == []
    iend = data.rfind(b"IEND") - 4
    assert check(tmp_path, "cut.png", data[:iend]) == [
        ("file", f"truncated: no IEND chunk (file ends at byte {iend})", True)
    ]
    not_first = b"\x89PNG\r\n\x1a\n" + png_chunk(b"tEXt", b"a\x00b") + data[8:]
    assert check(tmp_path, "order.png", not_first) == [
        ("file", "corrupt: PNG does not start with IHDR", True)
    ]


def test_riff_shorter_than_declared_is_fatal(tmp_path: Path) -> None:
    data = riff_file(b"WAVE", riff_chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)),
                     riff_chunk(b"data", b"\x00" * 400))  # fmt: skip
    assert check(tmp_path, "whole.wav", data) == []
    assert check(tmp_path, "cut.wav", data[:300]) == [
        ("file", f"truncated: RIFF header declares {len(data)} bytes, the file has 300", True)
    ]


def test_mp4_and_mov_cut_anywhere_are_fatal(tmp_path: Path) -> None:
    mp4 = write_video(tmp_path / "x.mp4", "mp4", "libx264")
    mov = write_video(tmp_path / "x.mov", "mov", "prores_ks")
    assert check(tmp_path, "whole.mp4", mp4) == []
    assert check(tmp_path, "whole.mov", mov) == []
    [(source, message, fatal)] = check(tmp_path, "cut.mp4", mp4[:-20])
    assert (source, fatal) == ("file", True)
    assert message.startswith("truncated: box 'moov' at byte ")


def test_audio_without_our_own_check_is_not_judged_here(tmp_path: Path) -> None:
    mp3 = write_audio(tmp_path / "a.mp3", "mp3", "libmp3lame")
    assert check(tmp_path, "cut.mp3", mp3[: len(mp3) // 2]) == []  # the container check's job


def test_tiff_with_ifd0_outside_the_file_is_fatal(tmp_path: Path) -> None:
    assert check(tmp_path, "bad.tif", b"II*\x00" + struct.pack("<I", 10**6) + b"\x00" * 32) == [
        ("file", "IFD0: IFD offset 1000000 is outside the data", True)
    ]


def test_media_named_file_with_unknown_bytes_is_fatal(tmp_path: Path) -> None:
    (tmp_path / "trailer.mov").write_text("<html>404 not found</html>")
    [media] = list(walk(tmp_path))
    assert media.format == "UNKNOWN"
    assert messages(call_opened(integrity.extract, media, integrity.ExtractOptions())) == [
        ("file", integrity.UNRECOGNISED, True)
    ]


def test_corpus_files_are_all_whole() -> None:
    if not CORPUS.is_dir():
        pytest.skip("corpus not present")
    found = {}
    for media in walk(CORPUS):
        if hasattr(media, "rel"):
            found[media.rel] = messages(
                call_opened(integrity.extract, media, integrity.ExtractOptions())
            )
    assert len(found) == 34
    assert {rel: m for rel, m in found.items() if m} == {}
