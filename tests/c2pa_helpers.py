"""Real C2PA signing for tests: a throwaway CA made with `cryptography`, files signed offline
with c2pa-python (no C2PA test certificates, no timestamp authority, no network)."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image

from scanner.extract.interface import MediaFile

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@dataclass(frozen=True)
class ThrowawayCA:
    chain_pem: bytes  # end-entity then root
    key_pem: bytes
    root_pem: str


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "provscan tests"),
        ]
    )


def _key_usage(signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signer,
        crl_sign=not signer,
        encipher_only=False,
        decipher_only=False,
    )


def make_ca(label: str = "provscan test") -> ThrowawayCA:
    """EC P-256 root + end-entity (digitalSignature, emailProtection, SKI/AKI), 30 days."""
    now = dt.datetime.now(dt.timezone.utc)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"{label} root")
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(signer=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{label} signer"))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signer=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return ThrowawayCA(
        chain_pem=leaf.public_bytes(pem) + root.public_bytes(pem),
        key_pem=key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        root_pem=root.public_bytes(pem).decode(),
    )


@lru_cache(maxsize=1)
def session_ca() -> ThrowawayCA:
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
    ca: ThrowawayCA | None = None,
    verify_after_sign: bool = True,
) -> bytes:
    """Sign `source` with `manifest`; ingredients are (ingredient json, bytes, mime)."""
    ca = ca or session_ca()
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(b"es256", ca.chain_pem, ca.key_pem, None))
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
