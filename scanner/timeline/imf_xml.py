"""IMF XML documents -> values: ASSETMAP, packing list (PKL), composition playlist (CPL).

ASSETMAP (ST 429-9), packing list (ST 429-8, ST 2067-2) and composition playlist (ST 2067-3),
parsed with defusedxml, no DTD allowed (IMF needs none).

Elements are matched by local name: the namespaces change with each edition of each standard
(2067-3/2013 and /2016 CPLs, 2067-2/2013, /2016 and /2020 core constraints for the sequences,
429-8 and 2067-2 packing lists) and a reader that waits for one year misses the others. All
arithmetic is on `Fraction`s: a resource's length in composition edit units is SourceDuration
x RepeatCount x composition rate / resource rate, and must come out whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException

from scanner.timeline.model import Clip
from scanner.timeline.otio_clips import MAX_HOURS, TimelineProblem
from scanner.timeline.timecode import TimecodeError, normalise_rate, timecode_frames

MAX_ITEMS = 100_000  # assets in a map or packing list, resources in a composition
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


@dataclass(frozen=True)
class MapEntry:
    uuid: str
    path: str  # as written: relative to the ASSETMAP's folder
    packing_list: bool


@dataclass(frozen=True)
class ListedAsset:
    """One asset of a packing list: the hash and size it was packaged with."""

    uuid: str
    hash: str  # base64, as written
    size: int
    type: str
    algorithm: str
    name: str = ""


@dataclass(frozen=True)
class Composition:
    """A CPL's header and its resources as clips (media = ("urn:uuid:<track file>",))."""

    uuid: str
    title: str
    issuer: str
    creator: str
    content_kind: str
    rate: Fraction
    start: int
    drop_frame: bool
    clips: tuple[Clip, ...]
    problems: tuple[str, ...]


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def child(element: Element, name: str) -> Element | None:
    return next((c for c in element if local(c.tag) == name), None)


def text(element: Element, name: str, default: str = "") -> str:
    found = child(element, name)
    return (found.text or "").strip() if found is not None and found.text else default


def uuid_of(value: str) -> str:
    value = value.strip().lower()
    return value[len("urn:uuid:") :] if value.startswith("urn:uuid:") else value


