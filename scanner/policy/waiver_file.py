"""The waiver file (`--waivers FILE`): reviewers' recorded decisions, read, versioned, checked.

A waiver is the gatekeeper's word, like the register: read through `read_config_file` (never
through a link out of its folder), refused inside the delivery. YAML or JSON (a mapping with
`version` and `waivers`) or CSV (one waiver a row, the version 1 columns):

    version: 1
    waivers:
      - sha256: 3f7a...            # the content the decision was made for (required, see below)
        path: final/stills/x.jpg   # optional: only at this path
        reason: credentials-invalid
        reviewer: S. Okafor (studio legal)
        reviewed_on: 2026-11-02
        why: Re-saved by the colourist after signing; compared with the signed original
        expires_on: 2027-01-31     # optional: good through that day

Why content identity: a reviewer looked at bytes. A path names whatever the vendor puts there
next time, so a waiver made by path alone would pass a different file in the next delivery.
`sha256` is therefore required; `path` only narrows it. The one exception is a file provscan
could not read at all (no permission, past a bound, changed while read: it has no sha256): a
waiver with `path` and no `sha256` covers the file at that path only while it cannot be read.

Versions: the YAML/JSON `version` key says which format the file is in (as detect-secrets'
baseline does). An older version is upgraded in memory by UPGRADES, one step at a time; a newer
one is refused (this provscan cannot know what it means).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from scanner.common import tables
from scanner.common.paths import is_within
from scanner.common.suggest import did_you_mean
from scanner.errors import MAX_PROBLEMS, RowError, WaiverError, listing
from scanner.model import Waiver
from scanner.policy.reasons import ADJUSTABLE, REASONS

VERSION = 1
# version n -> a function turning a version-n document into a version-(n+1) one (none yet)
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

FIELDS = ("sha256", "path", "reason", "reviewer", "reviewed_on", "why", "expires_on")
REQUIRED = ("reason", "reviewer", "reviewed_on", "why")
# words people write for a field, that spelling alone would not lead to
SYNONYMS = {"date": "reviewed_on", "reviewed": "reviewed_on", "expires": "expires_on",
            "expiry": "expires_on", "until": "expires_on", "code": "reason", "hash": "sha256",
            "file": "path", "by": "reviewer", "reason_code": "reason", "note": "why",
            "notes": "why", "comment": "why"}  # fmt: skip
FORMATS = {".csv": "csv", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}
MAX_WAIVER_BYTES = 16 * 1024 * 1024
MAX_WAIVERS = 100_000
MAX_TEXT_CHARS = 4096
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class WaiverErrors(WaiverError):
    """Every problem of a waiver file at once; `hints` said once after them."""

    def __init__(
        self, problems: list[RowError], hints: tuple[str, ...] = (), stopped: bool = False
    ) -> None:
        first = problems[0]
        super().__init__(first.file, first.row, first.field, first.message)
        self.problems = tuple(problems)
        self.hints = hints
        self.stopped = stopped

    def __str__(self) -> str:
        return listing(self.file, self.problems, self.hints, self.stopped)


@dataclass(frozen=True)
class WaiverFile:
    file: str
    waivers: tuple[Waiver, ...]
    version: int = VERSION  # the version the file was written in (upgraded in memory)


def waivable_codes(waivable_violations: tuple[str, ...]) -> tuple[str, ...]:
    """Every reason code a waiver may name: review and error reasons (also those the policy
    may adjust), and the violations the policy lists in [gate] waivable."""
    passing = {"review", "error"}
    return tuple(
        code
        for code, (status, _) in REASONS.items()
        if status in passing
        or set(ADJUSTABLE.get(code, ())) & passing
        or code in waivable_violations
    )


def load_waivers(
    path: Path, *, waivable: tuple[str, ...] = (), delivery: Path | None = None
) -> WaiverFile:
    """Read and check a waiver file; WaiverError(s) naming file, row and field.

    `waivable`: the violation codes the policy lets a waiver pass ([gate] waivable).
    `delivery`: refuse a waiver file inside it (the vendor cannot waive its own findings).
    """
    path = Path(path)
    file = str(path)
    if delivery is not None and is_within(path, delivery):
        raise WaiverError(
            file, None, None, "the waiver file is inside the delivery; the delivery cannot "
            "waive its own findings: keep it with the register, outside",
        )  # fmt: skip
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise WaiverError(file, None, None, "unknown format: name it .csv, .yaml, .yml or .json")
    text = tables.read_text(path, what="waiver file", max_bytes=MAX_WAIVER_BYTES, error=WaiverError)
    version, rows, problems = _rows(file, fmt, text)
    if len(problems) >= MAX_PROBLEMS:
        raise WaiverErrors(problems, stopped=True)
    checker = _Checker(file, waivable)
    checker.problems += problems
    checker.unknown_names = any(p.message.startswith("unknown column") for p in problems)
    waivers = checker.check(rows)
    return WaiverFile(file, waivers, version)


def _rows(file: str, fmt: str, text: str) -> tuple[int, tuple[tables.Row, ...], list[RowError]]:
    if fmt == "csv":
        table = tables.parse_csv(file, text, known=FIELDS, max_rows=MAX_WAIVERS, error=WaiverError)
        header = table.header or ()
        header_problems = _check_header(file, header, table.header_row)
        if any(name not in header for name in REQUIRED):  # every row would say so again
            hints = ("a waiver's fields: " + ", ".join(FIELDS),)
            raise WaiverErrors(header_problems, hints)
        rows = tuple(
            tables.Row(r.row, {k: v for k, v in r.values.items() if k in FIELDS})
            for r in table.rows
        )
        return VERSION, rows, [*header_problems, *table.problems]
    tree = tables.parse_tree(file, fmt, text, what="waiver file", error=WaiverError)
    if not isinstance(tree, dict) or "version" not in tree:
        raise WaiverError(
            file, None, None, f"expected a mapping with 'version: {VERSION}' and 'waivers:' "
            "(a list of waivers)",
        )  # fmt: skip
    tree = _upgraded(file, tree)
    unknown = [str(k) for k in tree if k not in ("version", "waivers")]
    if unknown:
        raise WaiverError(
            file, None, None, f"unknown key {unknown[0]!r}: expected version, waivers"
        )
    entries = tree.get("waivers") or []
    if not isinstance(entries, list):
        raise WaiverError(file, None, "waivers", "expected a list of waivers")
    rows = tables.mapping_rows(
        file, entries, entry="waiver", max_rows=MAX_WAIVERS, error=WaiverError
    )
    return int(tree["version"]), rows, []


def _upgraded(file: str, tree: dict[str, Any]) -> dict[str, Any]:
    version = tree["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise WaiverError(file, None, "version", f"expected a version number, got {version!r}")
    if version > VERSION:
        raise WaiverError(
            file, None, "version", f"version {version} is newer than this provscan reads "
            f"({VERSION}): upgrade provscan",
        )  # fmt: skip
    while tree["version"] < VERSION:
        tree = UPGRADES[tree["version"]](tree)
    return {**tree, "version": version}


def _check_header(file: str, header: tuple[str, ...], row: int) -> list[RowError]:
    problems: list[RowError] = []
    for name in header:
        if name not in FIELDS:
            hint = did_you_mean(name, [f for f in FIELDS if f not in header], SYNONYMS)
            problems.append(WaiverError(file, row, name[:60], f"unknown column{hint}"))
    for name in REQUIRED:
        if name not in header:
            problems.append(WaiverError(file, row, name, "required column is missing"))
    return problems


class _Checker:
    def __init__(self, file: str, waivable: tuple[str, ...]) -> None:
        self.file = file
        self.waivable = waivable
        self.codes = waivable_codes(waivable)
        self.problems: list[RowError] = []
        self.unknown_names = False

    def add(self, row: int, field: str | None, message: str) -> None:
        self.problems.append(WaiverError(self.file, row, field, message))
        if len(self.problems) >= MAX_PROBLEMS:
            raise WaiverErrors(self.problems, stopped=True)

    def check(self, rows: tuple[tables.Row, ...]) -> tuple[Waiver, ...]:
        waivers: list[Waiver] = []
        seen: dict[tuple[str, str, str], int] = {}
        for record in rows:
            waiver = self._waiver(record)
            if waiver is None:
                continue
            key = (waiver.sha256, waiver.path, waiver.reason)
            if key in seen:
                self.add(record.row, None, f"the same waiver as row {seen[key]}")
                continue
            seen[key] = record.row
            waivers.append(waiver)
        if self.problems:
            problems = sorted(self.problems, key=lambda p: p.row or 0)
            hints = ("a waiver's fields: " + ", ".join(FIELDS),) if self.unknown_names else ()
            raise WaiverErrors(problems, hints)
        return tuple(waivers)

    def _waiver(self, record: tables.Row) -> Waiver | None:
        before = len(self.problems)
        row, values = record.row, record.values
        for name in values:
            if name not in FIELDS:
                hint = did_you_mean(name, [f for f in FIELDS if f not in values], SYNONYMS)
                self.add(row, name[:60], f"unknown field{hint}")
                self.unknown_names = True
        text = {name: self._text(row, name, values.get(name)) for name in FIELDS}
        for name in REQUIRED:
            if not text[name] and not any(p.field == name for p in self.problems[before:]):
                self.add(row, name, f"'{name}' is required")
        sha256 = text["sha256"].lower()
        if sha256 and not _SHA256.fullmatch(sha256):
            self.add(row, "sha256", f"{sha256[:80]!r} is not a sha256 (64 hexadecimal characters)")
        path = text["path"].removeprefix("./")
        if not sha256 and not path:
            self.add(row, "sha256", "a waiver names the sha256 of the file it was made for")
        if path and (path.startswith("/") or "\\" in path or ".." in path.split("/")):
            self.add(row, "path", f"{path[:80]!r} is not a path relative to the delivery")
        self._check_reason(row, text["reason"])
        reviewed_on = self._date(row, "reviewed_on", values.get("reviewed_on"))
        expires_on = self._date(row, "expires_on", values.get("expires_on"))
        if reviewed_on and expires_on and expires_on < reviewed_on:
            self.add(row, "expires_on", "expires_on is before reviewed_on")
        if len(self.problems) > before:
            return None
        return Waiver(
            reason=text["reason"],
            sha256=sha256,
            path=path,
            reviewer=text["reviewer"],
            reviewed_on=reviewed_on,
            why=text["why"],
            expires_on=expires_on,
            row=row,
        )

    def _check_reason(self, row: int, code: str) -> None:
        if not code or code in self.codes:
            return
        if code not in REASONS:
            self.add(
                row, "reason", f"unknown reason code {code[:80]!r}{did_you_mean(code, REASONS)}"
            )
            return
        status = REASONS[code][0]
        if status == "violation":
            listed = ", ".join(self.waivable) or "none"
            self.add(
                row, "reason", f"'{code}' is a violation: a waiver passes a violation only where "
                f"the policy lists it in [gate] waivable (this policy lists: {listed})",
            )  # fmt: skip
        else:
            self.add(row, "reason", f"'{code}' is {status}: it passes the gate, nothing to waive")

    def _text(self, row: int, name: str, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, date) and name in ("reviewed_on", "expires_on"):
            return value.isoformat()
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(row, name, f"expected text, got {tables.kind(value)}")
            return ""
        text = str(value).strip()
        if len(text) > MAX_TEXT_CHARS:
            self.add(row, name, f"longer than {MAX_TEXT_CHARS} characters")
            return ""
        return text

    def _date(self, row: int, name: str, value: Any) -> date | None:
        if value is None or value == "":
            return None
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value
        text = str(value).strip() if isinstance(value, str) else ""
        if _DATE.fullmatch(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        self.add(row, name, f"expected a date (YYYY-MM-DD), got {str(value)[:40]!r}")
        return None
