"""Frame sequences: the frames of one format in one folder whose names differ only in a number.

`sh010_comp_v003.1001.exr` ... `.1048.exr`, `plate_0001.dpx`, `t01.exr` ... `t16.exr` and
`name.-001.exr` (a negative frame) each group into one sequence, reported as one asset at
`sh010_comp_v003.[1001-1048].exr`. The rule, on names alone (the folder listing the walk holds
anyway, so no file is opened to group):

- the frame number is the last run of ASCII digits before the extension, with a `-` before it
  when the `-` follows a `.` (`name.-001.exr`), and never a version (`comp_v003.exr`);
- EXR, DPX, Cineon and ARRIRAW files (FRAME_EXTENSIONS) are frames whatever comes before the
  number (`plate_0001.dpx`, `t01.exr`); other still formats (DOTTED_FRAME_EXTENSIONS: JPEG,
  PNG, TIFF, ...) are often single stills named with a number (`DSC_0042.jpg`,
  `camera_001.jpg`), so they group only in the frame convention with a dot before the number
  (`render.0001.png`); PSD, HEIC or camera raws are never frames;
- frames share the text before the number (`head`) and from the extension on (`tail`), and a
  padding: all numbers of the same width (`0001`..`0048`, `t01`..`t16`, the sign counting),
  or none zero-led (`t1`..`t120`, unpadded); numbers of mixed widths with leading zeros split
  by width;
- at least MIN_FRAMES frames, covering at least MIN_DENSITY of their range (a shot rendered
  on twos still is one): numbers that are years, timestamps or ids (`photo_1962.jpg` and
  `photo_1971.jpg`, `IMG_20260101_123456.jpg`) stay separate files.

A number run longer than MAX_DIGITS is never a frame number. Names the walk leaves out (OS
droppings, exclusions) are grouped by the walk separately or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from scanner.discover.exclude import may_be_dropping
from scanner.discover.names import display_name

FRAME_EXTENSIONS = frozenset({"exr", "dpx", "cin", "ari"})
DOTTED_FRAME_EXTENSIONS = frozenset(
    {"tif", "tiff", "png", "jpg", "jpeg", "jp2", "j2k", "j2c", "tga", "bmp", "webp", "dng"}
)
MIN_FRAMES = 2
MIN_DENSITY = 0.5
MAX_DIGITS = 9

_NAME = re.compile(r"^(?P<head>.*?)(?P<digits>[0-9]+)(?P<tail>\.(?P<ext>[^.]+))$", re.DOTALL)
_VERSION = re.compile(r"(?:^|[^A-Za-z])[vV]$")  # `_v`, `.v`, `v` before the number


class FrameName(NamedTuple):  # a tuple: made once per file name in every folder walked
    head: str
    tail: str
    number: int
    width: int  # characters of the number, its sign included
    zero_led: bool  # written with a leading zero (so its width is its padding)


def parse_frame_name(name: str) -> FrameName | None:
    """The frame number and the text around it, None when the name is not a frame's."""
    found = _NAME.match(name)
    if found is None:
        return None
    head, digits, extension = found["head"], found["digits"], found["ext"].lower()
    if len(digits) > MAX_DIGITS or _VERSION.search(head):
        return None
    dotted = head.endswith(".") or head.endswith(".-")
    if extension not in FRAME_EXTENSIONS and not (extension in DOTTED_FRAME_EXTENSIONS and dotted):
        return None
    number, width = int(digits), len(digits)
    if head.endswith((".-", "_-")):  # a negative frame (`name.-001.exr`, Nuke's `name_-001.exr`)
        head, number, width = head[:-1], -number, width + 1
    return FrameName(head, found["tail"], number, width, len(digits) > 1 and digits[0] == "0")


@dataclass(frozen=True)
class SequencePlan:
    """One sequence found in a folder listing: the real names (for opening), in frame order."""

    head: str
    tail: str
    padding: int  # numbers are formatted with `f"{n:0{padding}d}"` (1: unpadded)
    numbers: tuple[int, ...]  # ascending
    names: tuple[str, ...]  # the same order

    def pattern_name(self) -> str:
        """`head[first-last]tail`, the name the sequence is reported under."""
        first, last = (f"{n:0{self.padding}d}" for n in (self.numbers[0], self.numbers[-1]))
        return f"{self.head}[{first}-{last}]{self.tail}"


def group_frames(names: Iterable[str]) -> tuple[list[SequencePlan], list[str]]:
    """The sequences among `names` (file names of one folder), and the names that are in none."""
    buckets: dict[tuple[str, str], list[tuple[FrameName, str]]] = {}
    singles: list[str] = []
    for name in names:
        parsed = parse_frame_name(name)
        if parsed is None:
            singles.append(name)
        else:
            buckets.setdefault((parsed.head, parsed.tail), []).append((parsed, name))
    plans: list[SequencePlan] = []
    for (head, tail), members in buckets.items():
        for padding, group in _by_padding(members):
            plan = _plan(head, tail, padding, group)
            if plan is None:
                singles.extend(name for _parsed, name in group)
            else:
                plans.append(plan)
    return plans, singles