def parse(data: bytes, what: str) -> Element:
    try:
        return DefusedET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise TimelineProblem(f"{what}: refused: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - expat's ParseError and friends
        raise TimelineProblem(
            f"{what}: not readable XML: {exc}", getattr(exc, "position", (0,))[0]
        ) from exc


def read_assetmap(data: bytes) -> list[MapEntry]:
    root = parse(data, "ASSETMAP")
    if local(root.tag) != "AssetMap":
        raise TimelineProblem(f"ASSETMAP: root is <{local(root.tag)[:40]}>, not <AssetMap>")
    entries = []
    for asset in _items(root, "AssetList", "Asset"):
        chunks = child(asset, "ChunkList")
        paths = [text(c, "Path") for c in chunks if local(c.tag) == "Chunk"] if chunks else []
        entries.append(
            MapEntry(
                uuid=uuid_of(text(asset, "Id")),
                path=paths[0] if paths else "",
                packing_list=text(asset, "PackingList").lower() == "true",
            )
        )
    return entries


def read_packing_list(data: bytes) -> list[ListedAsset]:
    root = parse(data, "packing list")
    if local(root.tag) != "PackingList":
        raise TimelineProblem(f"packing list: root is <{local(root.tag)[:40]}>")
    assets = []
    for asset in _items(root, "AssetList", "Asset"):
        algorithm = child(asset, "HashAlgorithm")
        try:
            size = int(text(asset, "Size", "-1"))
        except ValueError:
            size = -1
        assets.append(
            ListedAsset(
                uuid=uuid_of(text(asset, "Id")),
                hash=text(asset, "Hash"),
                size=size,
                type=text(asset, "Type"),
                algorithm=algorithm.get("Algorithm", SHA1) if algorithm is not None else SHA1,
                name=text(asset, "OriginalFileName"),
            )
        )
    return assets


def _items(root: Element, list_name: str, item_name: str) -> list[Element]:
    found = child(root, list_name)
    items = [e for e in found if local(e.tag) == item_name] if found is not None else []
    if len(items) > MAX_ITEMS:
        raise TimelineProblem(f"more than {MAX_ITEMS} <{item_name}> entries")
    return items


def _rate(value: str, what: str) -> Fraction:
    try:
        numerator, denominator = (int(v) for v in value.split())
        return Fraction(numerator, denominator)
    except (ValueError, ZeroDivisionError) as exc:
        raise TimelineProblem(f"{what}: edit rate {value[:40]!r} is not 'N D'") from exc


def is_composition(data: bytes) -> bool:
    return b"CompositionPlaylist" in data[:4096]


def read_composition(data: bytes, names: dict[str, str]) -> Composition:
    """A CPL; `names`: track file UUID -> its name in the package (clip names)."""
    root = parse(data, "composition")
    if local(root.tag) != "CompositionPlaylist":
        raise TimelineProblem(f"composition: root is <{local(root.tag)[:40]}>")
    rate = _rate(text(root, "EditRate"), "composition")
    try:
        rate = normalise_rate(rate)
    except TimecodeError as exc:
        raise TimelineProblem(f"composition: {exc}") from exc
    start, drop_frame = _start(root, rate)
    clips: list[Clip] = []
    problems: list[str] = []
    position = 0
    segments = child(root, "SegmentList")
    for s_index, segment in enumerate(segments if segments is not None else (), 1):
        longest = 0
        sequences = child(segment, "SequenceList")
        for sequence in sequences if sequences is not None else ():
            kind = local(sequence.tag).removeprefix("Main").removesuffix("Sequence") or "Sequence"
            resources = child(sequence, "ResourceList")
            at = position
            for r_index, resource in enumerate(resources if resources is not None else (), 1):
                if len(clips) >= MAX_ITEMS:
                    raise TimelineProblem(f"more than {MAX_ITEMS} resources")
                where = f"segment {s_index} {local(sequence.tag)} resource {r_index}"
                try:
                    clip, length = _resource(
                        resource, rate, kind, f"{s_index}.{r_index}", at, names
                    )
                except TimelineProblem as exc:
                    problems.append(f"{where}: {exc}")
                    continue
                if clip is not None:
                    clips.append(clip)
                at += length
            longest = max(longest, at - position)
        position += longest
    return Composition(
        uuid=uuid_of(text(root, "Id")),
        title=text(root, "ContentTitle"),
        issuer=text(root, "Issuer"),
        creator=text(root, "Creator"),
        content_kind=text(root, "ContentKind"),
        rate=rate,
        start=start,
        drop_frame=drop_frame,
        clips=tuple(sorted(clips, key=lambda c: (c.track != "Image", c.track, c.record_in))),
        problems=tuple(problems),
    )


def _start(root: Element, rate: Fraction) -> tuple[int, bool]:
    code = child(root, "CompositionTimecode")
    if code is None:
        return 0, False
    drop_frame = text(code, "TimecodeDropFrame").lower() in ("true", "1")
    address = text(code, "TimecodeStartAddress", "00:00:00:00")
    if drop_frame:
        address = address[:8] + ";" + address[9:]
    try:
        return timecode_frames(address, rate), drop_frame
    except TimecodeError as exc:
        raise TimelineProblem(f"composition timecode: {exc}") from exc


def _resource(
    resource: Element, rate: Fraction, kind: str, event: str, at: int, names: dict[str, str]
) -> tuple[Clip | None, int]:
    """One resource -> (its clip, or None when it plays no track file; its length in
    composition edit units)."""
    own = text(resource, "EditRate")
    resource_rate = _rate(own, "resource") if own else rate
    try:
        intrinsic = int(text(resource, "IntrinsicDuration"))
        entry = int(text(resource, "EntryPoint", "0"))
        duration = int(text(resource, "SourceDuration", str(intrinsic - entry)))
        repeat = int(text(resource, "RepeatCount", "1"))
    except ValueError as exc:
        raise TimelineProblem(f"not a whole number: {exc}") from exc
    if duration <= 0 or repeat <= 0 or entry < 0 or entry + duration > intrinsic:
        raise TimelineProblem(
            f"EntryPoint {entry} + SourceDuration {duration} (x{repeat}) does not fit in "
            f"IntrinsicDuration {intrinsic}"
        )
    units = Fraction(duration * repeat) * rate / resource_rate
    if units.denominator != 1:
        raise TimelineProblem(
            f"lasts {float(units):.3f} composition edit units, not a whole number"
        )
    length = int(units)
    if at + length > MAX_HOURS * 3600 * rate:
        raise TimelineProblem(f"ends past {MAX_HOURS} hours")
    track_file = uuid_of(text(resource, "TrackFileId"))
    if not track_file:
        return None, length
    notes = (f"repeated {repeat} times",) if repeat > 1 else ()
    try:
        source_rate = normalise_rate(resource_rate)
    except TimecodeError:  # audio samples (48000/1): counted in composition edit units instead
        source_rate = rate
        entry, duration = (
            round(entry * rate / resource_rate),
            round(duration * rate / resource_rate),
        )
    return Clip(
        event=event,
        track=kind,
        name=names.get(track_file, "") or text(resource, "Annotation"),
        record_in=at,
        record_out=at + length,
        source_rate=source_rate,
        source_in=entry,
        source_out=entry + duration,
        media=(f"urn:uuid:{track_file}",),
        media_start=0,
        notes=notes,
    ), length
