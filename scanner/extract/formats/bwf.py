"""Broadcast WAV (EBU Tech 3285): the `bext` chunk's fields and the `iXML` chunk's elements.

`bext` (fixed offsets): Description 256, Originator 32, OriginatorReference 32,
OriginationDate 10, OriginationTime 8, TimeReference (2 x uint32, samples since midnight),
Version uint16, UMID 64 (v1+), five loudness values int16 x 100 (v2), 180 reserved bytes,
then CodingHistory (ASCII lines) to the chunk's end. PyAV and MediaInfo drop the loudness
values and iXML, so both are read here. `iXML` is UTF-8 XML (`<BWFXML>`), parsed with
defusedxml (no DTD, no entities); every element with text gives `ixml/<PATH>`.
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET  # noqa: S405 - only the ParseError type and Element API

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from scanner.extract.formats import limit_reached

MAX_ELEMENTS = 10_000
MAX_DEPTH = 32
TEXT_FIELDS = (
    ("description", 0, 256), ("originator", 256, 32), ("originator_reference", 288, 32),
    ("origination_date", 320, 10), ("origination_time", 330, 8),
)  # fmt: skip
LOUDNESS = ("loudness_value", "loudness_range", "max_true_peak_level",
            "max_momentary_loudness", "max_short_term_loudness")  # fmt: skip
NOT_SET = 0x7FFF


def _ascii(raw: bytes) -> str:
    text = raw.split(b"\x00", 1)[0].decode("latin-1")
    return "".join(c if c.isprintable() or c in "\r\n\t" else " " for c in text).strip()


def bext_fields(data: bytes) -> list[tuple[str, str]]:
    """The bext chunk's fields that hold something, as (`bext.<name>`, text)."""
    out = [(f"bext.{n}", _ascii(data[o : o + size])) for n, o, size in TEXT_FIELDS]
    if len(data) >= 348:
        low, high, version = struct.unpack_from("<IIH", data, 338)
        reference = (high << 32) | low
        out += [("bext.time_reference", str(reference) if reference else ""),
                ("bext.version", str(version))]  # fmt: skip
        umid = data[348:412]
        if version >= 1 and umid.strip(b"\x00"):
            out.append(("bext.umid", umid.rstrip(b"\x00").hex()))
        if version >= 2 and len(data) >= 422:
            for name, value in zip(LOUDNESS, struct.unpack_from("<5h", data, 412), strict=True):
                if value not in (NOT_SET, 0):
                    out.append((f"bext.{name}", f"{value / 100:.2f}"))
    if len(data) > 602:
        out.append(("bext.coding_history", _ascii(data[602:])))
    return [(name, value) for name, value in out if value]


def ixml_fields(data: bytes) -> tuple[list[tuple[str, str]], str]:
    """(`ixml/<PATH>`, text) for every element with text; and a problem ("" when none)."""
    try:
        root = fromstring(data.rstrip(b"\x00 \r\n\t"), forbid_dtd=True)
    except DefusedXmlException as exc:
        return [], f"iXML refused: it declares a DTD or entities ({type(exc).__name__})"
    except ET.ParseError as exc:
        return [], f"iXML is not well-formed XML ({exc})"
    out: list[tuple[str, str]] = []
    problem = _walk(root, "ixml", out, 0)
    return out, problem


def _walk(element: ET.Element, path: str, out: list[tuple[str, str]], depth: int) -> str:
    for child in element:
        if len(out) >= MAX_ELEMENTS:
            return limit_reached(f"more than {MAX_ELEMENTS:,} iXML elements: the rest not read")
        if depth >= MAX_DEPTH:
            return limit_reached(f"iXML nested deeper than {MAX_DEPTH} levels")
        tag = child.tag if isinstance(child.tag, str) else ""
        child_path = f"{path}/{tag}"
        text = (child.text or "").strip()
        if text:
            out.append((child_path, text))
        problem = _walk(child, child_path, out, depth + 1)
        if problem:
            return problem
    return ""
