"""A clip -> the delivery's assets it plays, and how that was decided.

Precedence, first match wins (the report records which step matched, `how`):

1. `path`: a media path or URL relative to the delivery. A relative reference is taken from
   the delivery's root; an absolute one (the editor's `S:\\plates\\sh010.exr`,
   `file:///Volumes/...`) matches the asset whose path is the longest tail of it, at least a
   folder and a name long. A relative reference that climbs out of the delivery (`../x`) is
   refused: the timeline is wrong, and provscan opens nothing a timeline names anyway.
2. `file-name`: the reference's file name, or a clip name that is a file name (Premiere's EDL
   names the file in the clip name), exactly, else ignoring case.
3. `clip-name`, then `reel`: the clip's name, then its reel or tape name, against asset file
   names without their extension (case ignored).
4. `sequence`: a frame-sequence pattern (`name.%04d.exr`, `name.####.exr`,
   `name.[1001-1100].exr`, or a file name ending in a frame number) against the delivery's
   sequences: the frames the clip plays, counted from its first frame; of several folders
   holding such a sequence (versions: `v001/`, `v002/`), the ones whose path ends as the
   reference's folder does, else all of them.
5. `package`: an IMF track file, by UUID through the ASSETMAPs of the delivery's packages.

A match on one frame of a sequence (steps 1-2: a file named like a frame, `name.0001.exr`, as
EDLs name sequences) grows to the frames the clip plays. Several
assets at one step (two files of the same name) all count: the cut holds whichever it is.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from scanner.timeline.assets import AssetIndex, SequenceKey, frame_file, numbered_frame
from scanner.timeline.model import Clip
from scanner.timeline.otio_clips import TimelineProblem

HOW = ("path", "file-name", "clip-name", "reel", "sequence", "package")
_PATTERN = re.compile(
    r"(?P<prefix>.*?)(?:%0?(?P<pad>\d*)d|(?P<hashes>#+)|@+|\[(?P<first>\d+)-(?P<last>\d+)\])"
    r"(?P<suffix>\.[A-Za-z0-9]{1,8})"
)
_HAS_EXTENSION = re.compile(r".+\.[A-Za-z0-9]{2,5}")


@dataclass(frozen=True)
class Resolution:
    assets: tuple[str, ...] = ()
    how: str = ""  # one of HOW; "" when nothing matched; "generator" for black, bars, titles
    detail: str = ""
    missing: str = ""  # what of the clip's media the delivery lacks (frames of a sequence)


def reference_parts(reference: str) -> tuple[list[str], bool]:
    """A media reference as path parts, and whether it was relative. URLs lose scheme and
    host and are percent-decoded; Windows paths lose the drive; backslashes separate."""
    text = reference.strip()
    relative = True
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]+://", text):
        text = unquote(urlsplit(text).path)
        relative = False
    text = text.replace("\\", "/")
    if re.match(r"/?[A-Za-z]:/", text):  # C:/..., /D:/... (from file://localhost/D%3a/...)
        text = text.split(":", 1)[1]
        relative = False
    if text.startswith("/"):
        relative = False
    return [p for p in text.split("/") if p not in ("", ".")], relative


def resolve(clip: Clip, index: AssetIndex, packages: dict[str, str]) -> Resolution:
    """Where the clip's media is in the delivery (module docstring). TimelineProblem (with
    the clip's line) for a relative reference that climbs out of the delivery."""
    if clip.generator:
        return Resolution(how="generator", detail=f"{clip.generator}: no media to find")
    for reference in clip.media:
        if reference.lower().startswith("urn:uuid:"):
            path = packages.get(reference.lower()[len("urn:uuid:") :])
            if path:
                return Resolution((path,), "package", f"track file {reference[9:]}")
            return Resolution(detail=f"track file {reference[9:]} is in no package of the delivery")
    found = _by_path(clip, index)
    if found:
        return _grown(clip, index, found, "path", "the media path")
    named = [reference_parts(r)[0] for r in clip.media]
    named = [parts for parts in named if parts]
    if _HAS_EXTENSION.fullmatch(clip.name):
        named.append([clip.name])
    for parts in named:
        name = posixpath.basename(parts[-1])
        hits = index.by_name(name)
        if hits:
            return _grown_each(clip, index, hits, parts[:-1], f"file name {name!r}")
    for how, name in (("clip-name", clip.name), ("reel", clip.reel)):
        hits = index.by_stem(name) if name.strip() else []
        if hits:
            return Resolution(tuple(hits), how, f"{how} {name!r}" + _shared(hits))
    return _by_sequence(clip, index) or Resolution(detail=_tried(clip))


def _by_path(clip: Clip, index: AssetIndex) -> tuple[str, ...]:
    for reference in clip.media:
        parts, relative = reference_parts(reference)
        if not parts:
            continue
        if relative:
            if ".." in parts:
                normal = posixpath.normpath("/".join(parts))
                if normal == ".." or normal.startswith("../"):
                    raise TimelineProblem(
                        f"clip {clip.name[:100]!r}: media path {reference[:200]!r} leaves the "
                        "delivery",
                        clip.line,
                    )
                parts = normal.split("/")
            path = "/".join(parts)
            if path in index.paths:
                return (path,)
        for length in range(len(parts), 1, -1):
            tail = "/".join(p for p in parts[-length:] if p != "..")
            if tail in index.paths:
                return (tail,)
    return ()


def _shared(hits: list[str] | tuple[str, ...]) -> str:
    return f" ({len(hits)} assets share it)" if len(hits) > 1 else ""


