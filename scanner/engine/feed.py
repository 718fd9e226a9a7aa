"""The walk's items -> the runner's input; the runner's results -> the delivery's assets, in order.

`DeliveryFeed.media()` is what the runner reads: every media file the walk finds (a sequence's
frames for their own pass), with the skipped paths and the checksum manifests' summaries set
aside as they pass. `DeliveryFeed.assets(results)` pairs each result with its media file (the
runner keeps the input's order), checks it against the delivery's checksum manifests, and
hands sequence frames to their SequenceBuilder (a frame sampled at a fixed position is marked
to be fingerprinted in its own pass). When a sequence's last frame is in, the frames it samples
for a change of picture go to the front of the runner's input; the sequence's asset comes out
in its place (where its first frame was) once their results are in, so what comes after it
waits, bounded by the runner's window. Until then, past the walk's end, the input says "nothing
yet" (`NOT_YET`) rather than ending. A sequence the cache answered whole (`KnownSequence`, see
`scanner.engine.sequence_cache`) comes out in its place without reaching the runner, and a
sequence assembled here is offered to that cache.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import deque
from collections.abc import Iterable, Iterator

from scanner.discover.checksums import MANIFEST_FILE
from scanner.discover.exclude import EXCLUDED, OS_FILE
from scanner.discover.known_sequence import KnownSequence
from scanner.discover.media import MediaFile
from scanner.discover.sequences import SequenceEnd, SequenceStart
from scanner.discover.walk import WalkItem
from scanner.engine.checksum_check import check_file
from scanner.engine.runner import NOT_YET, NotYet
from scanner.engine.sequence import SequenceBuilder, planned
from scanner.engine.sequence_cache import SequenceCache
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


@dataclasses.dataclass(frozen=True)
class _Ready:
    """An analysis that needs no runner (a sequence the cache answered), in its place."""

    analysis: AssetAnalysis


class DeliveryFeed:
    def __init__(
        self,
        items: Iterable[WalkItem],
        *,
        fingerprints: bool,
        sequence_cache: SequenceCache | None = None,
    ) -> None:
        self._items = iter(items)
        self._fingerprints = fingerprints
        self._sequence_cache = sequence_cache
        self._skipped: list[Skipped] = []
        self._unlisted: dict[tuple[str, str], int] = {}  # (folder, reason) -> how many
        self._skipped_seen = 0
        self.manifests: list[ChecksumManifest] = []
        # to the runner (results to come) or ready, in walk order
        self._handed: deque[MediaFile | _Ready] = deque()
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
                    item = self._planned(item)
                    self._handed.append(item)
                    yield item
                else:
                    self._aside(item)

    def _planned(self, media: MediaFile) -> MediaFile:
        """A frame sampled at a fixed position is fingerprinted in its own pass."""
        frame = media.frame
        sequence = self._sequences.get(frame.sequence) if frame is not None else None
        if frame is None or sequence is None or not self._fingerprints:
            return media
        numbers = sequence.builder.start.numbers
        if not planned(bisect.bisect_left(numbers, frame.number), len(numbers)):
            return media
        return dataclasses.replace(media, frame=dataclasses.replace(frame, fingerprint=True))

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
        elif isinstance(item, KnownSequence):
            del self._sequences[item.rel]
            self._handed.append(_Ready(item.analysis))
        elif isinstance(item, SequenceEnd):
            sequence = self._sequences.get(item.rel)
            if sequence is not None:  # None: the cache answered it
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
            self._take_ready(waiting)
            media = self._handed.popleft()
            assert isinstance(media, MediaFile), "a result for an analysis that needs none"
            if media.frame is None:
                check = check_file(media, analysis)
                if check is not None:
                    analysis = dataclasses.replace(analysis, checksums=check)
                waiting.append(analysis)
            else:
                self._frame_in(media, analysis, waiting)
            yield from self._ready_ones(waiting)
        self._take_ready(waiting)
        yield from self._ready_ones(waiting)
        if waiting or self._handed:
            raise RuntimeError("results ended before every sequence was assembled")

    def _take_ready(self, waiting: deque[AssetAnalysis | _Sequence]) -> None:
        while self._handed and isinstance(self._handed[0], _Ready):
            ready = self._handed.popleft()
            assert isinstance(ready, _Ready)
            waiting.append(ready.analysis)

    def _frame_in(
        self, media: MediaFile, analysis: AssetAnalysis, waiting: deque[AssetAnalysis | _Sequence]
    ) -> None:
        assert media.frame is not None
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

    def _ready_ones(self, waiting: deque[AssetAnalysis | _Sequence]) -> Iterator[AssetAnalysis]:
        while waiting:
            head = waiting[0]
            if isinstance(head, AssetAnalysis):
                waiting.popleft()
                yield head
            elif head.done:
                waiting.popleft()
                del self._sequences[head.builder.start.rel]
                assembled = head.builder.result()
                if self._sequence_cache is not None:
                    self._sequence_cache.store(assembled)
                yield assembled
            else:
                break

    def _choose_samples(self, rel: str, sequence: _Sequence) -> None:
        if sequence.sampled is not None or sequence.walked != sequence.received:
            return
        if sequence.walked == 0:
            del self._sequences[rel]  # every frame was skipped: no asset
            return
        samples = sequence.builder.samples()
        sequence.sampled = len(samples)
        self._front.extend(samples)
