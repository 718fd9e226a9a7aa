"""MXF header metadata (SMPTE ST 377-1): every Identification set, package names, DM text.

Also where the first essence element is (an ACES file's first OpenEXR frame).

MediaInfo and FFmpeg report only the last Identification set of a file (checked on a file with
two), but every tool that writes or re-wraps an MXF appends one: the first generation is the
one that made the essence. So a bounded KLV parser reads them all. KLV = 16-byte UL key, BER
length, value. Local sets hold `tag(2) length(2) value` items; tags map to item ULs through the
Primer Pack (dynamic tags >= 0x8000 have no fixed meaning), so items are matched on UL, with
the UL's version byte (index 7) ignored. The header partition's metadata is read, and the
footer partition's copy too when it has one (a closed file may be updated there).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from scanner.extract.formats import limit_reached
from scanner.extract.formats.binio import read_at

RUN_IN_MAX = 64 * 1024
MAX_HEADER_METADATA = 16 * 1024 * 1024
MAX_KLV = 200_000  # KLV packets walked in one header metadata region
MAX_ESSENCE_WALK = 256  # KLV packets looked at after the header for the first essence element

PARTITION_PREFIX = bytes.fromhex("060e2b34020501010d010201")  # + 01 kind status
FILL = bytes.fromhex("060e2b34010101020301021001000000")
PRIMER = bytes.fromhex("060e2b34020501010d01020101050100")
IDENTIFICATION = bytes.fromhex("060e2b34025301010d01010101013000")
PACKAGES = (bytes.fromhex("060e2b34025301010d01010101013600"),  # material package
            bytes.fromhex("060e2b34025301010d01010101013700"))  # source package  # fmt: skip
DESCRIPTIVE_PREFIX = bytes.fromhex("060e2b34025301010d010401")
ESSENCE_PREFIX = bytes.fromhex("060e2b34010201010d010301")
ITEMS = {  # item UL -> (field, encoding)
    "060e2b34010101020520070102010000": ("company_name", "utf16"),
    "060e2b34010101020520070103010000": ("product_name", "utf16"),
    "060e2b34010101020520070104000000": ("product_version", "version"),
    "060e2b34010101020520070105010000": ("version_string", "utf16"),
    "060e2b34010101020520070107000000": ("product_uid", "uuid"),
    "060e2b34010101020702011002030000": ("modification_date", "timestamp"),
    "060e2b3401010102052007010a000000": ("toolkit_version", "version"),
    "060e2b34010101020520070106010000": ("platform", "utf16"),
    "060e2b34010101020520070101000000": ("generation_uid", "uuid"),
}
INSTANCE_UID = "060e2b34010101010101150200000000"
GENERATION_UID = "060e2b34010101020520070108000000"
OBJECT_CLASS = "060e2b34010101020601010401010000"
PACKAGE_NAME = "060e2b34010101010103030201000000"
# Static local tags of those identifiers, for a set whose Primer does not name them.
IDENTIFIER_TAGS = frozenset({0x3C0A, 0x0102, 0x0101})
LABEL_PREFIXES = (bytes.fromhex("060e2b34"), bytes.fromhex("060a2b34"))  # a UL or UMID value
ID_SIZES = frozenset({1, 2, 4, 8, 16})  # integers, timestamps, UUIDs, references


@dataclass
class MxfScan:
    identifications: list[list[tuple[str, str]]] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    descriptive: list[tuple[str, str]] = field(default_factory=list)
    essence_offset: int = -1  # where the first essence element's value starts, -1 when none
    essence_length: int = 0
    essence_key: bytes = b""
    problems: list[str] = field(default_factory=list)


def _ul(key: bytes) -> str:
    """A UL as hex with its version byte zeroed: the form ITEMS are keyed on."""
    return (key[:7] + b"\x00" + key[8:]).hex() if len(key) == 16 else key.hex()


ITEMS = {_ul(bytes.fromhex(k)): v for k, v in ITEMS.items()}
INSTANCE_UID = _ul(bytes.fromhex(INSTANCE_UID))
IDENTIFIERS = frozenset(
    _ul(bytes.fromhex(ul)) for ul in (INSTANCE_UID, GENERATION_UID, OBJECT_CLASS)
)
PACKAGE_NAME = _ul(bytes.fromhex(PACKAGE_NAME))


def _same(key: bytes, reference: bytes) -> bool:
    return key[:7] == reference[:7] and key[8:] == reference[8:]


def _ber(data: bytes, pos: int) -> tuple[int, int]:
    """(length, position after it); raises ValueError for a malformed length."""
    if pos >= len(data):
        raise ValueError("BER length past the end")
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0 or count > 8 or pos + 1 + count > len(data):
        raise ValueError(f"malformed BER length at byte {pos}")
    return int.from_bytes(data[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


def klv(data: bytes, start: int = 0) -> Iterator[tuple[bytes, int, int]]:
    """(key, value start, value length) of each packet in `data` (a whole region)."""
    pos = start
    while pos + 17 <= len(data):
        key = data[pos : pos + 16]
        length, value = _ber(data, pos + 16)
        if value + length > len(data):
            raise ValueError(f"a KLV packet at byte {pos} runs past its region")
        yield key, value, length
        pos = value + length


def local_set(value: bytes) -> Iterator[tuple[int, bytes]]:
    pos = 0
    while pos + 4 <= len(value):
        tag, length = struct.unpack_from(">HH", value, pos)
        yield tag, value[pos + 4 : pos + 4 + length]
        pos += 4 + length


def scan(handle: BinaryIO, size: int) -> MxfScan:
    result = MxfScan()
    head = read_at(handle, 0, RUN_IN_MAX + 64)
    start = head.find(PARTITION_PREFIX)
    if start < 0 or start > RUN_IN_MAX:
        result.problems.append("corrupt: no MXF header partition pack")
        return result
    seen: set[str] = set()
    footer = _partition(handle, start, size, result, seen)
    if footer > start and footer < size:
        if read_at(handle, footer, 12) == PARTITION_PREFIX:
            _partition(handle, footer, size, result, seen, find_essence=False)
        else:
            result.problems.append(f"the footer partition said to be at byte {footer:,} is not one")
    return result


def _partition(
    handle: BinaryIO, start: int, size: int, result: MxfScan, seen: set[str],
    find_essence: bool = True,
) -> int:  # fmt: skip
    """Read the partition pack at `start` and its header metadata; the footer's offset."""
    head = read_at(handle, start, 16 + 9 + 256)
    try:
        length, value = _ber(head, 16)
    except ValueError as exc:
        result.problems.append(f"corrupt: partition pack: {exc}")
        return -1
    pack = read_at(handle, start + value, min(length, 4096))
    if len(pack) < 40:
        result.problems.append("truncated: the partition pack is cut short")
        return -1
    footer, header_bytes = struct.unpack_from(">QQ", pack, 24)
    metadata_start = _skip_fill(handle, start + value + length)
    if header_bytes > MAX_HEADER_METADATA:
        result.problems.append(
            limit_reached(
                f"MXF header metadata of {header_bytes:,} bytes: over {MAX_HEADER_METADATA:,}, "
                "not read"
            )
        )
        return int(footer)
    if metadata_start + header_bytes > size:
        result.problems.append("truncated: the header metadata runs past the end of the file")
        return -1
    region = read_at(handle, metadata_start, header_bytes)
    try:
        _metadata(region, result, seen)
    except ValueError as exc:
        result.problems.append(f"corrupt: header metadata: {exc}")
    if find_essence:
        _first_essence(handle, metadata_start + header_bytes, size, result)
    return int(footer)