def _tried(clip: Clip) -> str:
    what = [f"media {m[:200]!r}" for m in clip.media[:3]]
    what += [f"clip name {clip.name[:100]!r}"] if clip.name else []
    what += [f"reel {clip.reel[:100]!r}"] if clip.reel else []
    return "no asset of the delivery matches " + (", ".join(what) or "(no media, name or reel)")


def _grown(
    clip: Clip, index: AssetIndex, found: tuple[str, ...], how: str, what: str
) -> Resolution:
    """A match on one frame of a sequence grows to the frames the clip plays (a file named
    like a frame, `name.0001.exr`: an EDL can only name a sequence by its first frame)."""
    detail = f"{what}{_shared(found)}"
    name = posixpath.basename(found[0]) if found else ""
    if len(found) != 1 or clip.source_out - clip.source_in <= 1 or not numbered_frame(name):
        return Resolution(found, how, detail)
    sequence = index.frames_of(found[0])
    single = frame_file(posixpath.basename(found[0]))
    if sequence is None or single is None:
        return Resolution(found, how, detail)
    key, folder = sequence
    frames = index.sequence(key).get(folder, {})
    first = clip.first_frame if clip.first_frame is not None else single.frame
    return _frames(clip, frames, first, how, detail)


def _grown_each(
    clip: Clip, index: AssetIndex, hits: list[str], folder: list[str], what: str
) -> Resolution:
    """Files of the clip's name in several folders (versions: `v001/`, `v002/`): those in the
    folders its reference ends as, each grown to the frames the clip plays."""
    folders = _closest(sorted({posixpath.dirname(hit) for hit in hits}), folder)
    chosen = tuple(hit for hit in hits if posixpath.dirname(hit) in folders)
    if len(chosen) == 1:
        return _grown(clip, index, chosen, "file-name", what)
    grown = [_grown(clip, index, (hit,), "file-name", what) for hit in chosen]
    return Resolution(
        _unique(path for resolution in grown for path in resolution.assets),
        "file-name",
        what + _shared(chosen),
        "; ".join(r.missing for r in grown if r.missing),
    )


def _by_sequence(clip: Clip, index: AssetIndex) -> Resolution | None:
    for reference in (*clip.media, clip.name):
        parts = reference_parts(reference)[0] if reference else []
        name = parts[-1] if parts else ""
        key, first = _pattern(name)
        if key is None:
            continue
        if clip.first_frame is not None:
            first = clip.first_frame
        held = index.sequence(key)
        if not held:
            continue
        folders = _closest(sorted(held), parts[:-1])
        if first is None:
            first = min(min(held[folder]) for folder in folders)
        shared = f" ({len(folders)} folders hold it)" if len(folders) > 1 else ""
        detail = f"sequence {name!r}{shared}"
        found = [_frames(clip, held[folder], first, "sequence", detail) for folder in folders]
        if len(found) == 1:
            return found[0]
        return Resolution(
            _unique(path for resolution in found for path in resolution.assets),
            "sequence",
            detail,
            "; ".join(r.missing for r in found if r.missing),
        )
    return None


def _closest(folders: list[str], reference: list[str]) -> list[str]:
    """The folders whose path ends the way the reference's folder does (`v002/`, not
    `v001/`), most trailing parts in common first; every folder when none has one in common:
    then the cut holds whichever it is."""

    def common(folder: str) -> int:
        ours = [p.casefold() for p in folder.split("/") if p]
        theirs = [p.casefold() for p in reference]
        count = 0
        while count < min(len(ours), len(theirs)) and ours[-1 - count] == theirs[-1 - count]:
            count += 1
        return count

    scores = {folder: common(folder) for folder in folders}
    best = max(scores.values())
    return [f for f in folders if scores[f] == best] if best else folders


def _pattern(name: str) -> tuple[SequenceKey | None, int | None]:
    """(sequence key, first frame if the name gives one) for a sequence pattern or a file name
    ending in a frame number."""
    match = _PATTERN.fullmatch(name)
    if match is not None:
        first = int(match["first"]) if match["first"] else None
        return (match["prefix"].casefold(), match["suffix"].casefold()), first
    single = frame_file(name)
    if single is not None:
        return single.key, single.frame
    return None, None


def _frames(clip: Clip, frames: dict[int, str], first: int, how: str, detail: str) -> Resolution:
    """The frames [first, first + the clip's source length) found in `frames`; every frame
    of the sequence when none of those numbers exists (frame numbers need not follow the
    source timecode: then the whole sequence counts, never none of it)."""
    count = max(1, clip.source_out - clip.source_in)
    if count <= len(frames):
        wanted = [f for f in range(first, first + count) if f in frames]
    else:
        wanted = sorted(f for f in frames if first <= f < first + count)
    if not wanted:
        every = sorted(frames)
        return Resolution(
            _unique(frames[f] for f in every),
            how,
            f"{detail}: frames {first}-{first + count - 1} are not in the delivery, so all "
            f"{len(every)} frames it holds ({every[0]}-{every[-1]}) count",
        )
    missing = count - len(wanted)
    gap = (
        f"{missing} of {count} frames ({first}-{first + count - 1}) are not in the delivery"
        if missing
        else ""
    )
    return Resolution(
        _unique(frames[f] for f in wanted),
        how,
        f"{detail}: frames {wanted[0]}-{wanted[-1]}",
        gap,
    )


def _unique(paths: Iterable[str]) -> tuple[str, ...]:
    """Each asset once, in frame order: a sequence asset holds many of the frames."""
    return tuple(dict.fromkeys(paths))
