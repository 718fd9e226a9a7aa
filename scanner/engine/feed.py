"""The walk's items -> the runner's input; the runner's results -> the delivery's assets, in order.

`DeliveryFeed.media()` is what the runner reads: every media file the walk finds (a sequence's
frames for their own pass), with the skipped paths and the checksum manifests' summaries set
aside as they pass. `DeliveryFeed.assets(results)` pairs each result with its media file (the
runner keeps the input's order), checks it against the delivery's checksum manifests, and
hands sequence frames to their SequenceBuilder. When a sequence's last frame is in, the frames
it samples for fingerprints go to the front of the runner's input; the sequence's asset comes
out in its place (where its first frame was) once their results are in, so what comes after it
waits, bounded by the runner's window. Until then, past the walk's end, the input says "nothing
yet" (`NOT_YET`) rather than ending.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterable, Iterator

from scanner.discover.checksums import MANIFEST_FILE
from scanner.discover.exclude import EXCLUDED, OS_FILE
from scanner.discover.media import MediaFile
from scanner.discover.sequences import SequenceEnd, SequenceStart
from scanner.discover.walk import WalkItem
from scanner.engine.checksum_check import check_file
from scanner.engine.runner import NOT_YET, NotYet
from scanner.engine.sequence import SequenceBuilder
from scanner.model import MISSING_FROM_DELIVERY, AssetAnalysis, Skipped
from scanner.model_delivery import ChecksumManifest

# Skipped paths of these kinds are listed up to MAX_LISTED_SKIPPED per folder and kind, then
# counted: a Mac-copied shot holds an AppleDouble file per frame.
COMPACTED = (OS_FILE, EXCLUDED, MANIFEST_FILE, MISSING_FROM_DELIVERY)
MAX_LISTED_SKIPPED = 50


@dataclasses.dataclass
class _Sequence:
    builder: SequenceBuilder
    walked: int | None = None  # frames the walk handed on, once it is done with them
    received: int = 0  # their own passes' results in
    sampled: int | None = None  # frames handed on for fingerprints, once chosen
    samples_in: int = 0
    placed: bool = False  # has its place in the output

    @property
    def done(self) -> bool:
        return self.sampled is not None and self.samples_in == self.sampled


class DeliveryFeed:
    def __init__(self, items: Iterable[WalkItem], *, fingerprints: bool) -> None:
        self._items = iter(items)
        self._fingerprints = fingerprints
        self._skipped: list[Skipped] = []
        self._unlisted: dict[tuple[str, str], int] = {}  # (folder, reason) -> how many
        self._skipped_seen = 0
        self.manifests: list[ChecksumManifest] = []
        self._handed: deque[MediaFile] = deque()  # to the runner, in order, results to come
        self._front: deque[MediaFile] = deque()  # sampled frames, before anything else
        self._sequences: dict[str, _Sequence] = {}
        self._walk_done = False

    def media(self) -> Iterator[MediaFile | NotYet]:
        """The runner's input (see the module docstring)."""
        while True:
            if self._front:
                media = self._front.popleft()
                self._handed.append(media)
                yield media
            elif self._walk_done:
                if not any(s.sampled is None for s in self._sequences.values()):
                    return
                yield NOT_YET
            else:
                item = next(self._items, None)
                if item is None:
                    self._walk_done = True
                elif isinstance(item, MediaFile):
                    self._handed.append(item)
                    yield item
                else:
                    self._aside(item)

    @property
    def skipped(self) -> list[Skipped]:
        """The paths not scanned so far, and one line per folder and kind for those counted."""
        counted = [
            Skipped(
                f"{folder}/…" if folder else "…",
                f"{reason} ({count - MAX_LISTED_SKIPPED:,} more, not listed)",
            )
            for (folder, reason), count in self._unlisted.items()
            if count > MAX_LISTED_SKIPPED
        ]
        return self._skipped + counted

    @property
    def skipped_count(self) -> int:
        """How many paths the walk skipped so far, listed or counted (for progress)."""
        return self._skipped_seen

    def _aside(self, item: WalkItem) -> None:
        if isinstance(item, Skipped):
            self._skip(item)
        elif isinstance(item, ChecksumManifest):
            self.manifests.append(item)
        elif isinstance(item, SequenceStart):
            builder = SequenceBuilder(item, fingerprints=self._fingerprints)
            self._sequences[item.rel] = _Sequence(builder)
        elif isinstance(item, SequenceEnd):
            sequence = self._sequences[item.rel]
            sequence.walked = item.frames
            self._choose_samples(item.rel, sequence)

    def _skip(self, item: Skipped) -> None:
        self._skipped_seen += 1
        if not item.reason.startswith(COMPACTED):
            self._skipped.append(item)
            return
        kind = item.reason.split(":", 1)[0]  # the reason without the file's own detail
        key = (item.path.rpartition("/")[0], kind)
        seen = self._unlisted.get(key, 0) + 1
        self._unlisted[key] = seen
        if seen <= MAX_LISTED_SKIPPED:
            self._skipped.append(item)

    def assets(self, results: Iterable[AssetAnalysis]) -> Iterator[AssetAnalysis]:
        """Each asset's analysis, in walk order: files as they are, sequences assembled."""
        waiting: deque[AssetAnalysis | _Sequence] = deque()
        for analysis in results:
            media = self._handed.popleft()
            if media.frame is None:
                check = check_file(media, analysis)
                if check is not None:
                    analysis = dataclasses.replace(analysis, checksums=check)
                waiting.append(analysis)
            else:
                sequence = self._sequences[media.frame.sequence]
                if media.frame.sampled:
                    sequence.builder.add_sample(media, analysis)
                    sequence.samples_in += 1
                else:
                    if not sequence.placed:
                        waiting.append(sequence)
                        sequence.placed = True
                    sequence.builder.add_frame(media, analysis)
                    sequence.received += 1
                    self._choose_samples(media.frame.sequence, sequence)
            while waiting:
                head = waiting[0]
                if isinstance(head, AssetAnalysis):
                    waiting.popleft()
                    yield head
                elif head.done:
                    waiting.popleft()
                    del self._sequences[head.builder.start.rel]
                    yield head.builder.result()
                else:
                    break
        if waiting:
            raise RuntimeError("results ended before every sequence was assembled")

    def _choose_samples(self, rel: str, sequence: _Sequence) -> None:
        if sequence.sampled is not None or sequence.walked != sequence.received:
            return
        if sequence.walked == 0:
            del self._sequences[rel]  # every frame was skipped: no asset
            return
        samples = sequence.builder.samples()
        sequence.sampled = len(samples)
        self._front.extend(samples)
