"""The delivery's own checksum manifests, read bounded: ASC MHL histories and legacy MHL files.

An ASC MHL history is a folder `ascmhl/` holding one manifest per generation
(`NNNN_<root>_<date>_<time>Z.mhl`, `<hashlist version="2.0" xmlns="urn:ASC:MHL:v2.0">`) and
`ascmhl_chain.xml`, which lists each generation with the C4 id of its file. A legacy MHL file
(`*.mhl`, `<hashlist version="1.x">`, no namespace) lists files under its own folder. Both are
parsed here with defusedxml (no DTD, no entities), streamed, within bounds: never with ascmhl's
own loader, which walks the whole delivery again and stops at the first inconsistency. Nothing
is written: ascmhl's CLI would add a generation into the delivery.

What a manifest says is the vendor's word: it decides nothing by itself. The walk attaches its
hashes to the files it lists (`scanner.discover.checksums`) and the analysis checks the bytes
against them. A manifest that cannot be read whole (over a bound, malformed) says so in its
problems and is not used to call files "not in the manifest"; what it did list is checked.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import xml.etree.ElementTree as ET  # noqa: S405 - the types only; parsing is defusedxml's
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from defusedxml import ElementTree as SafeET

from scanner.discover.safe_open import open_readonly

MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # one manifest file: about 200,000 files listed
MAX_DEPTH = 16  # elements nested (an MHL needs 5)
MAX_CHILDREN = 256  # parts of one element (a hash: its path and a few hashes)
MAX_GENERATIONS = 1_000  # generation files in one history
MAX_PROBLEMS = 50  # listed per manifest; the rest counted
MAX_LISTED_FILES = 500_000  # per manifest (about 250 bytes held each while the walk runs)
CREATOR_CHARS = 500
HISTORY_FOLDER = "ascmhl"
CHAIN_FILE = "ascmhl_chain.xml"
V2 = "{urn:ASC:MHL:v2.0}"
CHAIN_NS = "{urn:ASC:MHL:DIRECTORY:v2.0}"
# The ignore patterns ascmhl always writes; a history's own may add to them.
DEFAULT_IGNORE = (".DS_Store", "ascmhl", "ascmhl/")

C4_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_HEX_LENGTHS = {"md5": 32, "sha1": 40, "xxh32": 8, "xxh64": 16, "xxh3": 16, "xxh128": 32}
ALGORITHMS = (*_HEX_LENGTHS, "c4")
_HEX = re.compile(r"^[0-9a-f]+$")
_C4 = re.compile(r"^c4[1-9A-HJ-NP-Za-km-z]{88}$")


def c4_id(sha512_digest: bytes) -> str:
    """The C4 id of a file from its SHA-512 digest (SMPTE ST 2114: base58, 90 characters)."""
    value = int.from_bytes(sha512_digest, "big")
    text = ""
    while value:
        value, digit = divmod(value, 58)
        text = C4_ALPHABET[digit] + text
    return "c4" + text.rjust(88, "1")


class ManifestLimit(Exception):
    """A manifest is over one of the bounds above."""


@dataclass
class Manifest:
    """One history or legacy file: the hashes it lists, by folder under its root."""

    path: str  # delivery-relative: the history folder or the .mhl file
    kind: str  # ascmhl | mhl
    generations: int = 0
    creator: str = ""
    # folder under the root ("" for the root itself, "/"-joined, NFC) -> name -> [(alg, value)]
    entries: dict[str, dict[str, list[tuple[str, str]]]] = field(default_factory=dict)
    ignore: list[str] = field(default_factory=lambda: list(DEFAULT_IGNORE))
    problems: list[str] = field(default_factory=list)
    complete: bool = True  # read whole: it may say a file is not in it
    files: int = 0

    def problem(self, text: str, *, incomplete: bool = False) -> None:
        if incomplete:
            self.complete = False
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append("… more problems not listed")

    def add(self, parts: list[str], algorithm: str, value: str, where: str) -> None:
        folder, name = "/".join(parts[:-1]), parts[-1]
        path = "/".join(parts)
        seen = self.entries.get(folder, {}).get(name)
        if seen is None and self.files >= MAX_LISTED_FILES:
            if self.complete:
                self.problem(f"lists more than {MAX_LISTED_FILES:,} files: the rest not read",
                             incomplete=True)  # fmt: skip
            return
        hashes = self.entries.setdefault(folder, {}).setdefault(name, [])
        if not hashes:
            self.files += 1
        for known, old in hashes:
            if known == algorithm:
                if old != value:
                    self.problem(f"{where}: {path[:200]} listed with two {algorithm} values")
                return
        hashes.append((algorithm, value))


def _clean_path(path: str) -> list[str] | None:
    parts = unicodedata.normalize("NFC", path).split("/")
    if path.startswith("/") or "\\" in path or "\x00" in path:
        return None
    if any(p in ("", ".", "..") for p in parts):
        return None
    return parts


def normalised(algorithm: str, value: str, legacy: bool) -> tuple[str, str] | None:
    """(canonical algorithm, canonical value) of a listed hash; None when it is not one."""
    value = value.strip()
    if legacy:
        if algorithm == "xxhash64be":
            algorithm = "xxh64"
        elif algorithm == "xxhash64":  # written little-endian by pomfort's mhl tool
            if not _HEX.match(value.lower()) or len(value) != 16:
                return None
            algorithm, value = "xxh64", bytes.fromhex(value)[::-1].hex()
        elif algorithm == "xxhash":  # XXH32 as a decimal number
            if not value.isdigit() or len(value) > 10 or int(value) >= 1 << 32:
                return None
            algorithm, value = "xxh32", f"{int(value):08x}"
    if algorithm == "c4":
        return (algorithm, value) if _C4.match(value) else None
    value = value.lower()
    if _HEX_LENGTHS.get(algorithm) != len(value) or not _HEX.match(value):
        return None
    return algorithm, value


class _Bounded:
    """A file read through a byte bound, its SHA-512 computed on the way (for its C4 id)."""

    def __init__(self, handle: BinaryIO, sha512: hashlib._Hash) -> None:
        self._handle = handle
        self.read_bytes = 0
        self.sha512 = sha512

    def read(self, size: int = -1) -> bytes:
        size = 1 << 16 if size is None or size < 0 else min(size, 1 << 20)
        allowed = MAX_MANIFEST_BYTES - self.read_bytes
        if allowed <= 0:  # at the bound: parsed up to it; anything more is over it
            if self._handle.read(1):
                raise ManifestLimit(f"over {MAX_MANIFEST_BYTES:,} bytes")
            return b""
        data = self._handle.read(min(size, allowed))
        self.read_bytes += len(data)
        self.sha512.update(data)
        return data


def _events(path: Path, sha512: hashlib._Hash) -> Iterator[tuple[str, ET.Element]]:
    """Every element of an XML file as it starts and ends, read bounded (ManifestLimit,
    OSError, and ET.ParseError or defusedxml's errors for bad XML); `sha512` sees every byte."""
    with open_readonly(path) as handle:
        source = _Bounded(handle, sha512)
        yield from SafeET.iterparse(source, events=("start", "end"), forbid_dtd=True)


def read_history(folder: Path, rel: str) -> Manifest:
    """An `ascmhl/` folder: every generation, checked against the chain, merged oldest first."""
    manifest = Manifest(path=rel, kind="ascmhl")
    chain = _read_chain(folder / CHAIN_FILE, manifest)
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".mhl"))
    except OSError as exc:
        manifest.problem(f"cannot list the history: {exc.strerror or exc}", incomplete=True)
        return manifest
    if len(names) > MAX_GENERATIONS:
        manifest.problem(f"more than {MAX_GENERATIONS} generations: not read", incomplete=True)
        return manifest
    for name in names:
        c4 = _read_generation(folder / name, name, manifest)
        listed = chain.pop(name, None)
        if c4 and chain is not _NO_CHAIN and listed is None:
            manifest.problem(f"{name}: not in {CHAIN_FILE}")
        elif c4 and listed is not None and listed != c4:
            manifest.problem(f"{name}: changed after it was written (its C4 id is not the one "
                             f"{CHAIN_FILE} records)")  # fmt: skip
    if chain is not _NO_CHAIN:
        for missing in sorted(chain):
            manifest.problem(f"{missing}: in {CHAIN_FILE} but not in the history", incomplete=True)
    return manifest


