"""Reading fixture files back with independent readers, for the fixture tests."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import av
import exifread
from defusedxml import ElementTree

from fixtures.delivery_plan import EXPECTED

REPO = Path(__file__).resolve().parents[1]
DELIVERY = REPO / "fixtures" / "delivery"
ROOT_PEM = REPO / "fixtures" / "ca" / "root.pem"
DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
IPTC_EXT = "{http://iptc.org/std/Iptc4xmpExt/2008-02-29/}"
BY_PATH = {item.path: item for item in EXPECTED}
SIGNED = [item.path for item in EXPECTED if item.credentials in ("valid", "invalid")]


def delivered(rel: str) -> Path:
    return DELIVERY / rel


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


def xmp_fields(packet: bytes | str) -> dict[str, str]:
    root = ElementTree.fromstring(packet.encode() if isinstance(packet, str) else packet)
    return {el.tag: (el.text or "").strip() for el in root.iter() if el.text and el.text.strip()}


def active_manifest(store: dict) -> dict:
    return store["manifests"][store["active_manifest"]]


def manifest_actions(manifest: dict) -> list[dict]:
    return [
        entry
        for assertion in manifest["assertions"]
        if assertion["label"].startswith("c2pa.actions")
        for entry in assertion["data"]["actions"]
    ]


def decoded_frames(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24").tobytes() for f in container.decode(video=0)]


def exif_tags(path: Path) -> dict[str, str]:
    with open(path, "rb") as handle:
        return {k: str(v) for k, v in exifread.process_file(handle, details=True).items()}
