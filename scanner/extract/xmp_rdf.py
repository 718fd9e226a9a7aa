"""One XMP packet -> its simple properties as (field, value) pairs.

Parsed with defusedxml and DTDs forbidden: a packet with a DTD, an entity (XML bomb) or an
external reference is refused, never expanded. Field names are `prefix:LocalName` with the
conventional prefix of well-known namespaces (whatever prefix the file used), else the
file's own prefix, else `{uri}LocalName`. Properties in attribute and element form both
count; every rdf:Alt/Seq/Bag item gives one pair with the property's field; struct members
give `parent/member` fields (e.g. `xmpMM:History/stEvt:softwareAgent`).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET  # only for the ParseError type and Element API

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# Beyond either the packet's remaining properties are not read, and the packet says so
# (`Properties.limit`): the XMP source is then incomplete, never quietly short.
MAX_PROPERTIES = 100_000
MAX_DEPTH = 32

CONVENTIONAL_PREFIXES = {
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/": "Iptc4xmpCore",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://cipa.jp/exif/1.0/": "exifEX",
    "http://ns.adobe.com/exif/1.0/aux/": "aux",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#": "stEvt",
    "http://ns.adobe.com/xap/1.0/sType/ResourceRef#": "stRef",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://ns.adobe.com/xmp/note/": "xmpNote",
    "http://ns.adobe.com/xmp/1.0/DynamicMedia/": "xmpDM",
    "http://ns.adobe.com/xap/1.0/g/img/": "xmpGImg",
    "http://ns.adobe.com/camera-raw-settings/1.0/": "crs",
    "http://ns.adobe.com/lightroom/1.0/": "lr",
    "http://ns.adobe.com/pdf/1.3/": "pdf",
    "http://ns.useplus.org/ldf/xmp/1.0/": "plus",
    "http://www.tc260.org.cn/ns/AIGC/1.0/": "tc260",
    "http://ns.google.com/photos/1.0/camera/": "GCamera",
    "http://ns.google.com/photos/1.0/container/": "GContainer",
}

_PACKET_START = re.compile(rb"<(?:[\w.-]+:)?(?:xmpmeta|xapmeta|RDF)[\s>]")
_PACKET_END = re.compile(rb"</(?:[\w.-]+:)?(?:xmpmeta|xapmeta|RDF)\s*>")


class XmpError(Exception):
    """The packet could not be parsed; the message says why, in words for a reviewer."""


class XmpRefused(XmpError):
    """The packet declares a DTD or entities: crafted, never expanded, and what it says is lost."""


class _Out(list[tuple[str, str]]):
    """The properties found, and the limit that stopped the reading ("" when none did)."""

    limit: str = ""


def parse_packet(packet: bytes) -> tuple[list[tuple[str, str]], str]:
    """The packet's properties in document order, and "" or the limit that cut them short
    (MAX_PROPERTIES, MAX_DEPTH). Raises XmpError."""
    root, prefixes = _parse_xml(_trim(packet))
    namer = _Namer(prefixes)
    out = _Out()
    rdf_roots = [root] if _is_rdf(root.tag, "RDF") else list(root.iter(f"{{{RDF}}}RDF"))
    for rdf in rdf_roots:
        for node in rdf:  # top-level rdf:Description (or typed) nodes only
            _description(node, "", namer, out, 0)
            if out.limit:
                return list(out), out.limit
    return list(out), ""


def _trim(packet: bytes) -> bytes:
    packet = packet.rstrip(b"\x00 \t\r\n")
    if packet.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: let the parser decode it
        return packet
    start = packet.find(b"<")
    return packet[start:] if start > 0 else packet


def _parse_xml(data: bytes) -> tuple[ET.Element, dict[str, str]]:
    try:
        return _iterparse(data)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise XmpRefused(f"XMP packet refused: it declares a DTD or entities ({exc})") from None
    except ET.ParseError as first_error:
        # Real files sometimes carry junk around the packet: retry on the packet alone.
        start = _PACKET_START.search(data)
        ends = list(_PACKET_END.finditer(data, start.start())) if start else []
        if start and ends:
            end = ends[-1]
            try:
                return _iterparse(data[start.start() : end.end()])
            except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden, ET.ParseError):
                pass
        raise XmpError(f"XMP packet is not well-formed XML ({first_error})") from None


def _iterparse(data: bytes) -> tuple[ET.Element, dict[str, str]]:
    prefixes: dict[str, str] = {}
    events = iterparse(io.BytesIO(data), events=("start-ns",), forbid_dtd=True)
    for _event, (prefix, uri) in events:
        prefixes.setdefault(uri, prefix)
    # typeshed's iterparse iterator omits the `root` attribute CPython sets on it
    root: ET.Element | None = events.root  # type: ignore[attr-defined]
    if root is None:
        raise ET.ParseError("no root element")
    return root, prefixes


class _Namer:
    def __init__(self, document_prefixes: dict[str, str]) -> None:
        self.document_prefixes = document_prefixes

    def __call__(self, tag: str) -> str:
        if not tag.startswith("{"):
            return tag
        uri, _, local = tag[1:].partition("}")
        prefix = CONVENTIONAL_PREFIXES.get(uri) or self.document_prefixes.get(uri)
        return f"{prefix}:{local}" if prefix else tag


def _is_rdf(tag: str, local: str) -> bool:
    return tag == f"{{{RDF}}}{local}"


def _plain_attributes(element: ET.Element) -> list[tuple[str, str]]:
    return [
        (key, value)
        for key, value in element.attrib.items()
        if not key.startswith((f"{{{RDF}}}", f"{{{XML_NS}}}"))
    ]


def _emit(out: _Out, field: str, value: str | None) -> None:
    if value is None:
        return
    if len(out) >= MAX_PROPERTIES:
        out.limit = f"more than {MAX_PROPERTIES:,} properties in one XMP packet: the rest not read"
        return
    value = value.strip()
    if value:
        out.append((field, value))


def _join(parent: str, child: str) -> str:
    return f"{parent}/{child}" if parent else child


def _description(node: ET.Element, parent: str, name: _Namer, out: _Out, depth: int) -> None:
    """Properties of an rdf:Description (or a struct node): attributes, then child elements."""
    for key, value in _plain_attributes(node):
        _emit(out, _join(parent, name(key)), value)
    for child in node:
        _property(child, _join(parent, name(child.tag)), name, out, depth + 1)


def _property(element: ET.Element, field: str, name: _Namer, out: _Out, depth: int) -> None:
    if depth > MAX_DEPTH:
        out.limit = f"XMP nested deeper than {MAX_DEPTH} levels: the deeper values not read"
        return
    if out.limit:
        return
    resource = element.get(f"{{{RDF}}}resource")
    if resource is not None:
        _emit(out, field, resource)
        return
    children = list(element)
    if element.get(f"{{{RDF}}}parseType") == "Resource":
        _description(element, field, name, out, depth)
        return
    if not children:
        attributes = _plain_attributes(element)
        if attributes:  # struct written as attributes of the property element
            for key, value in attributes:
                _emit(out, f"{field}/{name(key)}", value)
        else:
            _emit(out, field, element.text)
        return
    for child in children:
        if any(_is_rdf(child.tag, kind) for kind in ("Alt", "Seq", "Bag")):
            for item in child:
                if _is_rdf(item.tag, "li"):
                    _property(item, field, name, out, depth + 1)
        elif _is_rdf(child.tag, "Description"):
            _description(child, field, name, out, depth)
        elif _is_rdf(child.tag, "value"):
            _emit(out, field, child.text)
        else:  # a struct member written directly inside the property
            _property(child, f"{field}/{name(child.tag)}", name, out, depth + 1)