def read_legacy(path: Path, rel: str) -> Manifest:
    """A legacy MHL file (version 1.x), which lists files under its own folder."""
    manifest = Manifest(path=rel, kind="mhl", ignore=[])
    _read_generation(path, path.name, manifest)
    return manifest


_NO_CHAIN: dict[str, str] = {}


def _read_chain(path: Path, manifest: Manifest) -> dict[str, str]:
    """Generation file name -> the C4 id the chain records for it."""
    chain: dict[str, str] = {}
    try:
        for event, element in _events(path, hashlib.sha512()):
            if event == "end" and element.tag == f"{CHAIN_NS}hashlist":
                name, c4 = element.findtext(f"{CHAIN_NS}path"), element.findtext(f"{CHAIN_NS}c4")
                if name and c4:
                    chain[name.strip()] = c4.strip()
                element.clear()
    except FileNotFoundError:
        manifest.problem(f"no {CHAIN_FILE}: the generations cannot be checked against it")
        return _NO_CHAIN
    except (OSError, ManifestLimit, ET.ParseError, ValueError) as exc:
        manifest.problem(f"{CHAIN_FILE}: {_why(exc)}")
        return _NO_CHAIN
    return chain


def _read_generation(path: Path, name: str, manifest: Manifest) -> str:
    """Merge one manifest file (ASC MHL v2, or legacy v1: told by its root element's namespace)
    into `manifest`; its C4 id ("" when it could not be read whole)."""
    ns, legacy, read_ok = "", True, False
    sha512 = hashlib.sha512()
    open_elements: list[ET.Element] = []
    try:
        for event, element in _events(path, sha512):
            if event == "start":
                if element.tag == f"{V2}hashlist":
                    ns, legacy = V2, False
                open_elements.append(element)
                if len(open_elements) > MAX_DEPTH:
                    raise ManifestLimit(f"elements nested more than {MAX_DEPTH} deep")
                continue
            open_elements.pop()
            kept = (f"{ns}hash", f"{ns}creatorinfo")
            within_kept = any(e.tag in kept for e in open_elements)
            if within_kept and len(open_elements[-1]) > MAX_CHILDREN:  # only these grow
                raise ManifestLimit(f"an element with more than {MAX_CHILDREN} parts")
            tag = element.tag
            if tag == f"{ns}hash":
                _one_hash(element, manifest, name, legacy, ns)
            elif tag == f"{ns}creatorinfo":
                manifest.creator = _creator(element, ns)
            elif tag == f"{ns}pattern" and not legacy:
                pattern = (element.text or "").strip()
                if pattern and pattern not in manifest.ignore and len(manifest.ignore) < 1_000:
                    manifest.ignore.append(pattern)
            elif tag == f"{ns}hashlist":
                read_ok = True
            # Done with it: drop it from its parent (a hash's and the creator's parts are read
            # when their element ends), so the tree never holds more than the open elements.
            if open_elements and not within_kept:
                open_elements[-1].remove(element)
        manifest.generations += 1
    except (OSError, ManifestLimit, ET.ParseError, ValueError) as exc:
        manifest.problem(f"{name}: {_why(exc)}", incomplete=True)
        return ""
    if not read_ok:
        manifest.problem(f"{name}: no <hashlist> in it", incomplete=True)
        return ""
    return c4_id(sha512.digest())


