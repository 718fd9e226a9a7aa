"""The delivery tree -> media files to analyse, and the paths we did not scan (with why).

Order: exactly the order of the `rel` strings the report shows (Python string order), so the
scan can analyse and report files as the walk finds them, without collecting and sorting the
whole delivery. Depth first; within a folder, entries sort by their displayed name with "/"
appended for folders, so a folder's contents come right where "name/" sorts: `a-b.jpg`,
`a.b/x.jpg`, `a/x.jpg` ("-" < "." < "/"). A link followed with `follow_links` sorts as what it
resolves to. Equal displayed names (a literal `\\x80` and an undecodable byte) keep the order of
the real names. Only the names of the folders being walked are held, never the whole tree.

Policy (each choice is on purpose):
- Type comes from the bytes (`scanner.discover.sniff`), never from the extension. Only when
  the bytes say nothing does the extension matter: a file that is empty, or matches no known
  signature, but is *named* like media (`shot010.exr`, `trailer.mov`) is yielded as an asset
  of format UNKNOWN so the analysis turns it into an error finding; any other such file is
  skipped as "not media".
- A file we cannot open (permissions, vanished, name too long) is yielded too, as format
  UNKNOWN: "never lose an asset". The analysis reports why it could not be read.
- Symlinks are listed as skipped unless `follow_links`; when followed they must resolve
  inside the delivery (never outside). A linked folder is scanned under the link's name
  too (its path decides policy), but never when it contains the link (a loop, found by device
  and inode) and at most once through links (the first link in report order), so links
  cannot multiply the work.
- FIFOs, sockets and device files are skipped after `lstat`, never opened.
- A folder we cannot list is skipped with a reason starting "unreadable folder": its
  contents are unknown, and the scan should not pass silently (see the report's skipped list).
- Names that are not valid UTF-8: `rel` shows each undecodable byte as `\\xNN` (so it is
  JSON-safe and says exactly which byte it was); `path` keeps the real name for opening.
  A literal backslash is left as is, so in theory `a\\x80` (text) and `a<0x80>` (byte) look
  alike in reports; both are still scanned.
- C2PA sidecars (`NAME.EXT.c2pa`, or `NAME.c2pa` beside a single `NAME.<ext>`: the rules are
  in `scanner.discover.sidecars`) are bound to their asset from the folder's names: the asset
  carries the sidecar's path (its analysis reads it), and the sidecar itself is listed as
  skipped, naming its asset, rather than as "not media". A file whose bytes are no known type
  but which has a sidecar is an asset (format FILE, kind document): its credentials are read.
  A sidecar bound to no asset is sniffed like any file (a manifest store is an asset).
- Nothing is written and files are opened read-only, without following a final symlink and
  without blocking (a file swapped for a FIFO after `lstat` cannot hang the scan).
"""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size, open_readonly
from scanner.discover.sidecars import Pairing, pair_sidecars
from scanner.discover.sniff import DOCUMENTS, HEAD_BYTES, UNKNOWN_FORMAT, UNKNOWN_MEDIA_TYPE, sniff
from scanner.model import UNREADABLE_FOLDER, Skipped

# Extensions that make an empty or unrecognised file an asset (an error finding) rather than
# a skipped non-media file. Lower case, without the dot.
MEDIA_EXTENSIONS = frozenset(
    {
        "jpg", "jpeg", "jpe", "jfif", "png", "apng", "tif", "tiff", "dng", "webp", "heic", "heif",
        "hif", "avif", "gif", "jxl", "bmp", "psd", "psb", "exr", "dpx", "cin", "jp2", "j2k", "j2c",
        "jpx", "cr2", "cr3", "nef", "arw", "orf", "rw2", "raf", "mp4", "m4v", "m4a", "m4b", "mov",
        "qt", "3gp", "3g2", "avi", "wav", "bwf", "rf64", "mp3", "aac", "flac", "ogg", "oga", "ogv",
        "opus", "aif", "aiff", "aifc", "mkv", "mka", "webm", "mxf", "mts", "m2ts", "ts", "mpg",
        "mpeg", "vob", "wmv", "wma", "asf", "r3d", "braw", "ari",
    }
)  # fmt: skip

