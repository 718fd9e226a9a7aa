"""Shared helpers for the sniff/walk/extractor tests: build small real files, run extractors."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import av
import numpy as np
import pytest

from scanner.discover.identify import read_head
from scanner.discover.media import MediaFile
from scanner.discover.safe_open import open_readonly
from scanner.discover.sniff import sniff
from scanner.extract.interface import Extracted, ExtractOptions

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
T = TypeVar("T")


def corpus_file(rel: str) -> Path:
    path = CORPUS / rel
    if not path.is_file():
        pytest.skip(f"corpus file not present: {rel}")
    return path


def media_for(path: Path) -> MediaFile:
    """A MediaFile for `path` as the walker would build it (format sniffed from the bytes)."""
    head, size = read_head(path)
    found = sniff(head)
    assert found is not None, f"{path} not sniffed as media"
    return MediaFile(path, path.name, found.media_type, found.format, found.kind, size)


def call_opened(extract: Callable[..., T], media: MediaFile, *args: Any) -> T:
    """Call a reader the way the analysis does: on the file opened once, read-only."""
    with open_readonly(media.path) as handle:
        return extract(media, handle, *args)


def opened(extract: Callable[..., T]) -> Callable[..., T]:
    """`extract(media, *args)` for a reader that takes `(media, handle, *args)`."""

    def call(media: MediaFile, *args: Any) -> T:
        return call_opened(extract, media, *args)

    return call


def run(extractor: ModuleType, path: Path) -> Extracted:
    return call_opened(extractor.extract, media_for(path), ExtractOptions())


def pairs(extracted: Extracted) -> list[tuple[str, str]]:
    return [(e.field, e.value) for e in extracted.evidence]


def messages(extracted: Extracted) -> list[tuple[str, str, bool]]:
    return [(p.source, p.message, p.fatal) for p in extracted.problems]


def xmp_packet(description_body: str, attributes: str = "", namespaces: str = "") -> bytes:
    """An XMP packet with one rdf:Description (attributes + body) and the usual wrapper."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        f'<rdf:RDF xmlns:rdf="{RDF}">'
        '<rdf:Description rdf:about=""'
        ' xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        f" {namespaces} {attributes}>"
        f"{description_body}"
        "</rdf:Description></rdf:RDF></x:xmpmeta>\n" + " " * 64 + '\n<?xpacket end="w"?>'
    ).encode()


# --- JPEG -------------------------------------------------------------------------------------


def jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def tiny_jpeg_body() -> bytes:
    """Everything of a real 8x8 JPEG after SOI (made by Pillow), to append segments before."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(buffer, "JPEG")
    return buffer.getvalue()[2:]


def jpeg_with(*segments: bytes) -> bytes:
    return b"\xff\xd8" + b"".join(segments) + tiny_jpeg_body()


# --- PNG --------------------------------------------------------------------------------------


def png_chunk(ctype: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(ctype + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", crc)


def png_file(before_idat: list[bytes] = (), after_idat: list[bytes] = ()) -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1 greyscale
    idat = zlib.compress(b"\x00\x80")
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + b"".join(before_idat)
        + png_chunk(b"IDAT", idat)
        + b"".join(after_idat)
        + png_chunk(b"IEND", b"")
    )


def text_chunk(keyword: str, text: str) -> bytes:
    return png_chunk(b"tEXt", keyword.encode("latin-1") + b"\x00" + text.encode("latin-1"))


def ztxt_chunk(keyword: str, text: str) -> bytes:
    body = keyword.encode("latin-1") + b"\x00\x00" + zlib.compress(text.encode("latin-1"))
    return png_chunk(b"zTXt", body)


def itxt_chunk(keyword: str, text: str, compressed: bool = False) -> bytes:
    payload = text.encode("utf-8")
    if compressed:
        payload = zlib.compress(payload)
    head = keyword.encode("latin-1") + b"\x00" + bytes([int(compressed), 0]) + b"en\x00\x00"
    return png_chunk(b"iTXt", head + payload)


# --- ISO BMFF ---------------------------------------------------------------------------------


def box(btype: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + btype + payload


def jxl_container(*boxes: bytes) -> bytes:
    """A JPEG XL container: signature box, ftyp, the boxes, a codestream box."""
    from scanner.extract.formats import jxl

    return (
        jxl.SIGNATURE + box(b"ftyp", b"jxl \x00\x00\x00\x00jxl ")
        + b"".join(boxes) + box(b"jxlc", b"\xff\x0a" + bytes(32))
    )  # fmt: skip


def full_box(btype: bytes, payload: bytes, version: int = 0) -> bytes:
    return box(btype, bytes([version, 0, 0, 0]) + payload)


def uuid_box(usertype: bytes, payload: bytes) -> bytes:
    return box(b"uuid", usertype + payload)


# --- RIFF -------------------------------------------------------------------------------------


def riff_chunk(fourcc: bytes, data: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")


def riff_file(form: bytes, *chunks: bytes) -> bytes:
    body = form + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


# --- TIFF / EXIF ------------------------------------------------------------------------------


def tiff_block(entries: list[tuple[int, int, int, bytes]], big_endian: bool = False,
               exif_entries: list[tuple[int, int, int, bytes]] = ()) -> bytes:  # fmt: skip
    """A TIFF structure: IFD0 with `entries` (tag, type, count, value bytes) and an optional
    EXIF sub-IFD. Values longer than 4 bytes are placed after the IFDs."""
    order = ">" if big_endian else "<"
    header = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(order + "I", 8)
    all_entries = list(entries)
    if exif_entries:
        all_entries.append((0x8769, 4, 1, b""))  # offset patched below
    all_entries.sort(key=lambda e: e[0])
    ifd0_size = 2 + 12 * len(all_entries) + 4
    exif_size = 2 + 12 * len(exif_entries) + 4 if exif_entries else 0
    data_at = 8 + ifd0_size + exif_size
    data = bytearray()

    def table(items: list[tuple[int, int, int, bytes]], exif_at: int) -> bytes:
        nonlocal data
        out = struct.pack(order + "H", len(items))
        for tag, type_id, count, value in items:
            if tag == 0x8769 and not value:
                value = struct.pack(order + "I", exif_at)
            if len(value) <= 4:
                field = value.ljust(4, b"\x00")
            else:
                field = struct.pack(order + "I", data_at + len(data))
                data += value + (b"\x00" if len(value) % 2 else b"")
            out += struct.pack(order + "HHI", tag, type_id, count) + field
        return out + b"\x00\x00\x00\x00"

    ifd0 = table(all_entries, 8 + ifd0_size)
    exif = table(sorted(exif_entries, key=lambda e: e[0]), 0) if exif_entries else b""
    return header + ifd0 + exif + bytes(data)


def ascii_entry(tag: int, text: str) -> tuple[int, int, int, bytes]:
    raw = text.encode("utf-8") + b"\x00"
    return (tag, 2, len(raw), raw)


def undefined_entry(tag: int, raw: bytes) -> tuple[int, int, int, bytes]:
    return (tag, 7, len(raw), raw)


# --- PyAV media ------------------------------------------------------------------------------


def write_video(
    path: Path,
    fmt: str,
    codec: str,
    options: dict | None = None,
    metadata: dict[str, str] | None = None,
) -> bytes:
    """A tiny real video made by PyAV/FFmpeg, with container metadata if given."""
    with av.open(str(path), "w", format=fmt, options=options or {}) as container:
        container.metadata.update(metadata or {})
        stream = container.add_stream(codec, rate=24)
        stream.width, stream.height = 32, 32
        stream.pix_fmt = "yuv422p10le" if codec == "prores_ks" else "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()


def write_audio(path: Path, fmt: str, codec: str, metadata: dict[str, str] | None = None) -> bytes:
    """A short silent real audio file made by PyAV/FFmpeg."""
    rate = 48000 if codec == "opus" else 44100
    samples_per_frame = 960 if codec == "opus" else 1152
    with av.open(str(path), "w", format=fmt) as container:
        container.metadata.update(metadata or {})
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "stereo"
        sample_format = stream.codec_context.codec.audio_formats[0].name
        planar = sample_format.endswith("p")
        dtype = {"s16": np.int16, "s32": np.int32, "flt": np.float32, "fltp": np.float32,
                 "s16p": np.int16, "s32p": np.int32}[sample_format]  # fmt: skip
        shape = (2, samples_per_frame) if planar else (1, 2 * samples_per_frame)
        samples = np.zeros(shape, dtype)
        frame = av.AudioFrame.from_ndarray(samples, format=sample_format, layout="stereo")
        frame.sample_rate = rate
        for _ in range(4):
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()
