"""The delivery tree -> media files to analyse, and the paths we did not scan (with why).

Order: exactly the order of the `rel` strings the report shows (Python string order), so the
scan can analyse and report files as the walk finds them, without collecting and sorting the
whole delivery. Depth first; within a folder, entries sort by their displayed name with "/"
appended for folders, so a folder's contents come right where "name/" sorts: `a-b.jpg`,
`a.b/x.jpg`, `a/x.jpg` ("-" < "." < "/"). A link followed with `follow_links` sorts as what it
resolves to. Equal displayed names (a literal `\\x80` and an undecodable byte) keep the order of
the real names. Only the names of the folders being walked are held, never the whole tree.
A sequence's frames (`scanner.discover.sequences`) come where the sequence's path sorts.

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
- OS droppings (`scanner.discover.exclude`) whose bytes are not media are skipped as OS
  files; the gatekeeper's exclude globs skip paths (a folder whole, a sequence at once).
- The delivery's checksum manifests are read where they lie (`scanner.discover.checksums`).
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

from scanner.discover.checksums import ChecksumScope
from scanner.discover.exclude import Exclusions
from scanner.discover.identify import (
    identify,
    unknown_file,
    unread_frame,
    with_sidecar,
)
from scanner.discover.known_sequence import (
    FrameStat,
    KnownSequence,
    KnownSequenceHook,
    stat_frames,
)
from scanner.discover.listing import list_folder, lstat_deep
from scanner.discover.media import FrameOf, Listed, MediaFile
from scanner.discover.mhl import HISTORY_FOLDER
from scanner.discover.names import display_name, rel_path
from scanner.discover.sequences import SequenceEnd, SequencePlan, SequenceStart, plan_folder
from scanner.discover.sidecars import Pairing, pair_sidecars
from scanner.model import UNREADABLE_FOLDER, Skipped
from scanner.model_delivery import ChecksumManifest

SKIP_SYMLINK = "symlink, not followed"
SKIP_LINK_OUTSIDE = "symlink points outside the delivery, not followed"
SKIP_LINK_BROKEN = "broken symlink"
SKIP_LINK_LOOP = "symlink loop: points at a folder that contains it"
SKIP_LINK_AGAIN = "symlink to a folder already scanned through another symlink"
SKIP_SPECIAL = "special file (FIFO, socket or device), not opened"
SKIP_SIDECAR = "C2PA sidecar of"  # + " <asset>: read with it, reported on it"


KnownHook = Callable[[Path, str, os.stat_result], "MediaFile | None"]
WalkItem = MediaFile | Skipped | SequenceStart | SequenceEnd | KnownSequence | ChecksumManifest


class NotAsked:
    """The checksum manifests were not asked about a file yet."""


NOT_ASKED = NotAsked()


def walk(
    root: Path,
    *,
    follow_links: bool = False,
    known: KnownHook | None = None,
    sequences: bool = False,
    exclusions: Exclusions | None = None,
    manifests: bool = False,
    known_sequence: KnownSequenceHook | None = None,
) -> Iterator[WalkItem]:
    """Every file under `root`: a MediaFile to analyse or a Skipped with the reason, in the
    order of their `rel` (MediaFile.rel, Skipped.path).

    `known(path, rel, stat)` may return the MediaFile of a file whose type is already known
    (the incremental cache), so its first bytes are not read to sniff it. With `sequences`, a
    folder's frames (`scanner.discover.sequences`) come between a SequenceStart and a
    SequenceEnd, where the sequence's path sorts. `exclusions` leave paths out (as Skipped).
    With `manifests`, the delivery's checksum manifests are read where they lie, each file
    they cover carries what they list (`MediaFile.listed`), files they list that are not there
    come as Skipped (MISSING_FROM_DELIVERY), and each manifest's summary follows its folder.
    `known_sequence` may answer a whole sequence (`scanner.discover.known_sequence`): a
    KnownSequence then comes between its SequenceStart and SequenceEnd, instead of its frames.
    """
    walker = Walker(follow_links, known, False, sequences, exclusions, manifests, known_sequence)
    return walker.walk(root)


def count_items(
    root: Path,
    *,
    follow_links: bool = False,
    sequences: bool = False,
    exclusions: Exclusions | None = None,
) -> int:
    """How many items `walk` will yield for this tree (a sequence counts once; if the tree does
    not change meanwhile), found without reading or stat'ing files: one listing per folder (for
    a progress total)."""
    walker = Walker(follow_links, None, True, sequences, exclusions, False)
    return sum(1 for _ in walker.walk(root))


def list_paths(
    root: Path,
    *,
    follow_links: bool = False,
    sequences: bool = False,
    exclusions: Exclusions | None = None,
) -> Iterator[tuple[str, tuple[int, ...] | None]]:
    """The path of every asset `walk` would reach (a sequence's as `name.[1001-1048].exr`,
    with the frame numbers it holds; None for a file), from folder listings alone (no file is
    opened, sniffed or stat'ed): for timelines to find assets by name before the scan."""
    walker = Walker(follow_links, None, True, sequences, exclusions, False)
    for item in walker.walk(root):
        if isinstance(item, Skipped) and item.reason == COUNTED and item.path:
            yield item.path, walker.counted_frames.pop(item.path, None)


COUNTED = "counted, not walked"  # the reason count_items' walk gives each file


class Walker:
    """One walk of a delivery (see the module's policy); `walk_one` reuses its `entry`."""

    def __init__(
        self,
        follow_links: bool,
        known: KnownHook | None,
        count_only: bool,
        sequences: bool,
        exclusions: Exclusions | None,
        manifests: bool,
        known_sequence: KnownSequenceHook | None = None,
    ) -> None:
        self.follow_links = follow_links
        self.known = known
        self.known_sequence = known_sequence
        self.count_only = count_only
        self.sequences = sequences
        self.exclusions = exclusions or Exclusions()
        self.checksums = ChecksumScope() if manifests else None
        self.real_root = Path()
        # Folders entered through a link, each at most once: a linked folder is scanned under
        # the link's name too (its path decides policy), but links cannot multiply the work.
        self.linked: set[tuple[int, int]] = set()
        self.counted_frames: dict[str, tuple[int, ...]] = {}  # count_only: a sequence's frames

    def walk(self, root: Path) -> Iterator[WalkItem]:
        root = Path(os.path.abspath(root))
        self.real_root = Path(os.path.realpath(root))
        try:
            top = os.stat(root)
        except OSError as exc:
            yield Skipped(".", f"{UNREADABLE_FOLDER}: {_why(exc)}; contents not scanned")
            return
        yield from self.folder(root, (), ((top.st_dev, top.st_ino),))

    def folder(
        self, folder: Path, parts: tuple[str, ...], ancestors: tuple[tuple[int, int], ...]
    ) -> Iterator[WalkItem]:
        rel = rel_path(parts)
        try:
            names, folders = list_folder(folder, self.follow_links)
        except OSError as exc:
            self._not_entered(parts)
            yield Skipped(rel or ".", f"{UNREADABLE_FOLDER}: {_why(exc)}; contents not scanned")
            return
        if self.checksums is not None:
            yield from self.checksums.enter(folder, parts, rel, names, folders)

        def excluded(name: str, is_folder: bool) -> str:
            if not self.exclusions:
                return ""
            return self.exclusions.reason(rel_path((*parts, name)), folder=is_folder)

        pairing = Pairing() if self.count_only else pair_sidecars(names, folders)
        for entry in plan_folder(names, folders, excluded, sequences=self.sequences):
            if entry.sequence is not None:
                shown = display_name(entry.sequence.pattern_name())
                where = f"{rel}/{shown}" if rel else shown
                if entry.skipped:
                    yield Skipped(where, entry.skipped)
                elif self.count_only:
                    self.counted_frames[where] = entry.sequence.numbers
                    yield Skipped(where, COUNTED)  # one item, however many frames
                else:
                    yield from self.sequence(
                        folder, parts, where, entry.sequence, ancestors, pairing
                    )
            elif entry.skipped:
                if entry.name in folders:
                    self._not_entered((*parts, entry.name))
                yield Skipped(rel_path((*parts, entry.name)), entry.skipped)
            elif self.count_only and entry.name not in folders:
                yield Skipped(rel_path((*parts, entry.name)), COUNTED)  # one item, whatever it is
            else:
                path, name_parts = folder / entry.name, (*parts, entry.name)
                yield from self.entry(path, name_parts, ancestors, pairing)
        if self.checksums is not None:
            yield from self.checksums.leave(parts)

    def sequence(
        self,
        folder: Path,
        parts: tuple[str, ...],
        where: str,
        plan: SequencePlan,
        ancestors: tuple[tuple[int, int], ...],
        pairing: Pairing,
    ) -> Iterator[WalkItem]:
        start = SequenceStart(
            where, rel_path(parts), display_name(plan.head), display_name(plan.tail), plan.padding,
            plan.numbers,
        )  # fmt: skip
        yield start
        frames: tuple[FrameStat, ...] | None = None
        # A frame read with a C2PA sidecar depends on two files: such a sequence is never
        # answered whole from the cache (nor kept whole: only what was asked about is kept).
        sidecars = any(name in pairing.sidecar_of for name in plan.names)
        if self.known_sequence is not None and not sidecars:  # whole from the cache, if kept
            checksums = self.checksums
            frames = stat_frames(
                folder, plan.names, lambda n: checksums.listed(parts, n) if checksums else None
            )
            known = self.known_sequence(start, frames) if all(f.plain for f in frames) else None
            if known is not None:
                yield KnownSequence(where, known)
                yield SequenceEnd(where, len(frames))
                return
        handed = 0
        for index, (number, name) in enumerate(zip(plan.numbers, plan.names, strict=True)):
            asked = frames[index].listed if frames is not None else NOT_ASKED
            path = folder / name
            rel_parts = (*parts, name)
            for item in self.entry(path, rel_parts, ancestors, pairing, asked, frame=True):
                if isinstance(item, MediaFile):
                    item = dataclasses.replace(item, frame=FrameOf(where, number))
                    handed += 1
                yield item
        yield SequenceEnd(where, handed)

    def entry(
        self,
        path: Path,
        rel_parts: tuple[str, ...],
        ancestors: tuple[tuple[int, int], ...],
        pairing: Pairing | None = None,
        manifest_listed: Listed | None | NotAsked = NOT_ASKED,
        frame: bool = False,
    ) -> Iterator[WalkItem]:
        """`manifest_listed`: what the manifests list for the file, when already asked (they
        are asked once per file). A sequence `frame` is not read here (`unread_frame`)."""
        rel = rel_path(rel_parts)
        listed = path
        try:
            info = lstat_deep(path)
        except OSError as exc:
            yield self._listed(unknown_file(path, rel, 0, exc), rel_parts, manifest_listed)
            return
        via_link = stat.S_ISLNK(info.st_mode)
        if via_link:
            if not self.follow_links:
                self._not_entered(rel_parts)
                yield Skipped(rel, SKIP_SYMLINK)
                return
            target, reason = resolve_inside(path, self.real_root)
            if target is None:
                self._not_entered(rel_parts)
                yield Skipped(rel, reason)
                return
            try:
                info = os.stat(target)
            except OSError as exc:
                yield self._listed(unknown_file(target, rel, 0, exc), rel_parts, manifest_listed)
                return
            path = target
        if stat.S_ISDIR(info.st_mode):
            key = (info.st_dev, info.st_ino)
            if key in ancestors:
                self._not_entered(rel_parts)
                yield Skipped(rel, SKIP_LINK_LOOP)
                return
            if via_link:
                if key in self.linked:
                    self._not_entered(rel_parts)
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
            if frame:  # typed by its analysis, from the bytes it reads (UNREAD_FORMAT)
                found: MediaFile | Skipped = unread_frame(path, rel, info.st_size)
            else:
                cached = self.known(path, rel, info) if self.known else None
                found = cached or identify(path, rel, info.st_size, in_history(rel_parts))
            sidecar = pairing.sidecar_of.get(name) if pairing is not None else None
            if sidecar:
                found = with_sidecar(found, path, rel, listed.parent / sidecar, rel_parts)
            if isinstance(found, MediaFile):
                found = self._listed(found, rel_parts, manifest_listed)
            yield found
        else:
            yield Skipped(rel, SKIP_SPECIAL)

    def _listed(
        self,
        media: MediaFile,
        rel_parts: tuple[str, ...],
        listed: Listed | None | NotAsked = NOT_ASKED,
    ) -> MediaFile:
        """The media file with what the checksum manifests covering it list for it."""
        if isinstance(listed, NotAsked):
            if self.checksums is None:
                return media
            listed = self.checksums.listed(rel_parts[:-1], rel_parts[-1])
        return dataclasses.replace(media, listed=listed) if listed is not None else media

    def _not_entered(self, rel_parts: tuple[str, ...]) -> None:
        if self.checksums is not None:
            self.checksums.skip(rel_parts)


def in_history(rel_parts: tuple[str, ...]) -> bool:
    return len(rel_parts) >= 2 and rel_parts[-2] == HISTORY_FOLDER


def resolve_inside(link: Path, real_root: Path) -> tuple[Path | None, str]:
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


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
