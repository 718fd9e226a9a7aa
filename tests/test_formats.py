"""The low-level parsers on hand-built and hostile bytes: exact findings, bounded work."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.extract.formats import bmff, is_limit, jpeg, png, psd, riff, tiff
from tests.extract_helpers import (
    box,
    full_box,
    itxt_chunk,
    jpeg_segment,
    jpeg_with,
    png_chunk,
    png_file,
    riff_chunk,
    riff_file,
    text_chunk,
    tiff_block,
    uuid_box,
    ztxt_chunk,
)


def handle(data: bytes) -> tuple[io.BytesIO, int]:
    return io.BytesIO(data), len(data)


# --- PNG --------------------------------------------------------------------------------------


def test_png_chunks_before_and_after_idat() -> None:
    data = png_file(
        [text_chunk("Software", "Tool"), png_chunk(b"caBX", b"jumbf")],
        [ztxt_chunk("parameters", "a cat\nSteps: 20"), png_chunk(b"comf", b"prompt\x00{}")],
    )
    scan = png.scan(*handle(data))
    assert [c.ctype for c in scan.chunks] == [b"IHDR", b"tEXt", b"caBX", b"zTXt", b"comf", b"IEND"]
    assert (scan.image_chunks, scan.complete, scan.problems) == (1, True, [])
    texts, problems = png.read_texts(io.BytesIO(data), scan)
    assert problems == []
    assert [(t.keyword, t.text, t.chunk, t.position) for t in texts] == [
        ("Software", "Tool", "tEXt", "before IDAT"),
        ("parameters", "a cat\nSteps: 20", "zTXt", "after IDAT"),
        ("prompt", "{}", "comf", "after IDAT"),
    ]


def test_png_itxt_utf8_and_compressed() -> None:
    data = png_file([itxt_chunk("Title", "Ünïcode ✓"), itxt_chunk("Z", "zipped ✓", True)])
    texts, problems = png.read_texts(io.BytesIO(data), png.scan(*handle(data)))
    assert [(t.keyword, t.text) for t in texts] == [("Title", "Ünïcode ✓"), ("Z", "zipped ✓")]
    assert problems == []


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", b"x" * 13)[:-6], "truncated: chunk IHDR"),
        (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", b"x" * 13), "truncated: no IEND chunk"),
        (b"\x89PNG\r\n\x1a\n\xff\xff\xff\xffIHDR", "corrupt chunk header at byte 8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x01I\x00DR", "corrupt chunk header at byte 8"),
        (b"GIF89a", "not a PNG signature"),
    ],
)
def test_png_broken_structures(data: bytes, problem: str) -> None:
    scan = png.scan(*handle(data))
    assert scan.complete is False
    assert scan.problems[0].startswith(problem)


def test_png_decompression_bomb_stops_at_the_cap() -> None:
    bomb = zlib.compress(b"\x00" * (64 * 1024 * 1024), 9)  # 64 MiB of zeros in ~64 KiB
    assert len(bomb) < 100_000
    chunk = png_chunk(b"zTXt", b"bomb\x00\x00" + bomb)
    data = png_file([chunk] * 6)
    started = time.perf_counter()
    texts, problems = png.read_texts(io.BytesIO(data), png.scan(*handle(data)))
    assert time.perf_counter() - started < 10
    assert [len(t.text) for t in texts] == [png.MAX_INFLATE] * 4  # the last two are not read
    cut = (
        f"limit reached: zTXt 'bomb': decompresses to more than {png.MAX_INFLATE:,} bytes, "
        "cut there"
    )
    spent = (
        "limit reached: zTXt 'bomb': not decompressed, the file's "
        f"{png.MAX_INFLATE_TOTAL:,}-byte decompression budget is spent"
    )
    assert problems == [cut] * 4 + [spent] * 2


def test_png_bad_compressed_text_is_a_problem() -> None:
    data = png_file([png_chunk(b"zTXt", b"k\x00\x00not zlib"), png_chunk(b"tEXt", b"no-nul")])
    texts, problems = png.read_texts(io.BytesIO(data), png.scan(*handle(data)))
    assert texts == []
    assert problems[0].startswith("zTXt 'k': bad compressed data")
    assert problems[1] == "tEXt chunk without a valid keyword"


def test_png_raw_profile() -> None:
    payload = b"\nxmp\n      11\n" + b"hello world".hex().encode() + b"\n"
    assert png.raw_profile(payload) == b"hello world"
    assert png.raw_profile(b"\nxmp\n  zz\n00") is None
    assert png.raw_profile(b"\nexif\n 4\nzzzz0000") is None


# --- JPEG -------------------------------------------------------------------------------------


def extended_parts(guid: bytes, packet: bytes, size: int) -> list[bytes]:
    parts = []
    for offset in range(0, len(packet), size):
        head = jpeg.EXTENDED_XMP_ID + guid + struct.pack(">II", len(packet), offset)
        parts.append(jpeg_segment(0xE1, head + packet[offset : offset + size]))
    return parts


def test_jpeg_segments_up_to_sos() -> None:
    guid = b"A" * 32
    extended = b"<x>" + b"e" * 100 + b"</x>"
    data = jpeg_with(
        jpeg_segment(0xE1, b"Exif\x00\x00II*\x00"),
        jpeg_segment(0xE1, jpeg.XMP_ID + b"<main/>"),
        *reversed(extended_parts(guid, extended, 40)),  # parts may come in any order
        jpeg_segment(0xEB, b"JP\x00\x00jumbf"),
        jpeg_segment(0xEB, b"JP\x00\x00more"),
        b"\xff\xff\xff",  # fill bytes before a marker are allowed
        jpeg_segment(0xFE, b"a comment"),
    )
    scan = jpeg.scan(*handle(data))
    assert scan.exif_blocks == [b"II*\x00"]
    assert scan.xmp_packets == [b"<main/>"]
    assert scan.app11_segments == 2
    assert scan.comments == [b"a comment"]
    assert (scan.reached_image_data, scan.problems) == (True, [])
    assert scan.extended_xmp[guid.decode()].assemble() == (extended, True)


def test_jpeg_extended_xmp_with_a_missing_part_is_incomplete() -> None:
    guid = b"B" * 32
    parts = extended_parts(guid, b"z" * 100, 40)
    scan = jpeg.scan(*handle(jpeg_with(parts[0], parts[2])))
    packet, whole = scan.extended_xmp[guid.decode()].assemble()
    assert (len(packet), whole) == (100, False)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\xff\xd8" + jpeg_segment(0xE1, b"Exif")[:5], "truncated: segment 0xE1 at byte 2"),
        (b"\xff\xd8\xff\xe1\x00", "truncated: segment header at byte 2"),
        (b"\xff\xd8\xff\xe1\x00\x01", "truncated: segment 0xE1 at byte 2"),
        (b"\xff\xd8" + jpeg_segment(0xE0, b"JFIF"), "truncated: file ends before the image data"),
        (b"\xff\xd8\x00\x00", "corrupt: expected a marker at byte 2"),
        (b"\xff\xd8\xff\xd9", "end of image before any image data"),
        (b"\x89PNG", "not a JPEG (no SOI marker)"),
    ],
)
def test_jpeg_broken_structures(data: bytes, problem: str) -> None:
    scan = jpeg.scan(*handle(data))
    assert scan.reached_image_data is False
    assert scan.problems == [problem] or scan.problems[0].startswith(problem)


# --- RIFF -------------------------------------------------------------------------------------


def test_riff_chunks_with_padding() -> None:
    data = riff_file(
        b"WEBP",
        riff_chunk(b"VP8X", b"\x00" * 10),
        riff_chunk(b"EXIF", b"II*\x00odd"),  # odd length: one pad byte follows
        riff_chunk(b"XMP ", b"<x/>"),
        riff_chunk(b"C2PA", b"jumbf"),
    )
    scan = riff.scan(*handle(data))
    assert (scan.form, scan.complete, scan.problems) == (b"WEBP", True, [])
    assert [(c.fourcc, c.length) for c in scan.chunks] == [
        (b"VP8X", 10), (b"EXIF", 7), (b"XMP ", 4), (b"C2PA", 5),
    ]  # fmt: skip
    assert riff.chunk_data(io.BytesIO(data), scan.first(b"XMP ")) == (b"<x/>", "")


def test_riff_truncated_and_rf64() -> None:
    data = riff_file(b"WAVE", riff_chunk(b"fmt ", b"\x00" * 16), riff_chunk(b"data", b"\x01" * 100))
    scan = riff.scan(*handle(data[:-50]))
    assert scan.complete is False
    assert scan.problems == [
        f"truncated: RIFF header declares {len(data)} bytes, the file has {len(data) - 50}",
        "truncated: chunk 'data' at byte 36 runs past the end",
    ]
    # RF64: 32-bit sizes of 0xFFFFFFFF, the real ones in the ds64 chunk.
    tail = riff_chunk(b"fmt ", b"\x00" * 16) + b"data\xff\xff\xff\xff" + b"\x02" * 100
    ds64_size = 8 + 28
    riff_size = 4 + ds64_size + len(tail)
    ds64 = riff_chunk(b"ds64", struct.pack("<QQQI", riff_size, 100, 25, 0))
    rf64 = b"RF64\xff\xff\xff\xffWAVE" + ds64 + tail
    scan = riff.scan(*handle(rf64))
    assert (scan.complete, scan.problems) == (True, [])
    assert [(c.fourcc, c.length) for c in scan.chunks][-1] == (b"data", 100)


def test_riff_chunks_past_the_declared_end_are_read() -> None:
    """A chunk appended without updating the RIFF size is read; bytes there that are not
    whole chunks are a limit problem (the reading is incomplete), not silence (review A9)."""
    wav = riff_file(b"WAVE", riff_chunk(b"fmt ", b"\x00" * 16), riff_chunk(b"data", b"\x01" * 10))
    appended = riff_chunk(b"bext", b"ElevenLabs")
    scan = riff.scan(*handle(wav + appended))
    assert (scan.complete, scan.problems) == (True, [])
    assert [(c.fourcc, c.offset, c.length) for c in scan.chunks][-1] == (b"bext", len(wav) + 8, 10)
    scan = riff.scan(*handle(wav + b"\x00\x00\x00"))  # padding too short for a chunk
    assert (scan.complete, scan.problems) == (True, [])
    for tail, unread in ((b"ID3\x04\x00\x00\x0f\x7f" + b"x" * 30, 38), (b"\xff" * 5, 5)):
        scan = riff.scan(*handle(wav + appended + tail))
        assert scan.complete and [c.fourcc for c in scan.chunks][:3] == [b"fmt ", b"data", b"bext"]
        start = len(wav + appended)
        assert scan.problems == [
            f"limit reached: {unread} bytes from byte {start}, past the end the RIFF header "
            "declares, are not whole chunks: not read"
        ]


# --- ISO BMFF ---------------------------------------------------------------------------------


def keys_box(*names: str) -> bytes:
    entries = b"".join(struct.pack(">I", 8 + len(n)) + b"mdta" + n.encode() for n in names)
    return full_box(b"keys", struct.pack(">I", len(names)) + entries)


def data_box(text: str) -> bytes:
    return box(b"data", struct.pack(">II", 1, 0) + text.encode())


def test_bmff_finds_xmp_c2pa_and_metadata_items() -> None:
    hdlr = full_box(b"hdlr", b"\x00" * 4 + b"mdta" + b"\x00" * 13)
    ilst = box(
        b"ilst",
        box(struct.pack(">I", 1), data_box('{"a":\n1}'))
        + box(struct.pack(">I", 2), data_box("Tool 2"))
        + box(b"\xa9too", data_box("Lavf")),
    )
    meta = full_box(b"meta", hdlr + keys_box("prompt", "com.apple.quicktime.software") + ilst)
    qt_text = box(b"\xa9cmt", struct.pack(">HH", 5, 0) + b"hello")
    udta = box(b"udta", box(b"XMP_", b"<mov/>") + meta + qt_text)
    data = (
        box(b"ftyp", b"qt  \x00\x00\x00\x00qt  ")
        + uuid_box(bmff.C2PA_UUID, b"\x00\x00\x00\x00manifest\x00")
        + box(b"moov", box(b"mvhd", b"\x00" * 100) + udta)
        + uuid_box(bmff.XMP_UUID, b"<mp4/>")
        + box(b"mdat", b"\x00" * 1000)
    )
    scan = bmff.scan(*handle(data))
    assert [b.btype for b in scan.top] == [b"ftyp", b"uuid", b"moov", b"uuid", b"mdat"]
    assert scan.has_c2pa is True
    assert scan.xmp == [("moov/udta/XMP_", b"<mov/>"), ("uuid", b"<mp4/>")]
    assert scan.items == [
        ("prompt", '{"a":\n1}'),
        ("com.apple.quicktime.software", "Tool 2"),
        ("©too", "Lavf"),
        ("©cmt", "hello"),
    ]
    assert (scan.complete, scan.problems) == (True, [])


def test_bmff_64_bit_sizes_size_zero_and_absurd_sizes() -> None:
    large = struct.pack(">I", 1) + b"free" + struct.pack(">Q", 16 + 4) + b"abcd"
    to_end = struct.pack(">I", 0) + b"mdat" + b"\x00" * 50
    scan = bmff.scan(*handle(box(b"ftyp", b"isom\x00\x00\x00\x00") + large + to_end))
    assert [(b.btype, b.size, b.header) for b in scan.top] == [
        (b"ftyp", 16, 8), (b"free", 20, 16), (b"mdat", 58, 8),
    ]  # fmt: skip
    assert (scan.complete, scan.problems) == (True, [])
    # A box claiming 2**60 bytes: reported, never read.
    absurd = struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", 2**60) + b"\x00" * 10
    scan = bmff.scan(*handle(box(b"ftyp", b"isom\x00\x00\x00\x00") + absurd))
    assert scan.complete is False
    assert scan.problems == [
        f"truncated: box 'mdat' at byte 16 claims {2**60} bytes, only 26 left in file"
    ]
    scan = bmff.scan(*handle(struct.pack(">I", 4) + b"free"))
    assert scan.problems == ["corrupt: box 'free' at byte 0 has size 4"]


def test_bmff_box_count_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bmff, "MAX_BOXES", 10)
    scan = bmff.scan(*handle(box(b"free", b"") * 50))
    assert len(scan.top) == 10
    assert scan.problems == ["limit reached: more than 10 boxes in file: the rest not read"]


def build_heif(items: list[tuple[int, bytes, bytes, bytes]]) -> bytes:
    """ftyp + meta (hdlr, iinf, iloc v0) + mdat holding each (id, type, content type, data)."""
    infe = b"".join(
        full_box(b"infe", struct.pack(">HH", item_id, 0) + kind + b"\x00" + ctype + b"\x00", 2)
        for item_id, kind, ctype, _ in items
    )
    iinf = full_box(b"iinf", struct.pack(">H", len(items)) + infe)

    def meta(offsets: list[int]) -> bytes:
        iloc = bytes([0x44, 0x00]) + struct.pack(">H", len(items))  # 4-byte offsets/lengths
        for (item_id, _, _, data), offset in zip(items, offsets, strict=True):
            iloc += struct.pack(">HHHII", item_id, 0, 1, offset, len(data))
        hdlr = full_box(b"hdlr", b"\x00" * 4 + b"pict" + b"\x00" * 13)
        return full_box(b"meta", hdlr + iinf + full_box(b"iloc", iloc))

    ftyp = box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic")
    pos = len(ftyp) + len(meta([0] * len(items))) + 8  # first byte of mdat's payload
    offsets = []
    for *_, data in items:
        offsets.append(pos)
        pos += len(data)
    return ftyp + meta(offsets) + box(b"mdat", b"".join(d for *_, d in items))


def test_heif_exif_and_xmp_items() -> None:
    exif = struct.pack(">I", 6) + b"Exif\x00\x00" + b"MM\x00*tiff"
    data = build_heif([
        (1, b"hvc1", b"", b"\x00" * 20),
        (2, b"Exif", b"", exif),
        (3, b"mime", b"application/rdf+xml", b"<heif/>"),
    ])  # fmt: skip
    scan = bmff.scan(*handle(data))
    assert scan.exif_blocks == [b"MM\x00*tiff"]
    assert scan.xmp == [("meta item", b"<heif/>")]
    assert scan.problems == []


# --- TIFF -------------------------------------------------------------------------------------


def test_tiff_little_and_big_endian_with_exif_ifd() -> None:
    for big in (False, True):
        data = tiff_block(
            [(0x010F, 2, 6, b"Maker\x00"), (0x0131, 2, 4, b"SW1\x00")],
            big_endian=big,
            exif_entries=[(0x9286, 7, 12, b"ASCII\x00\x00\x00text")],
        )
        wanted = {"IFD0": frozenset({0x010F, 0x0131}), "EXIF": frozenset({0x9286})}
        scan = tiff.scan(io.BytesIO(data), 0, len(data), wanted)
        assert scan.ok and scan.problems == [] and scan.big_endian is big
        assert {k: v.data for k, v in scan.values.items()} == {
            ("IFD0", 0x010F): b"Maker\x00",
            ("IFD0", 0x0131): b"SW1\x00",
            ("EXIF", 0x9286): b"ASCII\x00\x00\x00text",
        }


def test_tiff_hostile_offsets_loops_and_counts() -> None:
    wanted = {"IFD0": frozenset({0x010F}), "EXIF": frozenset({0x9286})}
    # The EXIF IFD pointer points back at IFD0: a loop, read once.
    loop = tiff_block([(0x010F, 2, 2, b"A\x00"), (0x8769, 4, 1, struct.pack("<I", 8))])
    scan = tiff.scan(io.BytesIO(loop), 0, len(loop), wanted)
    assert scan.ok and scan.problems == ["EXIF: IFD offset 8 is outside the data"]
    # A value claiming 4 GiB at an offset past the end: reported, not read.
    huge = tiff_block([(0x010F, 2, 0xFFFFFFFF, struct.pack("<I", 10**6))])
    scan = tiff.scan(io.BytesIO(huge), 0, len(huge), wanted)
    assert scan.problems == ["IFD0: tag 271 points outside the data"]
    # A value running past the end: cut to what is there.
    long = tiff_block([(0x010F, 2, 1000, struct.pack("<I", 20))])
    scan = tiff.scan(io.BytesIO(long), 0, len(long), wanted)
    assert scan.get(0x010F).data == long[20:]
    assert scan.problems == [f"IFD0: tag 271 value of 1000 bytes, {len(long) - 20} read"]
    # 65535 entries declared in a 30-byte file.
    many = b"II*\x00\x08\x00\x00\x00\xff\xff" + b"\x00" * 20
    scan = tiff.scan(io.BytesIO(many), 0, len(many), wanted)
    assert scan.problems == [
        "limit reached: IFD0: 65,535 entries, only the first 4,096 read",
        "IFD0: truncated IFD",
    ]
    assert tiff.scan(io.BytesIO(b"XX*\x00"), 0, 4, wanted).problems == [
        "not a TIFF structure (bad byte-order mark)"
    ]


# --- PSD IPTC ---------------------------------------------------------------------------------


def test_psd_iptc_extended_datasets_and_what_is_left() -> None:
    """IIM datasets: an extended one is skipped by its size (review A10); a cut dataset, a cut
    header or bytes that are not datasets are a limit problem; trailing NULs are padding."""
    program = b"\x1c\x02\x41\x00\x0dMidjourney v6"
    extended = b"\x1c\x02\xca\x80\x04\x00\x00\x00\x03abc"
    assert psd.iptc_texts(extended + program + b"\x00\x00") == (
        [("iptc.originating_program", "Midjourney v6")],
        "",
    )
    for tail, why in (
        (b"\x1c\x02\x78\x00\x20cut", "dataset 2:120 of 32 bytes runs past its resource"),
        (b"\x1c\x02", "2 bytes from byte 18 are not IIM datasets"),
        (b"\x1c\x02\x78\x80\x09", "5 bytes from byte 18 are not IIM datasets"),
        (b"junk", "4 bytes from byte 18 are not IIM datasets"),
    ):
        texts, problem = psd.iptc_texts(program + tail)
        assert texts[0] == ("iptc.originating_program", "Midjourney v6")
        assert is_limit(problem) and why in problem, problem


# --- everything: never raise on garbage -------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_parsers_never_raise(data: bytes) -> None:
    for prefix in (b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8", b"RIFF\xff\x00\x00\x00WEBP"):
        blob = prefix + data
        png.read_texts(io.BytesIO(blob), png.scan(*handle(blob)))
        jpeg.scan(*handle(blob))
        riff.scan(*handle(blob))
        psd.iptc_texts(blob)
        bmff.scan(*handle(blob))
        tiff.scan(io.BytesIO(blob), 0, len(blob), {"IFD0": frozenset({271}), "EXIF": frozenset()})
