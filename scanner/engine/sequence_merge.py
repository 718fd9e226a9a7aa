"""What a sequence's frames read, merged as they arrive: each thing once, with its frames.

Problems, notes, evidence and signals are kept within bounds that do not grow with the frames.

A problem (or note) every frame has is one problem naming `frames 1001-1048`; a metadata value
every frame holds is one evidence item. A field whose value differs in every frame (a time
code, a frame number) keeps its first MAX_VALUES_PER_FIELD values, and a note says how many
frames hold others: the rules saw every frame's evidence whole (in the frame's own analysis); the
report lists what the frames hold, not each frame's copy of it. Past the per-asset bounds the
sequence is marked `truncated`, as any asset whose report was cut.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from scanner.discover.sequences import ranges_text
from scanner.engine.report_caps import MAX_EVIDENCE_ITEMS, MAX_PROBLEMS, MAX_SIGNALS
from scanner.model import Evidence, Problem, Signal

MAX_VALUES_PER_FIELD = 16
MAX_NOTES = 64


class FrameSet:
    """Frame numbers as sorted runs: `add` is cheap for ascending numbers, works for any."""

    def __init__(self) -> None:
        self.runs: list[list[int]] = []
        self.count = 0

    def add(self, number: int) -> None:
        runs = self.runs
        if runs and number > runs[-1][1]:  # the usual case: frames arrive in order
            if number == runs[-1][1] + 1:
                runs[-1][1] = number
            else:
                runs.append([number, number])
            self.count += 1
            return
        at = bisect.bisect_right(runs, number, key=lambda run: run[0]) - 1  # run starting <=
        if at >= 0 and number <= runs[at][1]:
            return
        joins_before = at >= 0 and runs[at][1] + 1 == number
        joins_after = at + 1 < len(runs) and runs[at + 1][0] - 1 == number
        if joins_before and joins_after:
            runs[at][1] = runs.pop(at + 1)[1]
        elif joins_before:
            runs[at][1] = number
        elif joins_after:
            runs[at + 1][0] = number
        else:
            runs.insert(at + 1, [number, number])
        self.count += 1

    def __iter__(self) -> Iterator[int]:
        for first, last in self.runs:
            yield from range(first, last + 1)

    def text(self, total: int = 0) -> str:
        if total and self.count == total:
            return "every frame"
        which = "frame" if self.count == 1 else "frames"
        return f"{which} {ranges_text(self)}"


@dataclass
class Merged:
    """One sequence's problems, notes, evidence and signals, merged over its frames."""

    problems: dict[tuple[str, str, bool, bool], FrameSet] = field(default_factory=dict)
    notes: dict[str, FrameSet] = field(default_factory=dict)
    evidence: dict[tuple[str, str, str], None] = field(default_factory=dict)
    values_per_field: dict[tuple[str, str], int] = field(default_factory=dict)  # listed
    other_values: dict[tuple[str, str], int] = field(default_factory=dict)  # frames, not listed
    signals: dict[Signal, FrameSet] = field(default_factory=dict)
    left_out_problems: FrameSet = field(default_factory=FrameSet)
    left_out_fatal: bool = False
    left_out_incomplete: bool = False
    left_out_notes: int = 0
    left_out_signals: FrameSet = field(default_factory=FrameSet)
    left_out_evidence: int = 0
    truncated: list[str] = field(default_factory=list)
    # frames' own report cuts (`AssetAnalysis.truncated`): the sequence is cut where they were
    frame_cuts: dict[str, FrameSet] = field(default_factory=dict)
    left_out_cuts: FrameSet = field(default_factory=FrameSet)

    def add_problems(self, number: int, problems: Iterable[Problem]) -> None:
        for p in problems:
            key = (p.source, p.message, p.fatal, p.incomplete)
            frames = self.problems.get(key)
            if frames is None and len(self.problems) >= MAX_PROBLEMS - 1:
                self.left_out_problems.add(number)  # counted, and its weight kept below
                self.left_out_fatal |= p.fatal
                self.left_out_incomplete |= p.incomplete
                continue
            self.problems.setdefault(key, FrameSet()).add(number)

    def add_notes(self, number: int, notes: Iterable[str]) -> None:
        for note in notes:
            if note not in self.notes and len(self.notes) >= MAX_NOTES:
                self.left_out_notes += 1
                continue
            self.notes.setdefault(note, FrameSet()).add(number)

    def add_cuts(self, number: int, cuts: Iterable[str]) -> None:
        for cut in cuts:
            if cut not in self.frame_cuts and len(self.frame_cuts) >= MAX_NOTES:
                self.left_out_cuts.add(number)
                continue
            self.frame_cuts.setdefault(cut, FrameSet()).add(number)

    def add_evidence(self, evidence: Iterable[Evidence]) -> None:
        for item in evidence:
            key = (item.source, item.field, item.value)
            if key in self.evidence:
                continue
            per_field = (item.source, item.field)
            listed = self.values_per_field.get(per_field, 0)
            if listed >= MAX_VALUES_PER_FIELD:
                self.other_values[per_field] = self.other_values.get(per_field, 0) + 1
                continue
            if len(self.evidence) >= MAX_EVIDENCE_ITEMS:
                self.left_out_evidence += 1
                continue
            self.values_per_field[per_field] = listed + 1
            self.evidence[key] = None

    def add_signals(self, number: int, signals: Iterable[Signal]) -> None:
        for signal in signals:
            frames = self.signals.get(signal)
            if frames is None and len(self.signals) >= MAX_SIGNALS:
                self.left_out_signals.add(number)
                continue
            self.signals.setdefault(signal, FrameSet()).add(number)

    def problem_list(self, total: int) -> list[Problem]:
        kept = [
            Problem(source, f"{message} ({frames.text(total)})", fatal, incomplete)
            for (source, message, fatal, incomplete), frames in self.problems.items()
        ]
        if self.left_out_problems.count:
            message = f"more problems, not listed ({self.left_out_problems.text(total)})"
            kept.append(Problem("sequence", message, self.left_out_fatal, self.left_out_incomplete))
        return kept

    def note_list(self, total: int) -> list[str]:
        notes = [f"{note} ({frames.text(total)})" for note, frames in self.notes.items()]
        if self.left_out_notes:
            notes.append(f"{self.left_out_notes:,} more notes of frames, not listed")
        for (source, name), count in self.other_values.items():
            notes.append(
                f"{source} {name}: the first {MAX_VALUES_PER_FIELD} distinct values are listed; "
                f"{count:,} frames hold others"
            )
        return notes

    def cut_list(self, total: int) -> list[str]:
        """Where the frames' reports were cut, then where the sequence's own was: call it after
        `evidence_list` and `signal_list`, which add the latter."""
        cuts = [f"{cut} ({frames.text(total)})" for cut, frames in self.frame_cuts.items()]
        if self.left_out_cuts.count:
            cuts.append(f"more frame reports cut ({self.left_out_cuts.text(total)})")
        return cuts + self.truncated

    def evidence_list(self) -> list[Evidence]:
        if self.left_out_evidence and len(self.evidence) >= MAX_EVIDENCE_ITEMS:
            self.truncated.append(
                f"evidence: {len(self.evidence):,} distinct items kept over the frames, "
                f"{self.left_out_evidence:,} more left out"
            )
        return [Evidence(*key) for key in self.evidence]

    def signal_list(self) -> list[Signal]:
        if self.left_out_signals.count:
            self.truncated.append(
                f"signals: {MAX_SIGNALS} distinct signals kept, more in "
                f"{self.left_out_signals.text()}"
            )
        return list(self.signals)
