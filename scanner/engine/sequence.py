"""A frame sequence's analysis, assembled from its frames' analyses as they arrive, in order.

Every frame is analysed as a file of its own, in the workers, cached per frame (so a
re-delivered shot with one changed frame re-reads that frame): its own pass reads every
provenance source, hashes it (sha256 and any hash a checksum manifest lists) and takes a
coarse byte profile. The frames sampled at fixed positions, known before any is read (the
first, the last and one every `stride` frames: SAMPLE_EVERY, or more in a sequence so long
that it would give more than MAX_PLANNED), are fingerprinted in that same pass
(`FrameOf.fingerprint`, chosen by the feed with `planned`), so each is read once. When all
frames are in, the frames where the picture changes are chosen too (`samples`): a frame
whose byte profile differs from the previous frame's by more than CHANGE_FACTOR times the
median of the last CHANGE_WINDOW such differences (and at least PROFILE_CHANGE; uncompressed
frames: the profile follows the picture, so a frame cut in stands out; compressed frames: the
profile is noise, and the median rises with it), or whose size differs by more than
SIZE_CHANGE (compressed frames: the size follows the picture); at most MAX_SAMPLED in all,
and the last frame if its own pass did not fingerprint it (the last listed was skipped).
Those are analysed again as files of their own, with fingerprints (the same analysis, and
cache entry, a file gets with `--no-sequences`), and their hashes must equal the first
pass's. Each fingerprint carries its frame number and a timecode from the first frame.

Only what a sequence needs is kept while its frames arrive: per frame its number, size and
sha256; the rest is merged (`scanner.engine.sequence_merge`). An AI signal in any frame
flags the sequence and names the frame (`FrameSequence.ai_frames`): `ai` is `generated` when
every frame is, `composite` when some are (AI frames cut into the shot). A frame that cannot
be read, or was not read whole, makes the sequence unreadable or not-inspected, naming it.
Credentials are as good as the weakest frame's. The sequence's sha256 is the sha256 of what
`sha256sum` prints for its frames in frame order (`<sha256>  <file name>` lines).
"""

from __future__ import annotations

import dataclasses
import hashlib
import statistics
from collections import deque

from scanner.common.manifest_ids import manifest_ids
from scanner.discover.media import MediaFile
from scanner.discover.sequences import SequenceStart, gaps
from scanner.discover.sniff import UNKNOWN_FORMAT, UNREAD_FORMAT
from scanner.engine.checksum_check import ChecksumTally
from scanner.engine.digests import PROFILE, profile_distance
from scanner.engine.report_caps import cap_for_report
from scanner.engine.sequence_merge import FrameSet, Merged
from scanner.model import Assessment, AssetAnalysis, C2paReport, FrameHash, Problem
from scanner.model_delivery import FrameManifests, FrameRange, FrameSequence, SequenceFrame
from scanner.rules.signals import signal_sort_key

# Frames: one every 5 seconds at 24 fps. Each costs a picture decode (40-60 ms for a 2K EXR):
# every 24th frame (881 of the 20,000-frame studio benchmark) made its cold scan 55.4 s, every
# 120th (240) 39.0 s (docs/performance.md). Cut-ins are found by the picture-change sampling,
# not by the stride.
SAMPLE_EVERY = 120
MAX_PLANNED = 500  # frames sampled at fixed positions, per sequence (about)
MAX_SAMPLED = 1_000  # frames fingerprinted per sequence
PROFILE_CHANGE = 6.0  # mean difference of the band means (of 255), at least
CHANGE_FACTOR = 4.0  # times the sequence's usual frame-to-frame difference
CHANGE_WINDOW = 32  # frames the usual difference is taken over
SIZE_CHANGE = 0.2  # relative difference of the file sizes
MAX_CHANGES_LISTED = 1_000
FRAME_RATE = 24.0  # for the timecodes of sampled frames
AI_MEANINGS = ("ai-generated", "ai-composite", "ai-possible")
UNTYPED = (UNKNOWN_FORMAT, UNREAD_FORMAT)  # a frame whose type its bytes did not give
DECIDING = ("strong", "definitive")
# Weakest first: a sequence's credentials are those of its weakest frame.
_CREDENTIALS_WEAKEST_FIRST = ("invalid", "remote", "absent", "valid", "trusted")