SKIP_SYMLINK = "symlink, not followed"
SKIP_LINK_OUTSIDE = "symlink points outside the delivery, not followed"
SKIP_LINK_BROKEN = "broken symlink"
SKIP_LINK_LOOP = "symlink loop: points at a folder that contains it"
SKIP_LINK_AGAIN = "symlink to a folder already scanned through another symlink"
SKIP_NOT_MEDIA = "not media"
SKIP_EMPTY = "empty file, not media"
SKIP_SPECIAL = "special file (FIFO, socket or device), not opened"
SKIP_SIDECAR = "C2PA sidecar of"  # + " <asset>: read with it, reported on it"


KnownHook = Callable[[Path, str, os.stat_result], "MediaFile | None"]


def walk(
    root: Path, *, follow_links: bool = False, known: KnownHook | None = None
) -> Iterator[MediaFile | Skipped]:
    """Every file under `root`: a MediaFile to analyse or a Skipped with the reason, in the
    order of their `rel` (MediaFile.rel, Skipped.path).

    `known(path, rel, stat)` may return the MediaFile of a file whose type is already known
    (the incremental cache), so its first bytes are not read to sniff it.
    """
    return _walk(root, follow_links, known, count_only=False)


def count_items(root: Path, *, follow_links: bool = False) -> int:
    """How many items `walk` will yield for this tree (if it does not change meanwhile), found
    without reading or stat'ing files: one listing per folder (for a progress total)."""
    return sum(1 for _ in _walk(root, follow_links, None, count_only=True))


def list_paths(root: Path, *, follow_links: bool = False) -> Iterator[str]:
    """The `rel` of every file `walk` would reach, from folder listings alone (no file is
    opened, sniffed or stat'ed): for timelines to find assets by name before the scan."""
    for item in _walk(root, follow_links, None, count_only=True):
        if isinstance(item, Skipped) and item.reason == COUNTED and item.path:
            yield item.path


def _walk(
    root: Path, follow_links: bool, known: KnownHook | None, *, count_only: bool
) -> Iterator[MediaFile | Skipped]:
    root = Path(os.path.abspath(root))
    real_root = Path(os.path.realpath(root))
    try:
        top = os.stat(root)
    except OSError as exc:
        yield Skipped(".", f"{UNREADABLE_FOLDER}: {_why(exc)}; contents not scanned")
        return
    walker = _Walker(real_root, follow_links, known, count_only)
    yield from walker.folder(root, (), ((top.st_dev, top.st_ino),))


COUNTED = "counted, not walked"  # the reason count_items' walk gives each file