def _by_padding(
    members: list[tuple[FrameName, str]],
) -> list[tuple[int, list[tuple[FrameName, str]]]]:
    widths = {parsed.width for parsed, _name in members}
    if len(widths) == 1:
        return [(widths.pop(), members)]
    if not any(parsed.zero_led for parsed, _name in members):
        return [(1, members)]  # unpadded: t1 ... t120
    by_width: dict[int, list[tuple[FrameName, str]]] = {}
    for member in members:
        by_width.setdefault(member[0].width, []).append(member)
    groups: list[tuple[int, list[tuple[FrameName, str]]]] = []
    for width, group in sorted(by_width.items()):
        if groups and _overflows(groups[-1], group):
            groups[-1][1].extend(group)
        else:
            groups.append((width, list(group)))
    return groups


def _overflows(
    padded: tuple[int, list[tuple[FrameName, str]]], wider: list[tuple[FrameName, str]]
) -> bool:
    """Whether `wider` (no leading zero) continues `padded` past its padding: `%03d` writes
    999 then 1000, one sequence; numbers far beyond it are another."""
    padding, group = padded
    if any(parsed.zero_led or parsed.number < 0 for parsed, _name in wider):
        return False
    low = min(parsed.number for parsed, _name in wider)
    high = max(parsed.number for parsed, _name in group)
    return low >= 10**padding and low - high <= len(group) + len(wider)


def _plan(
    head: str, tail: str, padding: int, group: list[tuple[FrameName, str]]
) -> SequencePlan | None:
    if len(group) < MIN_FRAMES:
        return None
    group.sort(key=lambda member: member[0].number)
    numbers = tuple(parsed.number for parsed, _name in group)
    if len(set(numbers)) != len(numbers):
        return None  # `a.1.exr` and `a.01.exr` in an unpadded bucket: not one sequence
    if len(numbers) < MIN_DENSITY * (numbers[-1] - numbers[0] + 1):
        return None
    return SequencePlan(head, tail, padding, numbers, tuple(name for _parsed, name in group))


def gaps(numbers: tuple[int, ...]) -> list[tuple[int, int]]:
    """The missing runs between ascending frame numbers, as (first, last) pairs."""
    return [(a + 1, b - 1) for a, b in zip(numbers, numbers[1:], strict=False) if b - a > 1]


def ranges_text(numbers: Iterable[int], limit: int = 12) -> str:
    """Ascending frame numbers as `1001-1004, 1010`, at most `limit` runs (then `…`)."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    shown = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs[:limit]]
    more = f", … ({len(runs) - limit} more runs)" if len(runs) > limit else ""
    return ", ".join(shown) + more


@dataclass(frozen=True)
class SequenceStart:
    """The walk is about to hand on a sequence's frames (in frame order, each a MediaFile with
    `frame` set, or a Skipped for a frame it cannot scan); `SequenceEnd` follows them."""

    rel: str  # the sequence's path: `folder/head[first-last]tail`
    folder: str
    head: str  # as displayed
    tail: str
    padding: int
    numbers: tuple[int, ...]  # every frame the folder listing holds


@dataclass(frozen=True)
class SequenceEnd:
    rel: str
    frames: int  # how many of its frames were handed on as media files


@dataclass(frozen=True)
class Entry:
    """One item of a folder, in walk order: a name to walk, a sequence, or a path left out."""

    key: tuple[str, str]  # the sort key: displayed name ("/" after a folder's), real name
    name: str = ""  # a file or folder to walk
    sequence: SequencePlan | None = None
    skipped: str = ""  # the reason, when the entry (a name or a sequence) is left out


def plan_folder(
    names: list[str],
    folders: set[str],
    excluded: Callable[[str, bool], str],
    *,
    sequences: bool,
) -> list[Entry]:
    """A folder listing in walk order: names (files and folders), sequences (with `sequences`),
    and what `excluded(name, is_folder)` leaves out (a sequence of left-out frames is one entry).
    OS droppings are never grouped: the walk looks at each one's bytes."""
    entries: list[Entry] = []
    kept: list[str] = []
    left_out: list[str] = []
    reasons: dict[str, str] = {}
    for name in names:
        is_folder = name in folders
        reason = excluded(name, is_folder)
        if reason and not (sequences and not is_folder):
            entries.append(Entry(order_key(name, is_folder), name, skipped=reason))
        elif reason:
            reasons[name] = reason
            left_out.append(name)
        elif is_folder or not sequences or may_be_dropping(name):
            entries.append(Entry(order_key(name, is_folder), name))
        else:
            kept.append(name)
    for group, reason_of in ((kept, None), (left_out, reasons)):
        plans, singles = group_frames(group)
        for plan in plans:
            reason = reason_of[plan.names[0]] if reason_of else ""
            pattern = plan.pattern_name()
            entries.append(Entry(order_key(pattern, False), sequence=plan, skipped=reason))
        for name in singles:
            reason = reason_of[name] if reason_of else ""
            entries.append(Entry(order_key(name, False), name, skipped=reason))
    entries.sort(key=lambda entry: entry.key)
    return entries


def order_key(name: str, is_folder: bool) -> tuple[str, str]:
    """Walk order: by displayed name, a folder's with "/" appended (so `a-b.jpg` < `a.b/` <
    `a/`); equal displayed names keep the order of the real names."""
    shown = display_name(name)
    return (shown + "/" if is_folder else shown), name