def planned(index: int, count: int) -> bool:
    """Whether the frame at `index` (of `count` frames handed on, in order) is sampled at a fixed
    position: fingerprinted in its own pass."""
    stride = max(SAMPLE_EVERY, -(-count // MAX_PLANNED))
    return index % stride == 0 or index == count - 1


class SequenceBuilder:
    """Feed it the frames' own passes in frame order (`add_frame`), then the sampled frames'
    analyses (`add_sample`), then take the sequence's analysis (`result`)."""

    def __init__(self, start: SequenceStart, *, fingerprints: bool) -> None:
        self.start = start
        self.fingerprints = fingerprints
        self.frames: list[SequenceFrame] = []
        self.merged = Merged()
        self.checksums = ChecksumTally()
        self.digest = hashlib.sha256()
        # the first frame's analysis of a known format (else the first): the sequence's type
        self.first: AssetAnalysis | None = None
        self.format_odd = FrameSet()
        self.ai_frames = FrameSet()
        self.ai_counts = {"generated": 0, "composite": 0}
        self.generators: set[str] = set()
        self.c2pa: tuple[int, C2paReport] | None = None  # frame and report, weakest credentials
        self.unsigned = False  # a frame has no C2PA store: the sequence's credentials are absent
        self.manifests: list[FrameManifests] = []  # of the AI frames whose stores hold
        self.candidates: dict[int, MediaFile] = {}  # frames to sample, by number
        self.changes: list[int] = []
        self.last: tuple[MediaFile, str] | None = None  # the previous frame and its profile
        self.distances: deque[float] = deque(maxlen=CHANGE_WINDOW)
        self.fingerprinted: list[FrameHash] = []
        self.done: set[int] = set()  # frames fingerprinted
        self.thumbnails: dict[int, str] = {}

    def add_frame(self, media: MediaFile, analysis: AssetAnalysis) -> None:
        number = media.frame.number if media.frame else len(self.frames)
        if media.frame is not None and media.frame.fingerprint:
            self._fingerprinted(number, analysis)
        self.frames.append(SequenceFrame(number, analysis.size, analysis.sha256))
        self.digest.update(f"{analysis.sha256}  {media.rel.rsplit('/', 1)[-1]}\n".encode())
        if self.first is None or self.first.format in UNTYPED:
            self.first = analysis  # an unreadable frame does not set the sequence's format
        elif analysis.format not in (self.first.format, *UNTYPED):
            self.format_odd.add(number)
        merged = self.merged
        merged.add_problems(number, analysis.problems)
        merged.add_notes(number, analysis.notes)
        merged.add_evidence(analysis.evidence)
        merged.add_signals(number, analysis.assessment.signals)
        merged.add_cuts(number, analysis.truncated)
        self._assessment(number, analysis)
        self.checksums.add(media, analysis)
        self._sampling(number, media, analysis)

    def _assessment(self, number: int, analysis: AssetAnalysis) -> None:
        assessment = analysis.assessment
        if assessment.ai in self.ai_counts:
            self.ai_counts[assessment.ai] += 1
        possible = any(
            s.meaning in AI_MEANINGS and s.strength in DECIDING for s in assessment.signals
        )
        report = analysis.c2pa
        if assessment.ai != "none" or possible:
            self.ai_frames.add(number)
            held = manifest_ids(report) if report is not None else {}
            if held:
                self.manifests.append(FrameManifests(number, tuple(sorted(held))))
        self.generators.update(assessment.generators)
        rank = _CREDENTIALS_WEAKEST_FIRST.index
        self.unsigned |= report is None
        if report is not None and (
            self.c2pa is None or rank(report.credentials) < rank(self.c2pa[1].credentials)
        ):
            self.c2pa = (number, report)

    def _sampling(self, number: int, media: MediaFile, analysis: AssetAnalysis) -> None:
        if not self.fingerprints:
            return
        profile = next((d.value for d in analysis.digests if d.algorithm == PROFILE), "")
        changed = False
        if self.last is not None:
            before, before_profile = self.last
            distance = profile_distance(before_profile, profile)
            usual = statistics.median(self.distances) if self.distances else distance
            larger = max(before.size, media.size, 1)
            changed = (
                distance > max(PROFILE_CHANGE, CHANGE_FACTOR * usual)
                or abs(before.size - media.size) / larger > SIZE_CHANGE
            )
            self.distances.append(distance)
        if changed and len(self.changes) < MAX_CHANGES_LISTED:
            self.changes.append(number)
        planned = media.frame is not None and media.frame.fingerprint
        if changed and not planned and len(self.candidates) + len(self.done) < MAX_SAMPLED - 1:
            self.candidates[number] = media
        self.last = (media, profile)

    def samples(self) -> list[MediaFile]:
        """The frames to fingerprint (call once, after the last frame): as files of their own."""
        if self.last is not None and self.fingerprints:
            last = self.last[0].frame.number if self.last[0].frame else 0
            if last not in self.done:
                self.candidates.setdefault(last, self.last[0])
        chosen = []
        for number in sorted(self.candidates):
            media = self.candidates[number]
            frame = dataclasses.replace(media.frame, sampled=True) if media.frame else None
            chosen.append(dataclasses.replace(media, frame=frame, listed=None))
        self.candidates = {}
        return chosen

    def add_sample(self, media: MediaFile, analysis: AssetAnalysis) -> None:
        number = media.frame.number if media.frame else 0
        first_pass = self._frame(number)
        problems = list(analysis.problems)
        if first_pass is not None and analysis.sha256 and analysis.sha256 != first_pass.sha256:
            problems.append(
                Problem("file", "changed while it was being scanned: its two reads differ", True)
            )
        self.merged.add_problems(number, problems)
        self._fingerprinted(number, analysis)

    def _fingerprinted(self, number: int, analysis: AssetAnalysis) -> None:
        self.done.add(number)
        seconds = (number - self.start.numbers[0]) / FRAME_RATE
        for frame in analysis.fingerprints:
            self.fingerprinted.append(dataclasses.replace(frame, frame=number, timecode=seconds))
        if analysis.thumbnail:
            self.thumbnails[number] = analysis.thumbnail

    def _frame(self, number: int) -> SequenceFrame | None:
        low, high = 0, len(self.frames)
        while low < high:  # frames are in ascending order
            middle = (low + high) // 2
            if self.frames[middle].number < number:
                low = middle + 1
            else:
                high = middle
        found = self.frames[low] if low < len(self.frames) else None
        return found if found is not None and found.number == number else None

    def result(self) -> AssetAnalysis:
        first = self.first
        assert first is not None, "a sequence is assembled from one frame at least"
        total = len(self.frames)
        merged = self.merged
        problems = merged.problem_list(total)
        if self.format_odd.count:
            problems.append(
                Problem(
                    "sequence",
                    f"not {first.format} like the others: {self.format_odd.text(total)}",
                )  # fmt: skip
            )
        notes = merged.note_list(total)
        if self.c2pa is not None and total > 1:
            notes.append(f"C2PA shown: frame {self.c2pa[0]}'s (the weakest credentials)")
        signals = sorted(merged.signal_list(), key=signal_sort_key)
        for signal in signals:
            if signal.meaning in AI_MEANINGS and signal.strength in DECIDING:
                frames = merged.signals[signal].text(total)
                notes.append(f"{signal.rule_id} ({signal.meaning}) in {frames}")
        numbers = tuple(f.number for f in self.frames)
        ai_frames = tuple(self.ai_frames)
        thumbnail = next((self.thumbnails[n] for n in ai_frames if n in self.thumbnails), "")
        thumbnail = thumbnail or next(iter(self.thumbnails.values()), "")
        sequence = FrameSequence(
            folder=self.start.folder,
            head=self.start.head,
            tail=self.start.tail,
            padding=self.start.padding,
            first=numbers[0],
            last=numbers[-1],
            count=total,
            gaps=tuple(FrameRange(a, b) for a, b in gaps(numbers)),
            frames=tuple(self.frames),
            ai_frames=ai_frames,
            changes=tuple(self.changes),
            rate=FRAME_RATE,
            manifests=tuple(self.manifests),
        )
        analysis = AssetAnalysis(
            path=self.start.rel,
            size=sum(f.size for f in self.frames),
            sha256=self.digest.hexdigest(),
            media_type=first.media_type,
            kind=first.kind,
            format=first.format,
            assessment=Assessment(
                ai=self._ai(total),
                credentials=self._credentials(),
                generators=tuple(sorted(self.generators, key=lambda n: (n.casefold(), n))),
                signals=tuple(signals),
            ),
            evidence=tuple(merged.evidence_list()),
            c2pa=self.c2pa[1] if self.c2pa else None,
            fingerprints=tuple(sorted(self.fingerprinted, key=lambda f: f.frame or 0)),
            thumbnail=thumbnail,
            problems=tuple(problems),
            notes=tuple(notes),
            truncated=tuple(merged.cut_list(total)),
            sequence=sequence,
            checksums=self.checksums.result(),
        )
        return cap_for_report(analysis)

    def _credentials(self) -> str:
        """The weakest frame's: a frame without a C2PA store counts as `absent`."""
        found = [self.c2pa[1].credentials] if self.c2pa else []
        if self.unsigned:
            found.append("absent")
        return min(found, key=_CREDENTIALS_WEAKEST_FIRST.index, default="absent")

    def _ai(self, total: int) -> str:
        if self.ai_counts["generated"] == total:
            return "generated"
        if self.ai_counts["generated"] or self.ai_counts["composite"]:
            return "composite"
        return "none"