class _Walker:
    def __init__(
        self, real_root: Path, follow_links: bool, known: KnownHook | None, count_only: bool
    ) -> None:
        self.real_root = real_root
        self.follow_links = follow_links
        self.known = known
        self.count_only = count_only
        # Folders entered through a link, each at most once: a linked folder is scanned under
        # the link's name too (its path decides policy), but links cannot multiply the work.
        self.linked: set[tuple[int, int]] = set()

    def folder(
        self, folder: Path, parts: tuple[str, ...], ancestors: tuple[tuple[int, int], ...]
    ) -> Iterator[MediaFile | Skipped]:
        try:
            names, folders = _list_folder(folder, self.follow_links)
        except OSError as exc:
            where = _rel(parts) or "."
            yield Skipped(where, f"{UNREADABLE_FOLDER}: {_why(exc)}; contents not scanned")
            return
        names.sort(key=lambda name: _order_key(name, name in folders))
        pairing = Pairing() if self.count_only else pair_sidecars(names, folders)
        for name in names:
            if self.count_only and name not in folders:
                yield Skipped(
                    _rel((*parts, name)), COUNTED
                )  # one item, whatever it turns out to be
                continue
            yield from self.entry(folder / name, (*parts, name), ancestors, pairing)

    def entry(
        self,
        path: Path,
        rel_parts: tuple[str, ...],
        ancestors: tuple[tuple[int, int], ...],
        pairing: Pairing | None = None,
    ) -> Iterator[MediaFile | Skipped]:
        rel = _rel(rel_parts)
        listed = path
        try:
            info = _lstat(path)
        except OSError as exc:
            yield _unknown(path, rel, 0, exc)
            return
        via_link = stat.S_ISLNK(info.st_mode)
        if via_link:
            if not self.follow_links:
                yield Skipped(rel, SKIP_SYMLINK)
                return
            target, reason = _resolve_inside(path, self.real_root)
            if target is None:
                yield Skipped(rel, reason)
                return
            try:
                info = os.stat(target)
            except OSError as exc:
                yield _unknown(target, rel, 0, exc)
                return
            path = target
        if stat.S_ISDIR(info.st_mode):
            key = (info.st_dev, info.st_ino)
            if key in ancestors:
                yield Skipped(rel, SKIP_LINK_LOOP)
                return
            if via_link:
                if key in self.linked:
                    yield Skipped(rel, SKIP_LINK_AGAIN)
                    return
                self.linked.add(key)
            yield from self.folder(path, rel_parts, (*ancestors, key))
        elif stat.S_ISREG(info.st_mode) and self.count_only:
            yield Skipped(rel, COUNTED)  # listed as a folder, now a file: count it, do not read it
        elif stat.S_ISREG(info.st_mode):
            name = rel_parts[-1]
            if pairing is not None and name in pairing.asset_of:
                asset = display_name(pairing.asset_of[name])
                yield Skipped(rel, f"{SKIP_SIDECAR} {asset}: read with it, reported on it")
                return
            cached = self.known(path, rel, info) if self.known else None
            media = cached or _media_file(path, rel, info.st_size)
            sidecar = pairing.sidecar_of.get(name) if pairing is not None else None
            yield (
                _with_sidecar(media, path, rel, listed.parent / sidecar, rel_parts)
                if sidecar
                else media
            )
        else:
            yield Skipped(rel, SKIP_SPECIAL)


# Paths longer than PATH_MAX cannot be listed or stat'ed by name: reach them one folder at a
# time through directory fds, so a deep file is still listed (as an asset the analysis reports
# as unreadable, "File name too long") instead of its top folder standing in for it.
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


def _open_folder_deep(folder: Path) -> int:
    fd = os.open(folder.anchor or "/", _DIR_FLAGS)
    try:
        for part in folder.parts[1:]:
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
    except OSError:
        os.close(fd)
        raise
    return fd


def _list_folder(folder: Path, follow_links: bool) -> tuple[list[str], set[str]]:
    """The folder's entry names, and which of them are folders for the order (links that
    `follow_links` would follow: by their target). From the listing's file types; only links
    are stat'ed."""
    fd = _open_folder(folder)
    try:
        names: list[str] = []
        folders: set[str] = set()
        with os.scandir(fd) as entries:
            for entry in entries:
                names.append(entry.name)
                if _sorts_as_folder(entry, follow_links):
                    folders.add(entry.name)
        return names, folders
    finally:
        os.close(fd)


def _sorts_as_folder(entry: os.DirEntry[str], follow_links: bool) -> bool:
    try:
        if entry.is_symlink():
            return follow_links and entry.is_dir(follow_symlinks=True)
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False  # the walk reports it (an unreadable asset) where a file would be


def _order_key(name: str, is_folder: bool) -> tuple[str, str]:
    shown = display_name(name)
    return (shown + "/" if is_folder else shown), name


def _open_folder(folder: Path) -> int:
    try:
        return os.open(folder, _DIR_FLAGS)
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
    return _open_folder_deep(folder)


def _lstat(path: Path) -> os.stat_result:
    try:
        return os.lstat(path)
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
    fd = _open_folder_deep(path.parent)
    try:
        return os.stat(path.name, dir_fd=fd, follow_symlinks=False)
    finally:
        os.close(fd)


def _resolve_inside(link: Path, real_root: Path) -> tuple[Path | None, str]:
    """The link's final target when it exists and lies inside the delivery."""
    try:
        target = Path(os.path.realpath(link, strict=True))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "symlink loop"
        return None, SKIP_LINK_BROKEN
    if target != real_root and real_root not in target.parents:
        return None, SKIP_LINK_OUTSIDE
    return target, ""


