"""An IMF package in the delivery -> its assets, packing-list hashes and compositions.

A folder holding an ASSETMAP is a package. In a worker process (`package_task`), the map is
read, then every packing list it marks and every XML document it names (each opened beneath
the package folder, `package_files`): a composition playlist becomes a ParsedTimeline whose
clips name their track files by UUID. A packing list's SHA-1 is checked in the same read that
parses or hashes a file here; MXF track files are assets the scan analyses anyway, so their
SHA-1 comes from the analysis' own read (`scanner.engine.analyse`) and is compared in the
scanning process (`scanner.timeline.cut`). A track file this package's map does not hold is
left for the other packages of the delivery (a supplemental package names its original's).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import open_readonly
from scanner.timeline.imf_xml import (
    SHA1,
    SHA256,
    ListedAsset,
    MapEntry,
    is_composition,
    read_assetmap,
    read_composition,
    read_packing_list,
)
from scanner.timeline.model import ParsedTimeline
from scanner.timeline.otio_clips import TimelineProblem
from scanner.timeline.package_files import (
    digests,
    open_beneath,
    read_bounded,
    safe_relative,
    stream_digests,
)

MAX_XML_BYTES = 16 * 1024 * 1024
ASSETMAP_NAMES = ("assetmap.xml", "assetmap")
HASHES = {SHA1: "sha1", SHA256: "sha256"}


@dataclass(frozen=True)
class PackageAsset:
    """One asset of a package: where the map puts it (delivery-relative), what its packing
    list says, and the digests of its bytes when this read hashed them."""

    uuid: str
    path: str = ""  # "" when the map has no usable path for it
    listed: ListedAsset | None = None
    sha1: str = ""  # base64, of the bytes read here
    sha256: str = ""
    size: int = -1


@dataclass(frozen=True)
class PackageRead:
    folder: str  # the package folder, delivery-relative ("" at the root)
    assetmap: str
    packing_lists: tuple[str, ...] = ()
    assets: tuple[PackageAsset, ...] = ()
    compositions: tuple[ParsedTimeline, ...] = ()
    problems: tuple[str, ...] = ()


def is_assetmap(rel: str) -> bool:
    return posixpath.basename(rel).lower() in ASSETMAP_NAMES


def is_track_file(path: str) -> bool:
    """An MXF the scan analyses as an asset: its hashes come from the analysis."""
    return path.lower().endswith(".mxf")


def package_task(media: MediaFile, _options: object) -> PackageRead:
    """What a worker does with one ASSETMAP (module level: sent by reference)."""
    folder_rel = posixpath.dirname(media.rel)
    base = PackageRead(folder=folder_rel, assetmap=media.rel)
    try:
        with open_readonly(media.path) as handle:
            entries = read_assetmap(read_bounded(handle, MAX_XML_BYTES))
    except (OSError, ValueError, TimelineProblem) as exc:
        return PackageRead(folder_rel, media.rel, problems=(f"{media.rel}: {exc}",))
    return _read_package(base, Path(media.path).parent, entries)


def package_failed(media: MediaFile, message: str) -> PackageRead:
    """A package whose reading exceeded a bound or crashed its worker."""
    return PackageRead(
        posixpath.dirname(media.rel), media.rel, problems=(f"{media.rel}: {message}",)
    )


def _in_delivery(folder_rel: str, path: str) -> str:
    return f"{folder_rel}/{path}" if folder_rel else path


def _read_package(base: PackageRead, folder: Path, entries: list[MapEntry]) -> PackageRead:
    problems: list[str] = []
    paths: dict[str, str] = {}  # uuid -> path under the folder
    for entry in entries:
        safe = safe_relative(entry.path)
        if safe is None:
            problems.append(
                f"{base.assetmap}: asset {entry.uuid} has the path {entry.path[:200]!r}, which "
                "leaves the package folder or is no plain relative path: not opened"
            )
            continue
        paths[entry.uuid] = safe
    listed: dict[str, ListedAsset] = {}
    packing_lists = []
    for entry in entries:
        if entry.packing_list and entry.uuid in paths:
            rel = _in_delivery(base.folder, paths[entry.uuid])
            packing_lists.append(rel)
            try:
                with open_beneath(folder, paths[entry.uuid]) as handle:
                    assets = read_packing_list(read_bounded(handle, MAX_XML_BYTES))
            except (OSError, ValueError, TimelineProblem) as exc:
                problems.append(f"{rel}: {_why(exc)}")
                continue
            for entry_listed in assets:
                listed.setdefault(entry_listed.uuid, entry_listed)
    if not packing_lists:
        problems.append(f"{base.assetmap}: names no packing list: nothing in it can be checked")
    names = {uuid: posixpath.basename(path) for uuid, path in paths.items()}
    found: list[PackageAsset] = []
    compositions: list[ParsedTimeline] = []
    pkl_ids = {e.uuid for e in entries if e.packing_list}
    for uuid, path in paths.items():
        if uuid in pkl_ids:
            continue
        rel = _in_delivery(base.folder, path)
        asset = PackageAsset(uuid, rel, listed.get(uuid))
        if asset.listed is None:
            problems.append(f"{rel}: in the ASSETMAP but in no packing list: its hash is unknown")
        if not is_track_file(path):
            asset, composition = _read_document(folder, path, asset, names, base.folder, problems)
            if composition is not None:
                compositions.append(composition)
        found.append(asset)
    for uuid in sorted(listed.keys() - paths.keys()):
        problems.append(
            f"packing list asset {uuid} ({listed[uuid].name[:200]}) is not in the ASSETMAP"
        )
        found.append(PackageAsset(uuid, "", listed[uuid]))
    return PackageRead(
        folder=base.folder,
        assetmap=base.assetmap,
        packing_lists=tuple(packing_lists),
        assets=tuple(found),
        compositions=tuple(compositions),
        problems=tuple(problems),
    )


def _read_document(
    folder: Path,
    path: str,
    asset: PackageAsset,
    names: dict[str, str],
    package: str,
    problems: list[str],
) -> tuple[PackageAsset, ParsedTimeline | None]:
    """Hash a file that is not a track file; parse it when it is a composition (same read)."""
    rel = asset.path
    try:
        with open_beneath(folder, path) as handle:
            if not path.lower().endswith(".xml"):
                sha1, sha256, size = stream_digests(handle)
                return PackageAsset(asset.uuid, rel, asset.listed, sha1, sha256, size), None
            data = read_bounded(handle, MAX_XML_BYTES)
    except (OSError, ValueError) as exc:
        problems.append(f"{rel}: {_why(exc)}")
        return asset, None
    sha1, sha256 = digests(data)
    hashed = PackageAsset(asset.uuid, rel, asset.listed, sha1, sha256, len(data))
    if not is_composition(data):
        return hashed, None
    try:
        cpl = read_composition(data, names)
    except TimelineProblem as exc:
        problems.append(f"{rel}: {exc}")
        return hashed, None
    timeline = ParsedTimeline(
        source=rel,
        kind="imf-cpl",
        name=cpl.title or posixpath.basename(rel),
        rate=cpl.rate,
        rate_from="file",
        drop_frame=cpl.drop_frame,
        start=cpl.start,
        clips=cpl.clips,
        notes=(),
        problems=tuple(f"{rel}: {p}" for p in cpl.problems),
        origin="delivery",
        package=package,
        title=cpl.title,
        issuer=cpl.issuer,
        creator=cpl.creator,
        content_kind=cpl.content_kind,
    )
    return hashed, timeline


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"cannot be read: {exc.strerror or exc}"
    return str(exc)
