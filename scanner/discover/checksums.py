"""The checksum manifests covering the folders the walk is in: which hashes each file gets.

The walk calls `enter` on every folder it lists (reading the manifests that live there: an
`ascmhl/` history, legacy `*.mhl` files), `listed` for every file it hands to the analysis, and
`leave` when it is done with the folder. A manifest covers its own folder and everything below
it; its entries for a folder are taken when that folder is entered, so what it lists for files
that are not there is known when the folder is left: those files are reported as missing from
the delivery (`MISSING_FROM_DELIVERY`), and the manifest's summary (`ChecksumManifest`) is
yielded when its own folder is left. Folders the walk does not enter (excluded, links not
followed, unreadable) take their entries with them as unchecked, never as missing.

Names are compared after Unicode NFC normalisation (macOS writes decomposed names).
"""

from __future__ import annotations

import fnmatch
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scanner.discover.media import Listed, ListedHash
from scanner.discover.mhl import CHAIN_FILE, HISTORY_FOLDER, Manifest, read_history, read_legacy
from scanner.discover.names import display_name
from scanner.model import MISSING_FROM_DELIVERY, Skipped
from scanner.model_delivery import ChecksumManifest

MAX_LEGACY_PER_FOLDER = 100
MANIFEST_FILE = "checksum manifest (ASC MHL): read for the checksum check, not media"


def is_manifest_name(name: str, in_history: bool) -> bool:
    """A name a checksum manifest file has (its bytes still have to be not media)."""
    return name.lower().endswith(".mhl") or (in_history and name == CHAIN_FILE)


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name)


@dataclass
class _Active:
    manifest: Manifest
    depth: int  # parts of the folder it covers
    root: str  # that folder, delivery-relative
    checked: int = 0
    missing: int = 0
    unchecked: int = 0


@dataclass
class _Here:
    """One folder being walked: per real file name, what each covering manifest lists."""

    listed: dict[str, list[ListedHash]] = field(default_factory=dict)


class ChecksumScope:
    def __init__(self) -> None:
        self._active: list[_Active] = []
        self._stack: list[_Here] = []

    def enter(
        self, folder: Path, parts: tuple[str, ...], rel: str, names: list[str], folders: set[str]
    ) -> Iterator[Skipped]:
        """A folder listed by the walk: read its manifests, take what they list for it, and
        yield the files they list that it does not hold."""
        in_history = bool(parts) and parts[-1] == HISTORY_FOLDER
        if HISTORY_FOLDER in folders:
            where = f"{rel}/{HISTORY_FOLDER}" if rel else HISTORY_FOLDER
            self._add(read_history(folder / HISTORY_FOLDER, where), parts, rel)
        if not in_history:
            legacy = sorted(n for n in names if n not in folders and n.lower().endswith(".mhl"))
            for name in legacy[:MAX_LEGACY_PER_FOLDER]:
                self._add(read_legacy(folder / name, f"{rel}/{name}" if rel else name), parts, rel)
            if len(legacy) > MAX_LEGACY_PER_FOLDER:
                self._add(_not_read(legacy[MAX_LEGACY_PER_FOLDER:], rel), parts, rel)
        here = _Here()
        self._stack.append(here)
        present = {_key(n): n for n in names}
        for active in self._active:
            entries = active.manifest.entries.pop(_folder_key(parts, active.depth), {})
            for key, hashes in entries.items():
                real = present.get(key)
                if real is None:
                    active.missing += 1
                    path = f"{rel}/{key}" if rel else key
                    yield Skipped(path, f"{MISSING_FROM_DELIVERY}: {active.manifest.path} lists it")
                elif real in folders:
                    active.unchecked += 1  # listed as a file, found as a folder
                else:
                    listed = here.listed.setdefault(real, [])
                    listed.extend(ListedHash(active.manifest.path, a, v) for a, v in hashes)

    def listed(self, parts: tuple[str, ...], name: str) -> Listed | None:
        """What the manifests covering the current folder say of file `name` in it (None when
        none covers it). Call it once per file handed to the analysis."""
        if not self._active or not self._stack:
            return None
        hashes = tuple(self._stack[-1].listed.pop(name, ()))
        covering = []
        for active in self._active:
            if any(h.manifest == active.manifest.path for h in hashes):
                active.checked += 1
                covering.append(active.manifest.path)
            elif active.manifest.complete and not _ignored(active, parts, name):
                covering.append(active.manifest.path)
        return Listed(tuple(covering), hashes) if covering else None

    def skip(self, parts: tuple[str, ...]) -> None:
        """A folder the walk does not enter: what the manifests list under it is unchecked."""
        for active in self._active:
            prefix = _folder_key(parts, active.depth)
            under = [
                k for k in active.manifest.entries if k == prefix or k.startswith(prefix + "/")
            ]
            for key in under:
                active.unchecked += len(active.manifest.entries.pop(key))

    def leave(self, parts: tuple[str, ...]) -> Iterator[Skipped | ChecksumManifest]:
        """Done with a folder: its files the manifests listed but the walk did not hand on are
        unchecked; a manifest of this folder reports what it listed under folders not there."""
        here = self._stack.pop() if self._stack else _Here()
        for hashes in here.listed.values():
            for active in self._active:
                if any(h.manifest == active.manifest.path for h in hashes):
                    active.unchecked += 1
        while self._active and self._active[-1].depth == len(parts):
            active = self._active.pop()
            for folder, entries in sorted(active.manifest.entries.items()):
                for key in sorted(entries):
                    active.missing += 1
                    path = "/".join(p for p in (active.root, folder, key) if p)
                    yield Skipped(path, f"{MISSING_FROM_DELIVERY}: {active.manifest.path} lists it")
            yield _summary(active)

    def _add(self, manifest: Manifest, parts: tuple[str, ...], rel: str) -> None:
        self._active.append(_Active(manifest, len(parts), rel))


def _not_read(names: list[str], rel: str) -> Manifest:
    """The folder's legacy manifests past the bound: listed with the problem, never silent."""
    first = display_name(names[0])
    manifest = Manifest(path=f"{rel}/{first}" if rel else first, kind="mhl", ignore=[])
    manifest.problem(
        f"not read: {len(names):,} .mhl files of this folder past the first "
        f"{MAX_LEGACY_PER_FOLDER} (from {first}): the hashes they list were not checked",
        incomplete=True,
    )
    return manifest


def _folder_key(parts: tuple[str, ...], depth: int) -> str:
    return "/".join(_key(display_name(p)) for p in parts[depth:])


def _ignored(active: _Active, parts: tuple[str, ...], name: str) -> bool:
    """The manifest's own ignore patterns (gitignore-like, on names and folder names)."""
    names = [display_name(p) for p in parts[active.depth :]] + [display_name(name)]
    for pattern in active.manifest.ignore:
        if pattern.endswith("/"):
            if any(fnmatch.fnmatchcase(n, pattern[:-1]) for n in names[:-1]):
                return True
        elif "/" in pattern:
            if fnmatch.fnmatchcase("/".join(names), pattern.lstrip("/")):
                return True
        elif any(fnmatch.fnmatchcase(n, pattern) for n in names):
            return True
    return False


def _summary(active: _Active) -> ChecksumManifest:
    manifest = active.manifest
    return ChecksumManifest(
        path=manifest.path,
        kind=manifest.kind,
        root=active.root,
        generations=manifest.generations,
        creator=manifest.creator,
        files=manifest.files,
        missing=active.missing,
        unchecked=active.unchecked,
        problems=tuple(manifest.problems),
    )
