"""EXIF extractor: the text tags a provenance rule can use, with bare tag names as fields.

Where EXIF is: JPEG APP1 `Exif`, TIFF/DNG IFD0 and its EXIF IFD (read in place, by seeking),
WebP chunk `EXIF`, PNG chunk `eXIf` (or ImageMagick's `Raw profile type exif` text), and the
`Exif` item of HEIC/HEIF/AVIF.

Our own bounded IFD reader (`formats.tiff`) is used rather than exifread: exifread 3.5.1
skips UserComment and MakerNote unless it also decodes every maker note (`details=True`),
drops any UNDEFINED value of 1000 bytes or more (A1111 and Fooocus write their generation
parameters into UserComment, usually longer than that), and reads ASCII values of any
declared length.

Decoding: UserComment by its 8-byte charset prefix (ASCII, UNICODE, JIS, undefined; A1111
writes `UNICODE\\0` + UTF-16 big-endian whatever the file's byte order, so the byte order is
inferred from the text); XP* tags as UTF-16LE; MakerNote only when it is plain text (Fooocus
writes its scheme name there); ASCII tags as UTF-8 when valid, else Latin-1.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.discover.sniff import PNG_FORMATS, TIFF_FORMATS
from scanner.extract.formats import bmff, is_limit, jpeg, jxl, png, riff, tiff
from scanner.extract.interface import (
    MAX_PACKET_BYTES,
    Extracted,
    ExtractOptions,
    as_problem,
    read_failed,
)
from scanner.model import Evidence

SOURCE = "exif"
HEIF_FORMATS = frozenset({"HEIC", "HEIF", "AVIF"})  # the ISO BMFF stills: EXIF in an item
FORMATS = frozenset({"JPEG", "WEBP", "JXL"}) | PNG_FORMATS | TIFF_FORMATS | HEIF_FORMATS
TEXT_VALUE_CAP = MAX_PACKET_BYTES  # bytes read of one tag's value; past it: a limit reached

IFD0_TAGS = {
    0x010D: "DocumentName",
    0x010E: "ImageDescription",
    0x010F: "Make",
    0x0110: "Model",
    0x0131: "Software",
    0x013B: "Artist",
    0x013C: "HostComputer",
    0x8298: "Copyright",
    0x9C9B: "XPTitle",
    0x9C9C: "XPComment",
    0x9C9D: "XPAuthor",
    0x9C9E: "XPKeywords",
    0x9C9F: "XPSubject",
    # Not an IFD0 tag by the standard, but where ComfyUI savers and some front-ends put their
    # generation record: read like the EXIF IFD's UserComment (same field name).
    0x9286: "UserComment",
}
EXIF_TAGS = {
    0x9003: "DateTimeOriginal",
    0x9286: "UserComment",
    0x927C: "MakerNote",
    0xA420: "ImageUniqueID",
    0xA430: "CameraOwnerName",
    0xA431: "BodySerialNumber",
    0xA433: "LensMake",
    0xA434: "LensModel",
}
WANTED = {"IFD0": frozenset(IFD0_TAGS), "EXIF": frozenset(EXIF_TAGS)}
XP_TAGS = frozenset(range(0x9C9B, 0x9CA0))
USER_COMMENT, MAKER_NOTE = 0x9286, 0x927C


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    if media.format not in FORMATS:
        return Extracted()
    problems: list[str] = []
    try:
        scans = _read_tags(media.format, handle, file_size(handle), problems)
    except OSError as exc:
        return read_failed(SOURCE, exc)
    evidence: list[Evidence] = []
    seen: set[tuple[str, str]] = set()
    for found in scans:
        problems.extend(found.problems)
        for (ifd, tag), value in found.values.items():
            name = (IFD0_TAGS if ifd == "IFD0" else EXIF_TAGS)[tag]
            text = decode_value(value, found.big_endian)
            if text and (name, text) not in seen:
                seen.add((name, text))
                evidence.append(Evidence(SOURCE, name, text))
    return Extracted(
        evidence=tuple(evidence), problems=tuple(as_problem(SOURCE, p) for p in problems)
    )


def _read_tags(fmt: str, handle: BinaryIO, size: int, problems: list[str]) -> list[tiff.TiffScan]:
    """The wanted tags of every EXIF structure the file holds (a second EXIF block is read
    like the first: a marker there must not go unseen)."""
    if fmt in TIFF_FORMATS:
        return [tiff.scan(handle, 0, size, WANTED, TEXT_VALUE_CAP)]
    scans = []
    for block in _exif_blocks(fmt, handle, size, problems):
        if block.startswith(jpeg.EXIF_ID):  # some writers keep the APP1 prefix elsewhere too
            block = block[len(jpeg.EXIF_ID) :]
        scans.append(tiff.scan(io.BytesIO(block), 0, len(block), WANTED, TEXT_VALUE_CAP))
    return scans


def _exif_blocks(fmt: str, handle: BinaryIO, size: int, problems: list[str]) -> list[bytes]:
    if fmt == "JPEG":
        jpeg_scan = jpeg.scan(handle, size)
        problems.extend(p for p in jpeg_scan.problems if is_limit(p))
        return jpeg_scan.exif_blocks
    if fmt == "WEBP":
        riff_scan = riff.scan(handle, size)
        problems.extend(p for p in riff_scan.problems if is_limit(p))
        blocks = []
        for chunk in riff_scan.chunks:
            if chunk.fourcc == riff.EXIF_CHUNK:
                data, cut = riff.chunk_data(handle, chunk)
                problems.extend([cut] if cut else [])
                blocks.append(data)
        return blocks
    if fmt in PNG_FORMATS:
        return _png_exif(handle, size, problems)
    if fmt == "JXL":
        bodies, walked = jxl.boxes(handle, size, b"Exif", MAX_PACKET_BYTES)
        exif_blocks, offsets = jxl.exif_blocks(bodies)
        problems.extend(walked + offsets)
        return exif_blocks
    bmff_scan = bmff.scan(handle, size)  # HEIC, HEIF, AVIF
    problems.extend(p for p in bmff_scan.problems if is_limit(p))
    return bmff_scan.exif_blocks


def _png_exif(handle: BinaryIO, size: int, problems: list[str]) -> list[bytes]:
    """eXIf chunks, and ImageMagick's hex-encoded `Raw profile type exif|APP1` text chunks."""
    scan = png.scan(handle, size)
    problems.extend(p for p in scan.problems if is_limit(p))
    blocks = []
    for chunk in scan.of_type(b"eXIf"):
        data, cut = png.chunk_data(handle, chunk)
        problems.extend([cut] if cut else [])
        blocks.append(data)
    inflater = png.Inflater()
    for chunk in scan.of_type(b"zTXt", b"tEXt", b"iTXt"):
        keyword = png.keyword_of(handle, chunk)
        if keyword not in (b"Raw profile type exif", b"Raw profile type APP1"):
            continue
        data, cut = png.chunk_data(handle, chunk)
        found, problem = png.text_chunk_payload(chunk.ctype, data, inflater)
        problems.extend(p for p in (cut, problem) if p)
        profile = png.raw_profile(found[1]) if found is not None else None
        if profile is not None:
            blocks.append(profile)
    return blocks


