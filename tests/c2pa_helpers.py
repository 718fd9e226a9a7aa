"""Real C2PA signing for tests: a throwaway CA made with `cryptography`, files signed offline
with c2pa-python (no C2PA test certificates, no timestamp authority, no network)."""

from __future__ import annotations

import io
import json
from functools import lru_cache
from pathlib import Path

import c2pa
from PIL import Image

from fixtures.ca import Ca, make_ca
from scanner.discover.media import MediaFile

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def anchor(ca: Ca) -> str:
    """The CA's root certificate as the PEM text `--trust-anchors` takes."""
    return ca.root_pem.decode()


@lru_cache(maxsize=1)
def session_ca() -> Ca:
    """One CA per test session (key generation is the slow part)."""
    return make_ca()


def jpeg_bytes(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (64, 48)):
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def png_bytes(color: tuple[int, int, int] = (30, 200, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (48, 32), color).save(buf, "PNG")
    return buf.getvalue()


def sign(
    manifest: dict,
    source: bytes,
    mime: str = "image/jpeg",
    ingredients: tuple[tuple[dict, bytes, str], ...] = (),
    ca: Ca | None = None,
    verify_after_sign: bool = True,
) -> bytes:
    """Sign `source` with `manifest`; ingredients are (ingredient json, bytes, mime)."""
    ca = ca or session_ca()
    info = c2pa.C2paSignerInfo(b"es256", ca.chain_pem, ca.leaf_key_pem, None)
    signer = c2pa.Signer.from_info(info)
    context = None
    if not verify_after_sign:
        context = c2pa.Context.from_dict({"verify": {"verify_after_sign": False}})
    builder = c2pa.Builder(manifest, context=context) if context else c2pa.Builder(manifest)
    for ingredient, data, ing_mime in ingredients:
        builder.add_ingredient(json.dumps(ingredient), ing_mime, io.BytesIO(data))
    out = io.BytesIO()
    builder.sign(signer, mime, io.BytesIO(source), out)
    return out.getvalue()


def created(dst: str, agent: object = None, name: str = "ExampleGenAI", **extra) -> dict:
    """A manifest with one c2pa.created action of source type `dst` (IPTC term or URI)."""
    action: dict = {"action": "c2pa.created", "digitalSourceType": _uri(dst)}
    if agent is not None:
        action["softwareAgent"] = agent
    return {
        "claim_generator_info": [{"name": name, "version": "1.0"}],
        "title": f"{name}.jpg",
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [action]}}],
        **extra,
    }


def _uri(dst: str) -> str:
    return dst if "/" in dst or "." in dst else IPTC + dst


def media(path: Path, mime: str = "image/jpeg", fmt: str = "JPEG", kind: str = "image"):
    return MediaFile(path, path.name, mime, fmt, kind, path.stat().st_size)


def write(tmp: Path, name: str, data: bytes, mime: str = "image/jpeg") -> MediaFile:
    path = tmp / name
    path.write_bytes(data)
    fmt = {"image/jpeg": "JPEG", "image/png": "PNG"}.get(mime, "OTHER")
    return media(path, mime, fmt)
