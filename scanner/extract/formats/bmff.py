"""ISO BMFF boxes (MP4, MOV, M4A, HEIF, AVIF): XMP, C2PA presence, QuickTime metadata items.

Where things sit:
- XMP: top-level `uuid` BE7ACFCB-97A9-42E8-9C71-999491E3AFAC (MP4), `moov/udta/XMP_` (MOV),
  or a HEIF item of MIME type application/rdf+xml; EXIF: a HEIF item of type `Exif`.
- C2PA: top-level `uuid` D8FEC3D6-1B0E-483C-9297-5828877EC481.
- Metadata items: `moov/udta/meta` or `moov/meta` (`keys` + `ilst`), and QuickTime `©xxx`
  text atoms in `moov/udta`.

Only box headers are read while walking (64-bit sizes and size 0 = "to the end" handled); a
box body is read only when it holds one of the above, and then capped. Box counts are capped
so a file of a million tiny boxes cannot stall the scan.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from scanner.extract.formats import limit_reached
from scanner.extract.formats.binio import read_at

XMP_UUID = uuid.UUID("be7acfcb-97a9-42e8-9c71-999491e3afac").bytes
C2PA_UUID = uuid.UUID("d8fec3d6-1b0e-483c-9297-5828877ec481").bytes
MAX_BOXES = 100_000  # per container level
MAX_BODY = 8 * 1024 * 1024  # bytes read from one box body or item
MAX_TABLE = 1024 * 1024  # bytes read from iinf / iloc / keys
MAX_ITEMS = 4096
MAX_EXTENTS = 64  # per item
XMP_MIME = b"application/rdf+xml"


@dataclass(frozen=True)
class Box:
    btype: bytes
    offset: int
    header: int  # header length, including a uuid's 16 bytes
    size: int
    usertype: bytes = b""

    @property
    def body(self) -> int:
        return self.offset + self.header

    @property
    def end(self) -> int:
        return self.offset + self.size

    @property
    def body_size(self) -> int:
        return self.size - self.header


@dataclass
class BmffScan:
    top: list[Box] = field(default_factory=list)
    xmp: list[tuple[str, bytes]] = field(default_factory=list)  # (where, packet)
    exif_blocks: list[bytes] = field(default_factory=list)  # TIFF structures of HEIF Exif items
    has_c2pa: bool = False
    items: list[tuple[str, str]] = field(default_factory=list)  # QuickTime metadata (key, text)
    complete: bool = False  # the top-level boxes exactly fill the file
    problems: list[str] = field(default_factory=list)


def iter_boxes(
    handle: BinaryIO, start: int, end: int, problems: list[str], where: str = ""
) -> Iterator[Box]:
    """The boxes in [start, end); stops (with a problem) at the first one that does not fit."""
    pos = start
    for _ in range(MAX_BOXES):
        if pos + 8 > end:
            if pos != end:
                where = where or "file"
                problems.append(f"truncated: {end - pos} stray bytes at the end of {where}")
            return
        head = read_at(handle, pos, 16)
        size = int.from_bytes(head[:4], "big")
        btype = head[4:8]
        header = 8
        if size == 1:
            if len(head) < 16:
                problems.append(f"truncated: box header at byte {pos}")
                return
            size = int.from_bytes(head[8:16], "big")
            header = 16
        elif size == 0:
            size = end - pos  # runs to the end of its container
        usertype = b""
        if btype == b"uuid":
            usertype = read_at(handle, pos + header, 16)
            header += 16
        name = btype.decode("latin-1")
        if size < header:
            problems.append(f"corrupt: box {name!r} at byte {pos} has size {size}")
            return
        if pos + size > end:
            problems.append(
                f"truncated: box {name!r} at byte {pos} claims {size} bytes, "
                f"only {end - pos} left in {where or 'file'}"
            )
            return
        yield Box(btype, pos, header, size, usertype)
        pos += size
    problems.append(
        limit_reached(f"more than {MAX_BOXES:,} boxes in {where or 'file'}: the rest not read")
    )


# Boxes whose body is a list of boxes (ISO 14496-12 and QuickTime); `meta` is a FullBox in ISO
# files (4 bytes of version and flags first) and a plain box in QuickTime ones.
CONTAINERS = frozenset(
    {
        b"moov", b"trak", b"edts", b"mdia", b"minf", b"dinf", b"stbl", b"mvex", b"moof",
        b"traf", b"mfra", b"udta", b"ilst", b"sinf", b"schi", b"iprp", b"ipco", b"meco",
        b"strk", b"tref", b"meta",
    }
)  # fmt: skip


def count_boxes(handle: BinaryIO, size: int, limit: int) -> int:
    """How many boxes the file holds at every level of its container boxes, counted from
    headers only and no further than `limit + 1` (enough to say "more than limit")."""
    count = 0
    stack = [(0, size)]
    while stack and count <= limit:
        start, end = stack.pop()
        for box in iter_boxes(handle, start, end, []):
            count += 1
            if count > limit:
                break
            if box.btype in CONTAINERS:
                body = box.body
                if box.btype == b"meta" and read_at(handle, body + 4, 4) != b"hdlr":
                    body += 4
                stack.append((body, box.end))
    return count


def body_of(handle: BinaryIO, box: Box, cap: int = MAX_BODY) -> bytes:
    return read_at(handle, box.body, min(box.body_size, cap))


def scan(handle: BinaryIO, size: int) -> BmffScan:
    result = BmffScan()
    problems = result.problems
    covered = 0
    for box in iter_boxes(handle, 0, size, problems):
        result.top.append(box)
        covered = box.end
        if box.btype == b"uuid" and box.usertype == XMP_UUID:
            result.xmp.append(("uuid", _capped_body(handle, box, problems)))
        elif box.btype == b"uuid" and box.usertype == C2PA_UUID:
            result.has_c2pa = True
        elif box.btype == b"moov":
            _moov(handle, box, result)
        elif box.btype == b"meta":
            _heif_meta(handle, box, result)
    result.complete = covered == size and not any(p.startswith("truncated") for p in problems)
    return result


def _room_for_item(result: BmffScan) -> bool:
    if len(result.items) < MAX_ITEMS:
        return True
    message = limit_reached(f"more than {MAX_ITEMS:,} metadata items: the rest not read")
    if message not in result.problems:
        result.problems.append(message)
    return False


def _table(handle: BinaryIO, box: Box, problems: list[str]) -> bytes:
    """The body of a table box (keys, iloc, a QuickTime text), capped at MAX_TABLE."""
    if box.body_size > MAX_TABLE:
        name = box.btype.decode("latin-1")
        problems.append(
            limit_reached(f"box {name!r} of {box.body_size:,} bytes: {MAX_TABLE:,} read")
        )
    return body_of(handle, box, MAX_TABLE)


def _capped_body(handle: BinaryIO, box: Box, problems: list[str]) -> bytes:
    if box.body_size > MAX_BODY:
        name = box.btype.decode("latin-1")
        problems.append(
            limit_reached(
                f"box {name!r} of {box.body_size:,} bytes: only the first {MAX_BODY:,} read"
            )
        )
    return body_of(handle, box)


def _moov(handle: BinaryIO, moov: Box, result: BmffScan) -> None:
    for box in iter_boxes(handle, moov.body, moov.end, result.problems, "moov"):
        if box.btype == b"udta":
            _udta(handle, box, result)
        elif box.btype == b"meta":
            _qt_meta(handle, box, result)
        elif box.btype == b"uuid" and box.usertype == XMP_UUID:
            result.xmp.append(("moov/uuid", _capped_body(handle, box, result.problems)))


def _udta(handle: BinaryIO, udta: Box, result: BmffScan) -> None:
    for box in iter_boxes(handle, udta.body, udta.end, result.problems, "udta"):
        if box.btype == b"XMP_":
            result.xmp.append(("moov/udta/XMP_", _capped_body(handle, box, result.problems)))
        elif box.btype == b"meta":
            _qt_meta(handle, box, result)
        elif box.btype[:1] == b"\xa9":
            if not _room_for_item(result):
                return
            # QuickTime user data text: 16-bit length, 16-bit language, text.
            body = _table(handle, box, result.problems)
            length = int.from_bytes(body[:2], "big")
            if 0 < length <= len(body) - 4:
                text = body[4 : 4 + length].decode("utf-8", errors="replace")
                result.items.append((box.btype.decode("latin-1"), text))


def _meta_children_start(handle: BinaryIO, meta: Box) -> int:
    # ISO `meta` is a FullBox (4 bytes version/flags); QuickTime's `meta` is a plain box.
    peek = read_at(handle, meta.body, 8)
    return meta.body if peek[4:8] == b"hdlr" else meta.body + 4


def _qt_meta(handle: BinaryIO, meta: Box, result: BmffScan) -> None:
    keys: list[str] = []
    start = _meta_children_start(handle, meta)
    for box in iter_boxes(handle, start, meta.end, result.problems, "meta"):
        if box.btype == b"keys":
            keys = _parse_keys(_table(handle, box, result.problems), result.problems)
        elif box.btype == b"ilst":
            _ilst(handle, box, keys, result)


def _parse_keys(body: bytes, problems: list[str]) -> list[str]:
    keys: list[str] = []
    count = int.from_bytes(body[4:8], "big")
    if count > MAX_ITEMS:
        problems.append(limit_reached(f"{count:,} metadata keys: only {MAX_ITEMS:,} read"))
    pos = 8
    for _ in range(min(count, MAX_ITEMS)):
        size = int.from_bytes(body[pos : pos + 4], "big")
        if size < 8 or pos + size > len(body):
            break
        keys.append(body[pos + 8 : pos + size].decode("utf-8", errors="replace"))
        pos += size
    return keys


def _ilst(handle: BinaryIO, ilst: Box, keys: list[str], result: BmffScan) -> None:
    for item in iter_boxes(handle, ilst.body, ilst.end, result.problems, "ilst"):
        if not _room_for_item(result):
            return
        index = int.from_bytes(item.btype, "big")
        key = keys[index - 1] if 0 < index <= len(keys) else item.btype.decode("latin-1")
        for child in iter_boxes(handle, item.body, item.end, result.problems, "ilst item"):
            if child.btype == b"name":  # iTunes '----' free-form item: the real key
                key = body_of(handle, child, 1024)[4:].decode("utf-8", errors="replace")
            elif child.btype == b"data":
                text = _data_text(_capped_body(handle, child, result.problems))
                if text is not None:
                    result.items.append((key, text))


def _data_text(body: bytes) -> str | None:
    # 1 byte version, 3 bytes well-known type, 4 bytes locale, then the value.
    kind = int.from_bytes(body[1:4], "big")
    value = body[8:]
    if kind == 1:
        return value.decode("utf-8", errors="replace")
    if kind == 2:
        return value.decode("utf-16-be", errors="replace")
    return None


def _heif_meta(handle: BinaryIO, meta: Box, result: BmffScan) -> None:
    problems = result.problems
    infos: dict[int, tuple[bytes, bytes]] = {}  # item id -> (item type, content type)
    locations: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    idat_offset = -1
    for box in iter_boxes(handle, meta.body + 4, meta.end, problems, "meta"):
        if box.btype == b"iinf":
            infos = _parse_iinf(handle, box, problems)
        elif box.btype == b"iloc":
            locations = _parse_iloc(_table(handle, box, problems), problems)
        elif box.btype == b"idat":
            idat_offset = box.body
    for item_id, (item_type, content_type) in infos.items():
        is_exif = item_type == b"Exif"
        is_xmp = item_type == b"mime" and content_type.strip() == XMP_MIME
        if not (is_exif or is_xmp) or item_id not in locations:
            continue
        method, extents = locations[item_id]
        base = idat_offset if method == 1 else 0
        if method not in (0, 1) or base < 0:
            continue
        if sum(size for _off, size in extents) > MAX_BODY:
            problems.append(limit_reached(f"metadata item {item_id} over {MAX_BODY:,} bytes: cut"))
        parts = [read_at(handle, base + off, min(size, MAX_BODY)) for off, size in extents]
        data = b"".join(parts)[:MAX_BODY]
        if is_xmp:
            result.xmp.append(("meta item", data))
        else:
            block = _exif_item_tiff(data)
            if block is not None:
                result.exif_blocks.append(block)


def _exif_item_tiff(data: bytes) -> bytes | None:
    # Exif item: 4-byte offset to the TIFF header, then (usually "Exif\0\0" and) TIFF.
    skip = int.from_bytes(data[:4], "big")
    tiff = data[4 + skip :] if 4 + skip <= len(data) else b""
    if tiff[:2] in (b"II", b"MM"):
        return tiff
    at = data.find(b"Exif\x00\x00")
    return data[at + 6 :] if at >= 0 else None


def _parse_iinf(handle: BinaryIO, iinf: Box, problems: list[str]) -> dict[int, tuple[bytes, bytes]]:
    version = read_at(handle, iinf.body, 1)[:1]
    start = iinf.body + 4 + (2 if version == b"\x00" else 4)
    infos: dict[int, tuple[bytes, bytes]] = {}
    for box in iter_boxes(handle, start, iinf.end, problems, "iinf"):
        if box.btype != b"infe":
            continue
        if len(infos) >= MAX_ITEMS:
            problems.append(limit_reached(f"more than {MAX_ITEMS:,} items: the rest not read"))
            break
        body = body_of(handle, box, 4096)
        entry_version = body[0] if body else 0
        if entry_version >= 2:
            id_size = 2 if entry_version == 2 else 4
            item_id = int.from_bytes(body[4 : 4 + id_size], "big")
            rest = body[4 + id_size + 2 :]
            item_type, rest = rest[:4], rest[4:]
            _name, _, rest = rest.partition(b"\x00")
            content_type = rest.partition(b"\x00")[0] if item_type == b"mime" else b""
        else:
            item_id = int.from_bytes(body[4:6], "big")
            _name, _, rest = body[8:].partition(b"\x00")
            content_type = rest.partition(b"\x00")[0]
            item_type = b"mime"
        infos[item_id] = (item_type, content_type)
    return infos


def _parse_iloc(body: bytes, problems: list[str]) -> dict[int, tuple[int, list[tuple[int, int]]]]:
    """item id -> (construction method, [(offset, length)]) from an `iloc` body."""
    locations: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    if len(body) < 8:
        return locations
    version = body[0]
    offset_size, length_size = body[4] >> 4, body[4] & 15
    base_size, index_size = body[5] >> 4, (body[5] & 15) if version in (1, 2) else 0
    pos = 6
    count_size = 4 if version == 2 else 2
    count = int.from_bytes(body[pos : pos + count_size], "big")
    pos += count_size
    if count > MAX_ITEMS:
        problems.append(limit_reached(f"{count:,} item locations: only {MAX_ITEMS:,} read"))

    def take(n: int) -> int:
        nonlocal pos
        value = int.from_bytes(body[pos : pos + n], "big") if n else 0
        pos += n
        return value

    for _ in range(min(count, MAX_ITEMS)):
        if pos >= len(body):
            break
        item_id = take(4 if version == 2 else 2)
        method = take(2) & 15 if version in (1, 2) else 0
        take(2)  # data reference index
        base = take(base_size)
        extents = []
        extent_count = take(2)
        if extent_count > MAX_EXTENTS:
            problems.append(
                limit_reached(f"item {item_id}: {extent_count} extents, {MAX_EXTENTS} read")
            )
        for _ in range(min(extent_count, MAX_EXTENTS)):
            take(index_size)
            extents.append((base + take(offset_size), take(length_size)))
        locations[item_id] = (method, extents)
    return locations
