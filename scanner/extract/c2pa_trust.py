"""Trust lists for C2PA signers: the official C2PA list shipped in the package, and the user's.

The gatekeeper's own lists (`--trust-list FILE`, `--trust-anchors FILE`) and the official one
are turned into the PEM anchors the SDK takes.

The official list is a dated snapshot of the C2PA conformance program's trust list
(`trust_lists/C2PA-TRUST-LIST.json`, CC BY 4.0, attribution in `trust_lists/README.md`): an
ETSI-style List of Trusted Entities whose services carry the CA certificates (roots and
intermediates) of the program. Only services whose status ends in `/trusted` are anchors. A
file given by the user may be such a JSON list or a PEM bundle (text outside the PEM blocks,
such as the conformance bundle's `Subject` lines, is ignored, as c2pa-rs ignores it).

Trust lists are the gatekeeper's word, never the delivery's: `load_trust_lists` reads the
files the user names like a policy file (never through a link leaving its folder, bounded).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from scanner.common.config_files import read_config_file
from scanner.errors import ConfigError

OFFICIAL = "official"
NONE = "none"
OFFICIAL_FILE = "C2PA-TRUST-LIST.json"
OFFICIAL_SOURCE = (
    "C2PA conformance program trust list (c2pa-org/conformance-public @ 7dbff513, CC BY 4.0)"
)
STALE_AFTER_DAYS = 183  # six months
MAX_LIST_BYTES = 16 * 1024 * 1024
TRUSTED_STATUS_SUFFIX = "/trusted"
MAX_ANCHORS = 10_000
# Extended key usages accepted from a signer on top of the SDK's built-in set (`trust_config`):
# C2PA claim signing (the conformance program's CAs carry it), document signing, e-mail
# protection, Microsoft's C2PA signing, time stamping and OCSP signing. Without the first two,
# c2pa-rs 0.91.3 reads a leaf whose only EKU is one of them as `signingCredential.invalid`.
ACCEPTED_EKUS = (
    "1.3.6.1.4.1.62558.2.1",
    "1.3.6.1.5.5.7.3.36",
    "1.3.6.1.5.5.7.3.4",
    "1.3.6.1.4.1.311.76.59.1.9",
    "1.3.6.1.5.5.7.3.8",
    "1.3.6.1.5.5.7.3.9",
)
_PEM_BLOCK = re.compile(
    r"(?:^Subject\t(?P<subject>[^\n]*)\n)?"
    r"-----BEGIN CERTIFICATE-----\s*(?P<body>[A-Za-z0-9+/=\s]+?)\s*-----END CERTIFICATE-----",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Anchor:
    """One trusted certificate: who it belongs to and its SHA-256 fingerprint (of the DER)."""

    name: str
    fingerprint: str
    pem: str


@dataclass(frozen=True)
class TrustList:
    name: str  # "official", or the file as the user gave it
    source: str  # where it came from, in words
    issued: str  # ISO date the list says it was issued, "" when it does not say
    next_update: str
    anchors: tuple[Anchor, ...]

    def pem(self) -> str:
        return "".join(anchor.pem for anchor in self.anchors)


@lru_cache(maxsize=1)
def official_trust_list() -> TrustList:
    """The snapshot shipped in the package, parsed once per process."""
    data = resources.files("scanner.extract").joinpath("trust_lists", OFFICIAL_FILE).read_bytes()
    return parse_trust_list(data, OFFICIAL, OFFICIAL_SOURCE)


def load_trust_lists(values: Sequence[str]) -> tuple[TrustList, ...]:
    """The lists `--trust-list` names: `official` (the snapshot), `none` (not the official
    list), or a file. Nothing given means the official list. ConfigError for a file that
    cannot be read or holds no certificate, and for `none` beside `official`."""
    chosen = list(values) or [OFFICIAL]
    if NONE in chosen and OFFICIAL in chosen:
        raise ConfigError("--trust-list none and --trust-list official contradict each other")
    lists: list[TrustList] = []
    for value in chosen:
        if value == OFFICIAL:
            lists.append(official_trust_list())
        elif value != NONE:
            data = read_config_file(Path(value), what="trust list", max_bytes=MAX_LIST_BYTES)
            lists.append(parse_trust_list(data, value, f"trust list file {value}"))
    return tuple(lists)


def parse_trust_list(data: bytes, name: str, source: str = "") -> TrustList:
    """A LoTE JSON trust list or a PEM bundle. ConfigError when it holds no certificate."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    if text.lstrip().startswith("{"):
        found = _from_lote(text, name, source or name)
    else:
        anchors = tuple(_pem_anchors(text))
        found = TrustList(name, source or name, "", "", anchors)
    if not found.anchors:
        raise ConfigError(f"trust list {name}: no trusted certificate found")
    if len(found.anchors) > MAX_ANCHORS:
        raise ConfigError(f"trust list {name}: more than {MAX_ANCHORS:,} certificates")
    return found


def is_stale(trust_list: TrustList, today: date) -> bool:
    """Issued more than six months before `today` (a list that gives no date is not judged)."""
    if not trust_list.issued:
        return False
    return (today - date.fromisoformat(trust_list.issued)).days > STALE_AFTER_DAYS


def combined_pem(lists: tuple[TrustList, ...], extra_pem: str = "") -> str:
    """All anchors of the lists, then `extra_pem` (`--trust-anchors`), as one PEM text."""
    parts = [trust_list.pem() for trust_list in lists]
    if extra_pem.strip():
        parts.append(extra_pem.strip() + "\n")
    return "".join(parts)


def _from_lote(text: str, name: str, source: str) -> TrustList:
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"trust list {name}: not valid JSON ({exc})") from exc
    lote = doc.get("LoTE") if isinstance(doc, dict) else None
    if not isinstance(lote, dict):
        raise ConfigError(f"trust list {name}: not a List of Trusted Entities (no 'LoTE')")
    info = lote.get("ListAndSchemeInformation")
    info = info if isinstance(info, dict) else {}
    anchors: list[Anchor] = []
    for entity in _list(lote.get("TrustedEntitiesList")):
        entity_name = _first_value(_dict(entity.get("TrustedEntityInformation")).get("TEName"))
        for service in _list(entity.get("TrustedEntityServices")):
            anchors.extend(_service_anchors(_dict(service.get("ServiceInformation")), entity_name))
    return TrustList(
        name,
        source,
        _date(info.get("ListIssueDateTime")),
        _date(info.get("NextUpdate")),
        tuple(anchors),
    )


def _service_anchors(service: dict[str, Any], entity: str) -> list[Anchor]:
    if not str(service.get("ServiceStatus", "")).endswith(TRUSTED_STATUS_SUFFIX):
        return []
    label = " / ".join(p for p in (entity, _first_value(service.get("ServiceName"))) if p)
    identity = _dict(service.get("ServiceDigitalIdentity"))
    found = []
    for cert in _list(identity.get("X509Certificates")):
        der = _base64(str(cert.get("val", "")))
        if der:
            found.append(_anchor(label, der))
    return found


def _pem_anchors(text: str) -> list[Anchor]:
    found = []
    for i, block in enumerate(_PEM_BLOCK.finditer(text)):
        der = _base64(block.group("body"))
        if der:
            found.append(_anchor(block.group("subject") or f"certificate #{i + 1}", der))
    return found


def _anchor(name: str, der: bytes) -> Anchor:
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode("ascii"), 64))
    pem = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"
    return Anchor(name.strip()[:300], hashlib.sha256(der).hexdigest(), pem)


def _base64(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return b""


def _date(value: object) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return ""


def _first_value(items: object) -> str:
    for item in _list(items):
        if isinstance(item.get("value"), str):
            return str(item["value"])
    return ""


def _list(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
