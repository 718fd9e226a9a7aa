"""A scan's asset results, spooled to a private temporary file as they arrive.

A delivery can hold hundreds of thousands of assets, each result several KB (the thumbnail, the
evidence): held in memory they would make the scan grow with the file count. The spool writes
each result out at once and keeps only its end offset (8 bytes) and a running tally (counts for
the summary and the gate); the reports read the results back one at a time, as often as they
need to.

Records are pickles of our own frozen dataclasses, written by this process into an unnamed
temporary file (`tempfile.TemporaryFile`: O_TMPFILE or unlinked at once, mode 0600) that no
other process can open by name: unpickling them trusts nothing from outside. The file has no
name at any time, so nothing is left behind whatever happens; its space is freed when the spool
is closed or collected, or the process ends.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import weakref
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

from scanner.common.paths import is_within
from scanner.errors import ConfigError
from scanner.model import AssetResult


class AssetTally:
    """What a scan keeps of its assets in memory: counts for the summary and the gate."""

    __slots__ = ("assets", "by_status", "by_ai", "by_credentials", "by_reason")

    def __init__(self) -> None:
        self.assets = 0
        self.by_status: Counter[str] = Counter()
        self.by_ai: Counter[str] = Counter()
        self.by_credentials: Counter[str] = Counter()
        self.by_reason: Counter[str] = Counter()

    def add(self, result: AssetResult) -> None:
        assessment = result.analysis.assessment
        self.assets += 1
        self.by_status[result.finding.status] += 1
        self.by_ai[assessment.ai] += 1
        self.by_credentials[assessment.credentials] += 1
        self.by_reason.update(r.code for r in result.finding.reasons)


def tally(assets: Iterable[AssetResult]) -> AssetTally:
    """A spool's running tally, or one pass over any other collection of results."""
    if isinstance(assets, AssetSpool):
        return assets.tally
    counts = AssetTally()
    for result in assets:
        counts.add(result)
    return counts


class AssetSpool(Sequence[AssetResult]):
    """A sequence of asset results held in a private temporary file, in the order appended.

    Iterate it as often as needed (each pass reads the file again, one record at a time); `len`
    and indexing work as on a tuple. `close()` (or the `with` block) frees the file.
    """

    def __init__(self, *, outside: Path | None = None) -> None:
        """`outside`: a folder the temporary file must not be in (the delivery)."""
        folder = Path(tempfile.gettempdir())
        if outside is not None and is_within(folder, outside):
            raise ConfigError(
                f"the temporary folder {folder} is inside the delivery: provscan never writes "
                "there (set TMPDIR to another folder)"
            )
        self._file = tempfile.TemporaryFile(prefix="provscan-spool-", dir=folder)  # noqa: SIM115 - lives as long as the spool
        self._close = weakref.finalize(self, self._file.close)
        self._ends = array("q")  # end offset of each record
        self._unflushed = False
        self.tally = AssetTally()

    def append(self, result: AssetResult) -> None:
        record = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.write(record)
        self._unflushed = True
        self._ends.append((self._ends[-1] if self._ends else 0) + len(record))
        self.tally.add(result)

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, index: int) -> AssetResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[AssetResult]: ...

    def __getitem__(self, index: int | slice) -> AssetResult | list[AssetResult]:
        if isinstance(index, slice):
            return [self._read(i) for i in range(*index.indices(len(self)))]
        count = len(self)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("spool index out of range")
        return self._read(index)

    def __iter__(self) -> Iterator[AssetResult]:
        index = 0
        while index < len(self):  # each pass is independent: reads use offsets, not a cursor
            yield self._read(index)
            index += 1

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable (append), like a list

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{len(self)} assets"
        return f"<AssetSpool {state}>"

    @property
    def closed(self) -> bool:
        return self._file.closed

    def close(self) -> None:
        """Free the temporary file; reading afterwards raises ValueError."""
        self._close()

    def __enter__(self) -> AssetSpool:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()

    def _read(self, index: int) -> AssetResult:
        if self.closed:
            raise ValueError("the asset spool is closed")
        if self._unflushed:
            self._file.flush()
            self._unflushed = False
        start = self._ends[index - 1] if index else 0
        length = self._ends[index] - start
        record = os.pread(self._file.fileno(), length, start)
        if len(record) != length:
            raise OSError(f"asset spool: record {index} cut short ({len(record)} of {length})")
        # our own records in our own unnamed file
        result: AssetResult = pickle.loads(record)  # noqa: S301
        return result