def decode_value(value: tiff.TiffValue, big_endian: bool) -> str:
    """A tag's value as text ("" when it holds no text worth showing)."""
    raw = value.data
    if value.tag == USER_COMMENT:
        return decode_user_comment(raw, big_endian)
    if value.tag in XP_TAGS:
        return raw.decode("utf-16-le", errors="replace").rstrip("\x00").strip()
    if value.tag == MAKER_NOTE:
        return _plain_text(raw)
    if value.type_id == tiff.ASCII or value.type_id in (1, 7):
        return _text(raw.split(b"\x00", 1)[0]).strip()
    return ""


def decode_user_comment(raw: bytes, big_endian: bool) -> str:
    prefix, body = raw[:8], raw[8:]
    if prefix == b"UNICODE\x00":
        return _utf16(body, big_endian).rstrip("\x00").strip()
    if prefix == b"JIS\x00\x00\x00\x00\x00":
        return body.decode("iso2022_jp", errors="replace").rstrip("\x00").strip()
    if prefix in (b"ASCII\x00\x00\x00", b"\x00" * 8):
        return _text(body).rstrip("\x00 ").strip()
    return _text(raw).rstrip("\x00").strip()  # no (or an unknown) prefix: take it as text


def _utf16(body: bytes, big_endian: bool) -> str:
    if body[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return body.decode("utf-16", errors="replace")
    # Mostly-Latin text has its zero bytes on the high side: that tells the byte order.
    even_zeros = body[0::2].count(0)
    odd_zeros = body[1::2].count(0)
    if even_zeros != odd_zeros:
        big_endian = even_zeros > odd_zeros
    return body.decode("utf-16-be" if big_endian else "utf-16-le", errors="replace")


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _plain_text(raw: bytes) -> str:
    """The bytes as text only when they are plainly text (binary maker notes are dropped)."""
    raw = raw.rstrip(b"\x00")
    if not raw or len(raw) > 4096 or b"\x00" in raw:
        return ""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text.strip() if printable >= 0.95 * len(text) else ""
