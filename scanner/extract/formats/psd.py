"""Photoshop PSD/PSB: the image resources (XMP, IPTC, version info) and the layer records.

Sections after the 26-byte header (`8BPS`, version 1 = PSD, 2 = PSB): colour mode data, image
resources, layer and mask information (lengths uint32, uint64 in a PSB), image data. The image
resources are walked here (`8BIM`, id, Pascal name, size, data, each padded to even). The layer
records are parsed by psd-tools (`LayerRecords.read`: names, Unicode `luni` names, groups,
smart objects), handed a window over just the records: psd-tools' `PSDImage.open` reads the
whole file into memory (87 MB for a 91 MB PSD), this reads neither channel nor image data.
16- and 32-bit documents keep their layers in a global `Lr16`/`Lr32` block instead.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from scanner.extract.formats import limit_reached
from scanner.extract.formats.binio import read_at
from scanner.extract.formats.window import Window

MAX_RESOURCES_BYTES = 64 * 1024 * 1024
MAX_RESOURCES = 10_000
MAX_RECORDS_BYTES = 64 * 1024 * 1024  # layer records (not pixels) of one document
MAX_LAYERS = 100_000
MAX_GLOBAL_BLOCKS = 1_000
# Tagged blocks whose length is a uint64 in a PSB (Adobe's file format specification).
PSB_LONG_BLOCKS = (b"Lr16", b"Lr32", b"Layr", b"LMsk", b"Mt16", b"Mt32", b"Mtrn", b"Alph",
                   b"FMsk", b"lnk2", b"FEid", b"FXid", b"PxSD")  # fmt: skip
RESOURCE_SIGNATURES = (b"8BIM", b"MeSa", b"PHUT", b"AgHg", b"DCSR")
XMP, IPTC, VERSION_INFO, URL = 1060, 1028, 1057, 1035
IPTC_NAMES = {  # IIM record 2 datasets kept as text
    5: "object_name", 25: "keywords", 40: "special_instructions", 65: "originating_program",
    70: "program_version", 80: "byline", 85: "byline_title", 105: "headline", 110: "credit",
    115: "source", 116: "copyright", 120: "caption", 122: "caption_writer",
}  # fmt: skip


@dataclass
class Layer:
    name: str
    kind: str  # pixel | group | group-end | smartobject | type | shape/adjustment (other)


@dataclass
class PsdScan:
    version: int = 0
    resource_ids: list[int] = field(default_factory=list)
    xmp_packets: list[tuple[str, bytes]] = field(default_factory=list)  # (where, packet)
    texts: list[tuple[str, str]] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    broken: str = ""


def scan(handle: BinaryIO, size: int, layers: bool = True) -> PsdScan:
    """The resources and (with `layers`) the layer records; problems instead of exceptions."""
    result = PsdScan()
    head = read_at(handle, 0, 26)
    if len(head) < 26 or head[:4] != b"8BPS":
        result.broken = "corrupt: not a PSD file"
        return result
    result.version = struct.unpack_from(">H", head, 4)[0]
    if result.version not in (1, 2):
        result.broken = f"corrupt: unknown PSD version {result.version}"
        return result
    pos = 26
    colour_length = _u32(handle, pos)
    pos += 4 + colour_length
    resources_length = _u32(handle, pos)
    if pos + 4 + resources_length > size:
        result.broken = "truncated: the image resources run past the end of the file"
        return result
    _resources(handle, pos + 4, resources_length, result)
    if not layers or result.broken:
        return result
    pos += 4 + resources_length
    wide = result.version == 2
    layers_length = _length(handle, pos, wide)
    if layers_length is None or pos + (8 if wide else 4) + layers_length > size:
        result.broken = "truncated: the layer and mask information runs past the end of the file"
        return result
    _layers(handle, pos + (8 if wide else 4), layers_length, result)
    return result


def _u32(handle: BinaryIO, pos: int) -> int:
    data = read_at(handle, pos, 4)
    return int(struct.unpack(">I", data)[0]) if len(data) == 4 else 1 << 62


def _length(handle: BinaryIO, pos: int, wide: bool) -> int | None:
    data = read_at(handle, pos, 8 if wide else 4)
    if len(data) < (8 if wide else 4):
        return None
    return int(struct.unpack(">Q" if wide else ">I", data)[0])


def _resources(handle: BinaryIO, start: int, length: int, result: PsdScan) -> None:
    if length > MAX_RESOURCES_BYTES:
        result.problems.append(
            limit_reached(f"image resources of {length:,} bytes: over {MAX_RESOURCES_BYTES:,}")
        )
        return
    data = read_at(handle, start, length)
    pos = 0
    while pos + 12 <= len(data):
        if len(result.resource_ids) >= MAX_RESOURCES:
            result.problems.append(limit_reached(f"more than {MAX_RESOURCES:,} image resources"))
            return
        if data[pos : pos + 4] not in RESOURCE_SIGNATURES:
            result.broken = f"corrupt: image resource signature {data[pos : pos + 4]!r}"
            return
        ident = struct.unpack_from(">H", data, pos + 4)[0]
        name_length = data[pos + 6]
        pos += 6 + (name_length + 2) // 2 * 2  # the Pascal name, padded to even
        if pos + 4 > len(data):
            break
        block = struct.unpack_from(">I", data, pos)[0]
        body = data[pos + 4 : pos + 4 + block]
        if len(body) < block:
            result.broken = f"truncated: image resource {ident} runs past its section"
            return
        result.resource_ids.append(ident)
        _resource(ident, body, result)
        pos += 4 + block + (block & 1)


def _resource(ident: int, body: bytes, result: PsdScan) -> None:
    if ident == XMP:
        count = len(result.xmp_packets)
        result.xmp_packets.append((f"resource {XMP}" + (f" #{count + 1}" if count else ""), body))
    elif ident == IPTC:
        texts, problem = iptc_texts(body)
        result.texts += texts
        if problem:
            result.problems.append(problem)
    elif ident == URL:
        text = body.decode("latin-1").strip("\x00 ")
        if text:
            result.texts.append(("url", text))
    elif ident == VERSION_INFO and len(body) >= 9:
        for name, text in zip(("writer", "reader"), _unicode_strings(body[5:], 2), strict=False):
            if text:
                result.texts.append((f"version_info.{name}", text))


def _unicode_strings(data: bytes, count: int) -> list[str]:
    out, pos = [], 0
    for _ in range(count):
        if pos + 4 > len(data):
            break
        chars = struct.unpack_from(">I", data, pos)[0]
        raw = data[pos + 4 : pos + 4 + 2 * chars]
        out.append(raw.decode("utf-16-be", errors="replace").rstrip("\x00"))
        pos += 4 + 2 * chars
    return out


def iptc_texts(data: bytes) -> tuple[list[tuple[str, str]], str]:
    """IIM record 2 datasets (0x1C, record, dataset, uint16 size, value) as (field, text), and
    why the rest was not read ("" when every byte was, or only NUL padding is left)."""
    out, pos = [], 0
    while pos < len(data) and data[pos] == 0x1C:
        header = _iim_header(data, pos)
        if header is None:
            break
        record, dataset, start, length = header
        name = IPTC_NAMES.get(dataset) if record == 2 else None
        text = _text(data[start : start + length]) if name else ""
        if text:
            out.append((f"iptc.{name}", text))
        if start + length > len(data):
            return out, limit_reached(
                f"IPTC dataset {record}:{dataset} of {length:,} bytes runs past its resource: cut"
            )
        pos = start + length
    if not data[pos:].strip(b"\x00"):
        return out, ""
    return out, limit_reached(
        f"IPTC: {len(data) - pos:,} bytes from byte {pos:,} are not IIM datasets: not read"
    )


def _iim_header(data: bytes, pos: int) -> tuple[int, int, int, int] | None:
    """(record, dataset, value start, value length) of the dataset at `pos`, None when its
    header is cut short. An extended dataset (size's top bit set) gives, in the size's low 15
    bits, how many bytes the real size takes."""
    if pos + 5 > len(data):
        return None
    record, dataset = data[pos + 1], data[pos + 2]
    length = struct.unpack_from(">H", data, pos + 3)[0]
    start = pos + 5
    if length & 0x8000:
        count = length & 0x7FFF
        if not 0 < count <= 8 or start + count > len(data):
            return None
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    return record, dataset, start, length


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8").strip("\x00 ")
    except UnicodeDecodeError:
        return value.decode("latin-1").strip("\x00 ")


def _layers(handle: BinaryIO, start: int, length: int, result: PsdScan) -> None:
    wide = result.version == 2
    if length < (8 if wide else 4):
        return  # a flat document: no layer info (what follows is the image data)
    info_length = _length(handle, start, wide)
    if info_length is None:
        return
    head = 8 if wide else 4
    if info_length:
        _records(handle, start + head, info_length, result)
        return
    # 16/32-bit documents: after the (empty) layer info and the global mask info, tagged
    # blocks, one of which (Lr16, Lr32, Layr) holds the layer info.
    pos = start + head
    mask_length = _u32(handle, pos)
    pos += 4 + mask_length
    end = start + length
    for _ in range(MAX_GLOBAL_BLOCKS):
        block = read_at(handle, pos, 12)
        if len(block) < 12 or block[:4] not in (b"8BIM", b"8B64"):
            return
        key = block[4:8]
        long_key = wide and key in PSB_LONG_BLOCKS
        size_data = read_at(handle, pos + 8, 8 if long_key else 4)
        block_length = int.from_bytes(size_data, "big")
        body = pos + 8 + len(size_data)
        if key in (b"Lr16", b"Lr32", b"Layr"):
            _records(handle, body, block_length, result)
            return
        pos = body + block_length + (-block_length % 4 if not wide else 0)
        if pos >= end:
            return


def _records(handle: BinaryIO, start: int, length: int, result: PsdScan) -> None:
    count_data = read_at(handle, start, 2)
    if len(count_data) < 2:
        result.broken = "truncated: no layer count"
        return
    count = abs(struct.unpack(">h", count_data)[0])
    if count > MAX_LAYERS:
        result.problems.append(limit_reached(f"{count:,} layers: over {MAX_LAYERS:,}, not read"))
        return
    window = Window(handle, start + 2, min(length, MAX_RECORDS_BYTES))
    try:
        records = _read_records(window, count, result.version)
    except Exception as exc:  # noqa: BLE001 - psd-tools raises whatever its parse hits
        if length > MAX_RECORDS_BYTES:
            result.problems.append(
                limit_reached(f"layer records over {MAX_RECORDS_BYTES:,} bytes: not read")
            )
        else:
            result.broken = f"corrupt: layer records: {type(exc).__name__}: {str(exc)[:200]}"
        return
    result.layers = [_layer(record) for record in records]


def _read_records(window: Window, count: int, version: int) -> list[Any]:
    from psd_tools.psd.layer_and_mask import LayerRecords

    return list(LayerRecords.read(window, count, "macroman", version))  # type: ignore[arg-type]


_SMART_OBJECT_TAGS = ("SMART_OBJECT_LAYER_DATA1", "SMART_OBJECT_LAYER_DATA2", "PLACED_LAYER1",
                      "PLACED_LAYER2")  # fmt: skip


def _layer(record: Any) -> Layer:
    from psd_tools.constants import SectionDivider, Tag

    blocks = record.tagged_blocks
    name = record.name
    if blocks is not None and Tag.UNICODE_LAYER_NAME in blocks:
        name = blocks.get_data(Tag.UNICODE_LAYER_NAME) or name
    kind = "pixel"
    if blocks is not None:
        divider = blocks.get_data(Tag.SECTION_DIVIDER_SETTING)
        if divider is None:
            divider = blocks.get_data(Tag.NESTED_SECTION_DIVIDER_SETTING)
        if divider is not None:
            kind = (
                "group-end" if divider.kind == SectionDivider.BOUNDING_SECTION_DIVIDER else "group"
            )
        elif any(Tag[name] in blocks for name in _SMART_OBJECT_TAGS):
            kind = "smartobject"
        elif Tag.TYPE_TOOL_OBJECT_SETTING in blocks:
            kind = "type"
    return Layer(str(name), kind)