def _media_file(path: Path, rel: str, size: int) -> MediaFile | Skipped:
    try:
        head, size = read_head(path)
    except OSError as exc:
        return _unknown(path, rel, size, exc)
    found = sniff(head)
    if found is not None:
        return MediaFile(path, rel, found.media_type, found.format, found.kind, size)
    if _named_like_media(path.name):
        return MediaFile(path, rel, UNKNOWN_MEDIA_TYPE, UNKNOWN_FORMAT, "other", size)
    return Skipped(rel, SKIP_EMPTY if size == 0 else SKIP_NOT_MEDIA)


def _with_sidecar(
    media: MediaFile | Skipped, path: Path, rel: str, sidecar: Path, rel_parts: tuple[str, ...]
) -> MediaFile:
    """The asset with its sidecar; a file no type was found for becomes a FILE document, since
    what carries a manifest is an asset."""
    if isinstance(media, Skipped):
        found = DOCUMENTS["FILE"]
        media = MediaFile(path, rel, found.media_type, found.format, found.kind, _size_of(path))
    sidecar_rel = _rel((*rel_parts[:-1], sidecar.name))
    return dataclasses.replace(media, sidecar=str(sidecar), sidecar_rel=sidecar_rel)


def _size_of(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def read_head(path: Path, limit: int = HEAD_BYTES) -> tuple[bytes, int]:
    """The first `limit` bytes of a regular file and its size (read-only, non-blocking open)."""
    with open_readonly(path) as handle:
        return handle.read(limit), file_size(handle)


def _unknown(path: Path, rel: str, size: int, exc: OSError) -> MediaFile:
    # Not a Skipped: a file that exists but cannot be read must end up as an error finding.
    del exc  # the analysis re-opens the file and reports the actual error
    return MediaFile(path, rel, UNKNOWN_MEDIA_TYPE, UNKNOWN_FORMAT, "other", size)


def _named_like_media(name: str) -> bool:
    _, dot, ext = name.rpartition(".")
    return bool(dot) and ext.lower() in MEDIA_EXTENSIONS


def _rel(parts: tuple[str, ...]) -> str:
    return "/".join(display_name(p) for p in parts)


def display_name(name: str) -> str:
    """A file name as JSON-safe text: undecodable bytes (surrogate escapes) become `\\xNN`."""
    if name.isascii():
        return name
    out = []
    for ch in name:
        code = ord(ch)
        out.append(f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else ch)
    return "".join(out)


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def walk_one(
    root: Path, file: Path, *, follow_links: bool = False, known: KnownHook | None = None
) -> Iterator[MediaFile | Skipped]:
    """One file of the delivery under `root`, as `walk` would yield it (`provscan scan FILE`):
    its `rel` is its path from `root`, and a symlink, a special file or a non-media file is
    skipped for the same reasons. ValueError when `file` is not under `root`."""
    root = Path(os.path.abspath(root))
    path = Path(os.path.abspath(file))  # not resolved: a link given as FILE is still a link
    parts = path.relative_to(root).parts
    if not parts:
        raise ValueError(f"{file} is the delivery folder itself, not a file in it")
    real_root = Path(os.path.realpath(root))
    # The folders on the way are held to the walk's rule too: one that is a link is not
    # entered unless followed, and never when it leads out of the delivery.
    folder = root
    for depth, part in enumerate(parts[:-1], 1):
        folder = folder / part
        try:
            is_link = stat.S_ISLNK(_lstat(folder).st_mode)
        except OSError:
            break  # the file's own lstat below reports what is wrong
        if not is_link:
            continue
        reason = SKIP_SYMLINK
        if follow_links:
            target, reason = _resolve_inside(folder, real_root)
            if target is not None:
                continue
        yield Skipped(_rel(parts), f"its folder {_rel(parts[:depth])}/: {reason}")
        return
    walker = _Walker(real_root, follow_links, known, count_only=False)
    yield from walker.entry(path, parts, ())
