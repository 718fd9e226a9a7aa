"""XMP extractor: find the packet(s) of a file and turn every simple property into evidence.

Where the packet is, per format:
- JPEG: APP1 `http://ns.adobe.com/xap/1.0/`, plus the ExtendedXMP the main packet names
  (`xmpNote:HasExtendedXMP`), assembled from its APP1 parts.
- PNG/APNG: iTXt (or tEXt/zTXt) `XML:com.adobe.xmp`; ImageMagick's `Raw profile type xmp`.
- TIFF/DNG: tag 700. WebP: chunk `XMP `. WAV/AVI: chunk `_PMX`.
- MP4/M4V/M4A/3GP: top-level `uuid` BE7ACFCB-...; MOV: `moov/udta/XMP_`; HEIC/HEIF/AVIF: the
  metadata item of type application/rdf+xml.
- PSD/PSB: image resource 1060. JPEG 2000: a `uuid` box BE7ACFCB-..., or an `xml ` box.
- JPEG XL (container form): a top-level `xml ` box (a Brotli-compressed `brob` one is not read).
Evidence fields are `prefix:LocalName` (see `xmp_rdf`). A packet that is not well-formed is
read as text without parsing (`loose_markup`: its attributes and element texts, named as the
parser would name them) and the Problem is incomplete: the asset is not-inspected, and an AI
source type or a generator name in it still reaches the rules. A packet declaring a DTD or
entities (XML bomb, external entity) is crafted: it is refused, never expanded, and the Problem
is fatal, because whatever it says could not be read: the asset must not come out clean
(issue 7).
"""

from __future__ import annotations

import html
import re
from typing import BinaryIO

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.discover.sniff import BMFF_FORMATS, PNG_FORMATS, RIFF_FORMATS, TIFF_FORMATS
from scanner.extract.formats import (
    bmff,
    is_limit,
    jp2,
    jpeg,
    jxl,
    limit_reached,
    png,
    psd,
    riff,
    tiff,
)
from scanner.extract.interface import (
    MAX_PACKET_BYTES,
    Extracted,
    ExtractOptions,
    as_problem,
    read_failed,
)
from scanner.extract.xmp_rdf import MAX_DEPTH, MAX_PROPERTIES, XmpError, XmpRefused, parse_packet
from scanner.model import Evidence, Problem

