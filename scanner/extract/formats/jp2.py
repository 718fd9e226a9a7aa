"""JPEG 2000 boxes (JP2/JPX) and codestream main headers (J2K): XMP, uuid, labels, comments.

XMP, uuid and xml boxes, JPX labels, and the codestream's comment (COM) markers. A `uuid` box
that is not XMP is handed on as its text (`printable_text`: all of it when it is text, else its
printable runs, as DPX user data), so what it holds reaches the rules.

A box is `uint32 length, 4-char type` (length 1: a uint64 length follows; 0: to the end of
the file). XMP sits in a top-level `uuid` box with Adobe's XMP UUID, or in an `xml ` box;
JPX labels (`lbl `) sit in `asoc` superboxes. The codestream (`jp2c`, or the whole file for
a bare J2K) starts with SOC (FF4F) and SIZ; comment markers (FF64: Rcom, text) may follow
until the first tile (SOT, FF90). Pillow and OpenImageIO expose none of these boxes.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass, field
from typing import BinaryIO

from scanner.extract.formats import limit_reached
from scanner.extract.formats.binio import printable_text, read_at

XMP_UUID = uuid.UUID("be7acfcb-97a9-42e8-9c71-999491e3afac").bytes
SUPERBOXES = (b"asoc", b"jp2h", b"res ", b"uinf", b"jpch", b"jplh", b"cgrp", b"ftbl", b"comp")
MAX_BOXES = 100_000
MAX_DEPTH = 8
MAX_BOX_READ = 8 * 1024 * 1024
MAX_MAIN_HEADER = 4 * 1024 * 1024  # codestream bytes walked for COM markers before a tile
SOC, SOT, COM, EOC = 0xFF4F, 0xFF90, 0xFF64, 0xFFD9
XMP_MARKS = (b"xmpmeta", b"xapmeta")  # an `xml ` box holding either is an XMP packet


@dataclass
class Jp2Scan:
    xmp: list[tuple[str, bytes]] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)  # (field, text)
    codestream: tuple[int, int] | None = None  # (offset, length)
    boxes: int = 0
    problems: list[str] = field(default_factory=list)
    broken: str = ""


def scan(handle: BinaryIO, size: int, bare_codestream: bool = False) -> Jp2Scan:
    result = Jp2Scan()
    if bare_codestream:
        result.codestream = (0, size)
    else:
        _boxes(handle, 0, size, result, 0)
        if not result.broken and result.codestream is None:
            result.broken = "corrupt: no contiguous codestream (jp2c) box"
    if result.codestream is not None and not result.broken:
        _main_header(handle, *result.codestream, result)
    return result


def _boxes(handle: BinaryIO, start: int, end: int, result: Jp2Scan, depth: int) -> None:
    pos = start
    while pos + 8 <= end:
        if result.boxes >= MAX_BOXES:
            result.problems.append(
                limit_reached(f"more than {MAX_BOXES:,} boxes: the rest not read")
            )
            return
        result.boxes += 1
        length, kind = struct.unpack(">I4s", read_at(handle, pos, 8))
        header = 8
        if length == 1:
            large = read_at(handle, pos + 8, 8)
            if len(large) < 8:
                result.broken = f"truncated: box {kind!r} at byte {pos} is cut short"
                return
            length, header = struct.unpack(">Q", large)[0], 16
        elif length == 0:
            length = end - pos
        if length < header or pos + length > end:
            result.broken = f"truncated or corrupt: box {kind!r} at byte {pos} runs past its end"
            return
        body, body_length = pos + header, length - header
        if kind == b"jp2c" and depth == 0 and result.codestream is None:
            result.codestream = (body, body_length)
        elif kind in SUPERBOXES:
            if depth >= MAX_DEPTH:
                result.problems.append(limit_reached(f"boxes nested deeper than {MAX_DEPTH}"))
            else:
                _boxes(handle, body, body + body_length, result, depth + 1)
        elif kind in (b"uuid", b"xml ", b"lbl "):
            _content(handle, kind, body, body_length, result)
        pos += length


def _read(handle: BinaryIO, offset: int, length: int, what: str, result: Jp2Scan) -> bytes:
    if length > MAX_BOX_READ:
        result.problems.append(
            limit_reached(f"{what} of {length:,} bytes: only the first {MAX_BOX_READ:,} read")
        )
    return read_at(handle, offset, min(length, MAX_BOX_READ))


def _content(handle: BinaryIO, kind: bytes, body: int, length: int, result: Jp2Scan) -> None:
    if kind == b"uuid":
        ident = read_at(handle, body, 16)
        if ident == XMP_UUID:
            result.xmp.append(("uuid box", _read(handle, body + 16, length - 16, "XMP", result)))
        elif len(ident) == 16:
            data = _read(handle, body + 16, length - 16, f"uuid box {ident.hex()}", result)
            text = printable_text(data) or f"{len(data):,} bytes, no text"
            result.texts.append((f"uuid[{ident.hex()}]", text))
        return
    data = _read(handle, body, length, kind.decode("latin-1").strip() + " box", result)
    if kind == b"xml " and any(mark in data for mark in XMP_MARKS):
        result.xmp.append(("xml box", data))
    else:
        text = data.decode("utf-8", errors="replace").strip("\x00 \r\n\t")
        if text:
            result.texts.append(("label" if kind == b"lbl " else "xml", text))


def _main_header(handle: BinaryIO, start: int, length: int, result: Jp2Scan) -> None:
    data = read_at(handle, start, min(length, MAX_MAIN_HEADER))
    if len(data) < 2 or struct.unpack_from(">H", data)[0] != SOC:
        result.broken = "corrupt: the codestream does not start with SOC"
        return
    pos = 2
    while pos + 4 <= len(data):
        marker, segment = struct.unpack_from(">HH", data, pos)
        if marker in (SOT, EOC):
            break
        if marker >> 8 != 0xFF or segment < 2:
            result.broken = f"corrupt: codestream marker {marker:04x} at byte {start + pos}"
            return
        if marker == COM and segment >= 4 and pos + 2 + segment <= len(data):
            registration = struct.unpack_from(">H", data, pos + 4)[0]
            body = data[pos + 6 : pos + 2 + segment]
            if registration == 1:  # Latin-1 text (0 is binary)
                text = body.decode("latin-1").strip("\x00 ")
                if text:
                    result.texts.append(("comment", text))
        pos += 2 + segment
    else:
        if len(data) < length:
            result.problems.append(
                limit_reached(
                    f"codestream main header over {MAX_MAIN_HEADER:,} bytes: not all read"
                )
            )
            return
    tail = read_at(handle, start + length - 2, 2)
    if tail != b"\xff\xd9":
        result.broken = "truncated: the codestream has no end-of-codestream marker"