def _skip_fill(handle: BinaryIO, pos: int) -> int:
    """Past the KLV fill items after a partition pack: HeaderByteCount counts from the Primer."""
    for _ in range(16):
        head = read_at(handle, pos, 25)
        if len(head) < 17 or not _same(head[:16], FILL):
            return pos
        try:
            length, value = _ber(head, 16)
        except ValueError:
            return pos
        pos += value + length
    return pos


def _metadata(region: bytes, result: MxfScan, seen: set[str]) -> None:
    primer: dict[int, str] = {}
    for count, (key, value, length) in enumerate(klv(region)):
        if count >= MAX_KLV:
            result.problems.append(
                limit_reached(f"more than {MAX_KLV:,} KLV packets in the header")
            )
            return
        data = region[value : value + length]
        if _same(key, PRIMER):
            primer = _primer(data)
        elif _same(key, IDENTIFICATION):
            items = dict((primer.get(tag, ""), raw) for tag, raw in local_set(data))
            instance = items.get(INSTANCE_UID, b"").hex() or f"#{len(result.identifications)}"
            if instance not in seen:
                seen.add(instance)
                result.identifications.append(_identification(items))
        elif any(_same(key, k) for k in PACKAGES):
            for tag, raw in local_set(data):
                if primer.get(tag) == PACKAGE_NAME:
                    name = _utf16(raw)
                    if name and name not in result.packages:
                        result.packages.append(name)
        elif key[:12] == DESCRIPTIVE_PREFIX[:7] + key[7:8] + DESCRIPTIVE_PREFIX[8:12]:
            for tag, raw in local_set(data):
                ul = primer.get(tag, "")
                text = _dm_text(ul, tag, raw)
                if text:
                    result.descriptive.append((ul or f"tag-{tag:04x}", text))


