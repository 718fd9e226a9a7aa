"""CSV format: one row per asset, for reviewers who work in a spreadsheet.

Column order is a contract (documented in docs/csv.md). Every cell comes from a hostile file in
the end, so a cell a spreadsheet would read as a formula gets a leading apostrophe. A file
starts with a UTF-8 byte-order mark (without it Excel opens UTF-8 as the local code page); the
CSV a pipeline reads from stdout does not (`csv.DictReader` would see `\ufeffpath`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any, TextIO

from scanner.report.document import ReportSource, source_of_document

COLUMNS = (
    "path",
    "status",
    "reasons",
    "approval",
    "ai",
    "credentials",
    "generators",
    "rule_ids",
    "media_type",
    "format",
    "size",
    "sha256",
    "area",
    "archival_outcome",
    "problems",
    "reason_details",
    "waivers",
)

BOM = "\ufeff"
JOIN = "; "

# A spreadsheet starts a formula (or DDE call) on these: ASCII = + - @, the full-width forms
# some locales' input methods produce, and tab / CR / LF, which several importers strip first.
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
# Characters an importer may trim before it looks at the first one.
_LEADING_BLANKS = " \t\r\n\u00a0\u3000"
# C0 controls other than tab/CR/LF, DEL, and lone surrogates (undecodable file names) cannot
# be written as UTF-8 text a spreadsheet reads safely: they become U+FFFD.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def neutralise(cell: str) -> str:
    """`cell` safe to open in a spreadsheet: prefixed with `'` when it could start a formula."""
    cell = _UNWRITABLE.sub("\ufffd", cell)
    if not cell:
        return cell
    first = cell[0]
    stripped = cell.lstrip(_LEADING_BLANKS)
    if first in FORMULA_STARTS or (stripped and stripped[0] in FORMULA_STARTS):
        return "'" + cell
    return cell


def _join(values: Iterable[str]) -> str:
    return JOIN.join(v for v in values if v)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def asset_row(asset: dict[str, Any]) -> list[str | int]:
    """The cells of one asset, in COLUMNS order, neutralised."""
    reasons = asset.get("reasons") or []
    archival = asset.get("archival") or {}
    size = asset.get("size")
    cells: dict[str, str | int] = {
        "path": str(asset.get("path", "")),
        "status": str(asset.get("status", "")),
        "reasons": _join(str(r.get("code", "")) for r in reasons),
        "approval": str(asset.get("approval") or ""),
        "ai": str(asset.get("ai", "")),
        "credentials": str(asset.get("credentials", "")),
        "generators": _join(_unique(str(g) for g in asset.get("generators") or [])),
        "rule_ids": _join(_unique(str(s.get("rule_id", "")) for s in asset.get("signals") or [])),
        "media_type": str(asset.get("media_type", "")),
        "format": str(asset.get("format", "")),
        "size": size if isinstance(size, int) and not isinstance(size, bool) else str(size or ""),
        "sha256": str(asset.get("sha256", "")),
        "area": str(asset.get("area", "")),
        "archival_outcome": str(archival.get("outcome", "")),
        "problems": _join(
            f"{p.get('source', '')}: {p.get('message', '')}"
            + (" (fatal)" if p.get("fatal") else "")
            for p in asset.get("problems") or []
        ),
        "reason_details": _join(
            f"{r.get('code', '')}: {r['detail']}" for r in reasons if r.get("detail")
        ),
        "waivers": _join(
            _waiver_cell(w) for w in asset.get("waivers") or [] if isinstance(w, dict)
        ),
    }
    return [v if isinstance(v, int) else neutralise(v) for v in (cells[c] for c in COLUMNS)]


def _waiver_cell(waiver: dict[str, Any]) -> str:
    """`reason by reviewer on date (row N)`: which waiver passed which reason."""
    return (
        f"{waiver.get('reason', '')} by {waiver.get('reviewer', '')} on "
        f"{waiver.get('reviewed_on', '')} (row {waiver.get('row', '')})"
    )


def write_csv(source: ReportSource, stream: TextIO, *, bom: bool = True) -> None:
    """Write the CSV (BOM unless `bom` is False, header, one row per asset in document order)
    to a text stream, a row at a time.

    Open the stream with newline="": rows end in CRLF as RFC 4180 says.
    """
    if bom:
        stream.write(BOM)
    writer = csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for asset in source.assets:
        writer.writerow(asset_row(asset))


def write_csv_stream(source: ReportSource, stream: TextIO) -> None:
    """The CSV for a pipeline's stdout: without the byte-order mark, which only Excel needs."""
    write_csv(source, stream, bom=False)


def render_csv(doc: dict[str, Any], *, bom: bool = True) -> str:
    buffer = io.StringIO(newline="")
    write_csv(source_of_document(doc), buffer, bom=bom)
    return buffer.getvalue()