def _one_hash(element: ET.Element, manifest: Manifest, name: str, legacy: bool, ns: str) -> None:
    path = element.findtext(f"{ns}file" if legacy else f"{ns}path")
    if not path:
        manifest.problem(f"{name}: a <hash> without a path")
        return
    path = path.strip()
    parts = _clean_path(path)
    if parts is None:
        manifest.problem(f"{name}: path {path[:200]!r} is not relative to the manifest's folder")
        return
    for child in element:
        tag = child.tag.removeprefix(ns)
        if tag in ("file", "path", "size", "lastmodificationdate", "hashdate"):
            continue
        if not legacy and child.get("action") == "failed":
            manifest.problem(f"{name}: {path[:200]}: a {tag} verification failed in this "
                             "generation")  # fmt: skip
            continue
        found = normalised(tag, child.text or "", legacy)
        if found is None:
            manifest.problem(f"{name}: {path[:200]}: {tag[:40]!r} is not a hash provscan checks")
            continue
        manifest.add(parts, *found, where=name)


def _creator(element: ET.Element, ns: str) -> str:
    fields = []
    for child in element.iter():
        if child is element or child.tag.removeprefix(ns).endswith("date"):
            continue
        text = " ".join((child.text or "").split())
        version = child.get("version")
        if text:
            fields.append(f"{text} {version}" if version else text)
    return "; ".join(fields)[:CREATOR_CHARS]


def _why(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "missing"
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or exc}"
    if isinstance(exc, ManifestLimit):
        return f"not read whole: {exc}"
    return f"not valid XML: {str(exc)[:200]}"