def _primer(data: bytes) -> dict[int, str]:
    if len(data) < 8:
        raise ValueError("primer pack too short")
    count, item = struct.unpack_from(">II", data)
    if item != 18:
        raise ValueError(f"primer pack items of {item} bytes, not 18")
    out = {}
    for index in range(min(count, (len(data) - 8) // 18)):
        tag = struct.unpack_from(">H", data, 8 + 18 * index)[0]
        out[tag] = _ul(data[10 + 18 * index : 26 + 18 * index])
    return out


def _identification(items: dict[str, bytes]) -> list[tuple[str, str]]:
    out = []
    for ul, (name, encoding) in ITEMS.items():
        raw = items.get(ul)
        if raw is None:
            continue
        text = _decode(raw, encoding)
        if text:
            out.append((name, text))
    return out


def _decode(raw: bytes, encoding: str) -> str:
    if encoding == "utf16":
        return _utf16(raw)
    if encoding == "version" and len(raw) == 10:
        return ".".join(str(n) for n in struct.unpack(">5H", raw))
    if encoding == "timestamp" and len(raw) == 8:
        year, month, day, hour, minute, second, quarter = struct.unpack(">HBBBBBB", raw)
        return (
            f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
            f".{quarter * 4:03d}"
        )
    return raw.hex()


def _utf16(raw: bytes) -> str:
    text = raw[: len(raw) // 2 * 2].decode("utf-16-be", errors="replace")
    return text.split("\x00", 1)[0].strip()


def _dm_text(ul: str, tag: int, raw: bytes) -> str:
    """A descriptive-metadata item as text when it is plausibly a UTF-16 string, else "".

    Items are typed only by their UL in the SMPTE dictionaries, so identifiers (known ULs and
    static tags, UL- and UMID-valued items, batches of references) are left out; a value of an
    integer's or a UID's size is text only when it is Latin text (its high bytes zero), which a
    binary value of those sizes practically never is."""
    if ul in IDENTIFIERS or (not ul and tag in IDENTIFIER_TAGS) or len(raw) % 2:
        return ""
    if raw.startswith(LABEL_PREFIXES) or _is_batch(raw):
        return ""
    try:
        text = raw.decode("utf-16-be").rstrip("\x00")
    except UnicodeDecodeError:  # a lone surrogate: not text
        return ""
    if "\x00" in text or not all(c.isprintable() or c in "\t\r\n" for c in text):
        return ""
    if len(raw) in ID_SIZES and any(ord(c) > 0xFF for c in text):
        return ""
    text = text.strip()
    return text if len(text) >= 2 and any(c.isalpha() for c in text) else ""


def _is_batch(raw: bytes) -> bool:
    """An MXF batch or array: uint32 count, uint32 item size, then the items."""
    if len(raw) < 8:
        return False
    count, size = struct.unpack_from(">II", raw)
    return bool(0 < size <= 64 and 8 + count * size == len(raw))


def later_essence(
    handle: BinaryIO, found: MxfScan, size: int, limit: int
) -> Iterator[tuple[int, int] | str]:
    """(value start, length) of every essence element after the first (any item or element
    number, the version byte ignored, as `_first_essence` finds the first), KLV to KLV to the
    end of the file (partitions, index tables and fill between them are stepped over, never
    read); a `limit_reached` message when more than `limit` KLVs come, a `truncated` one when
    a packet runs past the end."""
    pos = found.essence_offset + found.essence_length
    for _ in range(limit):
        if pos >= size:
            return
        head = read_at(handle, pos, 25)
        try:
            length, value = _ber(head, 16)
        except ValueError:
            yield f"truncated: a malformed KLV at byte {pos:,} after the essence"
            return
        if pos + value + length > size:
            yield f"truncated: the KLV at byte {pos:,} runs past the end"
            return
        if _is_essence(head):
            yield pos + value, length
        pos += value + length
    if pos < size:
        yield limit_reached(f"more than {limit:,} KLV packets after the first essence element")


def _is_essence(key: bytes) -> bool:
    """A generic-container essence element's key (its version byte, 8th, is not compared)."""
    return key[:12] == ESSENCE_PREFIX[:7] + key[7:8] + ESSENCE_PREFIX[8:12]


def _first_essence(handle: BinaryIO, pos: int, size: int, result: MxfScan) -> None:
    """Seek from KLV to KLV (never reading values) to the first essence element."""
    for _ in range(MAX_ESSENCE_WALK):
        head = read_at(handle, pos, 25)
        if len(head) < 17:
            return
        try:
            length, value = _ber(head, 16)
        except ValueError:
            return
        if _is_essence(head):
            result.essence_offset, result.essence_length = pos + value, length
            result.essence_key = head[:16]
            return
        pos += value + length
        if pos >= size:
            return