SOURCE = "xmp"
PNG_XMP_KEYWORD = "XML:com.adobe.xmp"
EXTENDED_XMP_FIELD = "xmpNote:HasExtendedXMP"
FORMATS = frozenset({"JPEG"}) | PNG_FORMATS | TIFF_FORMATS | RIFF_FORMATS | BMFF_FORMATS
FORMATS |= {"PSD", "JP2", "JXL"}
UNPARSED = "its text was read without parsing, so what it says may be missed"
# (open elements, attribute name or "" for an element's text, value) of markup read unparsed
LooseItem = tuple[tuple[str, ...], str, str]
# Text, a comment, a CDATA section or a tag. Every alternative matches wherever it starts (a
# comment, section or tag left open runs to the end), so no byte is scanned twice.
_TOKEN = re.compile(r"([^<]+)|<!--(.*?)(?:-->|\Z)|<!\[CDATA\[(.*?)(?:\]\]>|\Z)|<([^>]*)>?", re.S)
# A name=value attribute; the name must follow white space, so a long run of name characters is
# scanned once, not once per position (linear on hostile bytes).
_ATTRIBUTE = re.compile(r"""(?<!\S)([^\s=<>"'/]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")

Packets = list[tuple[str, bytes]]  # (where in the file, packet bytes)


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    if media.format not in FORMATS:
        return Extracted()
    problems: list[str | Problem] = []  # strings are non-fatal
    try:
        packets, extended = _packets(media.format, handle, file_size(handle), problems)
    except OSError as exc:
        return read_failed(SOURCE, exc)
    evidence: list[Evidence] = []
    seen: set[tuple[str, str]] = set()
    for where, packet in packets:
        properties = _parse(where, packet, problems)
        guid = next((v for f, v in properties if f == EXTENDED_XMP_FIELD), "")
        if guid and where.startswith("APP1"):
            properties += _extended(guid, extended, problems)
        for field, value in properties:
            if (field, value) not in seen:
                seen.add((field, value))
                evidence.append(Evidence(SOURCE, field, value))
    if extended and not any(f == EXTENDED_XMP_FIELD for f, _ in seen):
        problems.append("ExtendedXMP present but not referenced by the main packet: ignored")
    return Extracted(
        evidence=tuple(evidence),
        problems=tuple(as_problem(SOURCE, p) if isinstance(p, str) else p for p in problems),
    )


def _parse(where: str, packet: bytes, problems: list[str | Problem]) -> list[tuple[str, str]]:
    if not packet.strip(b"\x00 \t\r\n"):
        problems.append(f"{where}: empty XMP packet")  # nothing unread: a note
        return []
    try:
        properties, limit = parse_packet(packet)
    except XmpRefused as exc:
        problems.append(Problem(SOURCE, f"{where}: {exc}", fatal=True))
        return []
    except XmpError as exc:
        problems.append(Problem(SOURCE, f"{where}: {exc}: {UNPARSED}", incomplete=True))
        return loose_properties(packet)
    if limit:
        problems.append(limit_reached(f"{where}: {limit}"))
    return properties


def _extended(
    guid: str, extended: dict[str, jpeg.ExtendedXmp], problems: list[str | Problem]
) -> list[tuple[str, str]]:
    part = extended.get(guid)
    if part is None:
        problems.append(f"ExtendedXMP {guid} named by the main packet is missing")
        return []
    packet, whole = part.assemble()
    if part.over_cap:
        problems.append(
            limit_reached(
                f"ExtendedXMP {guid} of {part.full_length:,} bytes: only the first "
                f"{jpeg.MAX_EXTENDED_XMP:,} read"
            )
        )
    elif not whole:
        problems.append(f"ExtendedXMP {guid} is incomplete")
    return _parse("ExtendedXMP", packet, problems)


def _packets(
    fmt: str, handle: BinaryIO, size: int, problems: list[str | Problem]
) -> tuple[Packets, dict[str, jpeg.ExtendedXmp]]:
    if fmt == "JPEG":
        jpeg_scan = jpeg.scan(handle, size)
        problems.extend(p for p in jpeg_scan.problems if is_limit(p))
        app1: Packets = [
            ("APP1" if i == 0 else f"APP1 #{i + 1}", packet)
            for i, packet in enumerate(jpeg_scan.xmp_packets)
        ]
        return app1, jpeg_scan.extended_xmp
    if fmt in PNG_FORMATS:
        return _png_packets(handle, size, problems), {}
    if fmt == "PSD":
        psd_scan = psd.scan(handle, size, layers=False)
        problems.extend(p for p in psd_scan.problems if is_limit(p))
        return list(psd_scan.xmp_packets), {}
    if fmt == "JP2":
        jp2_scan = jp2.scan(handle, size)
        problems.extend(p for p in jp2_scan.problems if is_limit(p))
        return jp2_scan.xmp, {}
    if fmt in TIFF_FORMATS:
        found = tiff.scan(handle, 0, size, {"IFD0": frozenset({tiff.XMP_TAG})}, MAX_PACKET_BYTES)
        problems.extend(p for p in found.problems if is_limit(p))
        value = found.get(tiff.XMP_TAG)
        return ([("tag 700", value.data)] if value is not None else []), {}
    if fmt in RIFF_FORMATS:
        riff_scan = riff.scan(handle, size)
        problems.extend(p for p in riff_scan.problems if is_limit(p))
        found_packets: Packets = []
        for chunk in riff_scan.chunks:
            if chunk.fourcc in riff.XMP_CHUNKS:
                data, cut = riff.chunk_data(handle, chunk)
                if cut:
                    problems.append(cut)
                found_packets.append((chunk.fourcc.decode("latin-1").strip(), data))
        return found_packets, {}
    if fmt == "JXL":
        return _jxl_packets(handle, size, problems), {}
    bmff_scan = bmff.scan(handle, size)
    problems.extend(p for p in bmff_scan.problems if is_limit(p))
    return bmff_scan.xmp, {}


def _png_packets(handle: BinaryIO, size: int, problems: list[str | Problem]) -> Packets:
    scan = png.scan(handle, size)
    problems.extend(p for p in scan.problems if is_limit(p))
    inflater = png.Inflater()
    packets: Packets = []
    for chunk in scan.of_type(b"iTXt", b"tEXt", b"zTXt"):
        # Peek at the keyword before reading (and maybe inflating) the whole chunk.
        keyword = png.keyword_of(handle, chunk)
        if keyword not in (PNG_XMP_KEYWORD.encode(), b"Raw profile type xmp"):
            continue
        data, cut = png.chunk_data(handle, chunk)
        found, problem = png.text_chunk_payload(chunk.ctype, data, inflater)
        problems.extend(p for p in (cut, problem) if p)
        if found is None:
            continue
        payload = found[1]
        if keyword == b"Raw profile type xmp":
            payload = png.raw_profile(payload) or b""
        packets.append((chunk.ctype.decode("latin-1"), payload))
    return packets


def _jxl_packets(handle: BinaryIO, size: int, problems: list[str | Problem]) -> Packets:
    """The `xml ` boxes of a JPEG XL container (a bare codestream holds no XMP)."""
    bodies, found = jxl.boxes(handle, size, b"xml ", MAX_PACKET_BYTES)
    problems.extend(found)
    return [("xml box", body) for body in bodies]


def loose_properties(packet: bytes) -> list[tuple[str, str]]:
    """A packet that does not parse, as (field, value) named as `parse_packet` names them
    (`prefix:Local` of the file's own prefix, `parent/member` in structs): rdf elements and the
    xmpmeta wrapper are left out of the path, namespace declarations are not properties."""
    out: list[tuple[str, str]] = []
    for path, attribute, value in loose_markup(packet, MAX_PROPERTIES):
        names = [n for n in path if not n.startswith("rdf:") and not _is_wrapper(n)]
        if attribute and attribute != "rdf:resource":  # a resource is its element's value
            wrapper = bool(path) and _is_wrapper(path[-1])
            if wrapper or attribute.startswith(("xmlns", "rdf:", "xml:")):
                continue
            names.append(attribute)
        out.append(("/".join(names) or "(text)", value))
    return out


def _is_wrapper(name: str) -> bool:
    return name.rpartition(":")[2] in ("xmpmeta", "xapmeta")


def loose_markup(data: bytes, max_items: int) -> list[LooseItem]:
    """Markup that does not parse, read without parsing: every element text and attribute,
    with the elements open around it (as the file spells them, at most MAX_DEPTH) and the
    value with character references resolved (never an entity of the file's own). One pass,
    linear in the data; never raises."""
    out: list[LooseItem] = []
    path: list[str] = []
    for token in _TOKEN.finditer(data.decode("utf-8", errors="replace")):
        if len(out) >= max_items:
            break
        text, _comment, cdata, tag = token.groups()
        if text is not None:
            _add(out, path, "", text)
        elif cdata is not None:
            _add(out, path, "", cdata, raw=True)
        elif tag is not None:
            _tag(tag, path, out, max_items)
    return out[:max_items]


def _tag(body: str, path: list[str], out: list[LooseItem], max_items: int) -> None:
    if body[:1] in ("!", "?", ""):  # declaration or processing instruction
        return
    if body[0] == "/":
        name = body[1:].strip()
        if name in path:
            while path.pop() != name:
                pass
        return
    words = body.split(None, 1)
    name = words[0].rstrip("/") if words else ""
    if not name:
        return
    if "=" in body:
        for match in _ATTRIBUTE.finditer(body, body.index(words[0]) + len(words[0])):
            if len(out) >= max_items:
                break
            value = match.group(2) if match.group(2) is not None else match.group(3)
            _add(out, [*path, name], match.group(1), value)
    if body[-1] != "/" and len(path) < MAX_DEPTH:
        path.append(name)


def _add(
    out: list[LooseItem], path: list[str], attribute: str, value: str, raw: bool = False
) -> None:
    value = (value if raw else html.unescape(value)).strip(" \t\r\n\x00")
    if value:
        out.append((tuple(path), attribute, value))
