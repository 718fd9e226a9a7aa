"""`provscan diff` output: a ScanDiff as terminal text, JSON (`provscan-diff/1`) or one small
self-contained HTML page (no script; escaped, every string from a scan in its own <bdi>)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from scanner.common.safetext import terminal_safe
from scanner.common.serialize import to_plain
from scanner.report.diff import DIFF_SCHEMA, AssetState, Change, ScanDiff, ScanInfo, Skip
from scanner.report.html import new_environment, static_text, style_only_policy
from scanner.report.verdict import is_problem_reason

DIFF_FORMATS = ("text", "json", "html")
TEXT_SHOWN = 100  # per section in the terminal; JSON and HTML list every one
_STATUS_WIDTH = 10
COUNT_LABELS = {
    "new_violations": "new violations",
    "added": "added",
    "removed": "removed",
    "moved": "moved",
    "content_changed": "content changed",
    "status_changed": "status changed",
    "skipped_added": "no longer scanned",
    "skipped_removed": "scanned again",
}


def render_diff(diff: ScanDiff, fmt: str) -> str:
    renderers: dict[str, Callable[[ScanDiff], str]] = {
        "text": render_diff_text,
        "json": render_diff_json,
        "html": render_diff_html,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown diff format {fmt!r}")
    return renderers[fmt](diff)


# ---- JSON ------------------------------------------------------------------------------------


def _plain_info(info: ScanInfo) -> dict[str, Any]:
    plain = to_plain(info)
    plain["tool"] = dict(info.tool)
    return dict(plain)


def diff_document(diff: ScanDiff) -> dict[str, Any]:
    """The diff as a JSON-able document (`provscan-diff/1`)."""
    return {
        "schema": DIFF_SCHEMA,
        "old": _plain_info(diff.old),
        "new": _plain_info(diff.new),
        "notes": list(diff.notes),
        "summary": diff.counts(),
        "exit_code": diff.exit_code,
        "new_violations": to_plain(diff.new_violations),
        "added": to_plain(diff.added),
        "removed": to_plain(diff.removed),
        "moved": to_plain(diff.moved),
        "content_changed": to_plain(diff.content_changed),
        "status_changed": to_plain(diff.status_changed),
        "skipped_added": to_plain(diff.skipped_added),
        "skipped_removed": to_plain(diff.skipped_removed),
    }


def render_diff_json(diff: ScanDiff) -> str:
    return json.dumps(diff_document(diff), indent=2, ensure_ascii=False) + "\n"


# ---- terminal text ---------------------------------------------------------------------------


def _safe(value: str) -> str:
    return terminal_safe(value)


def _reason_lines(state: AssetState, indent: str) -> list[str]:
    reasons = [r for r in state.reasons if is_problem_reason(r.code)] or list(state.reasons)
    return [
        f"{indent}{_safe(r.code)}: {_safe(r.detail)}" if r.detail else indent + _safe(r.code)
        for r in reasons
    ]


def _section(title: str, items: Sequence[Any], line: Callable[[Any], list[str]]) -> list[str]:
    if not items:
        return []
    lines = [f"{title} ({len(items)}):"]
    for item in items[:TEXT_SHOWN]:
        lines.extend(line(item))
    if len(items) > TEXT_SHOWN:
        lines.append(f"  … and {len(items) - TEXT_SHOWN} more (--format json or html lists all)")
    return lines


def _scan_line(which: str, info: ScanInfo) -> str:
    return (
        f"{which}: {_safe(info.delivery)}, scanned {_safe(info.scanned_at)}, "
        f"{info.assets} assets, {info.verdict} (exit {info.exit_code})"
    )


def render_diff_text(diff: ScanDiff) -> str:
    indent = " " * (2 + _STATUS_WIDTH + 1)

    def new_violation(change: Change) -> list[str]:
        was = "new in the delivery" if change.old is None else f"was {_safe(change.old.status)}"
        if change.old is not None and change.old.path != change.new.path:
            was += f" at {_safe(change.old.path)}"
        head = f"  {'violation':<{_STATUS_WIDTH}} {_safe(change.path)}  ({was})"
        return [head, *_reason_lines(change.new, indent)]

    def state(mark: str) -> Callable[[AssetState], list[str]]:
        return lambda a: [f"  {mark} {_safe(a.status):<{_STATUS_WIDTH}} {_safe(a.path)}"]

    def moved(change: Change) -> list[str]:
        old = change.old
        assert old is not None  # a move has both ends
        return [f"  {_safe(old.path)} -> {_safe(change.new.path)}"]

    def transition(change: Change) -> list[str]:
        old = change.old
        assert old is not None
        return [f"  {_safe(change.path)}: {_safe(old.status)} -> {_safe(change.new.status)}"]

    def skip(mark: str) -> Callable[[Skip], list[str]]:
        return lambda s: [f"  {mark} {_safe(s.path)}: {_safe(s.reason)}"]

    counts = diff.counts()
    lines = [
        _scan_line("old", diff.old),
        _scan_line("new", diff.new),
        *(f"note: {_safe(note)}" for note in diff.notes),
        "changes: "
        + (", ".join(f"{n} {COUNT_LABELS[k]}" for k, n in counts.items() if n) or "none"),
    ]
    lines += _section("NEW VIOLATIONS", diff.new_violations, new_violation)
    lines += _section("added", diff.added, state("+"))
    lines += _section("removed", diff.removed, state("-"))
    lines += _section("moved (same content, new path)", diff.moved, moved)
    lines += _section("content changed (same path, new sha256)", diff.content_changed, transition)
    lines += _section("status changed", diff.status_changed, transition)
    lines += _section("paths no longer scanned", diff.skipped_added, skip("+"))
    lines += _section("paths scanned again", diff.skipped_removed, skip("-"))
    n = len(diff.new_violations)
    lines.append(
        f"NEW VIOLATIONS: {n} (exit 1)" if n else "no new violation (exit 0)",
    )
    return "\n".join(lines) + "\n"


# ---- HTML ------------------------------------------------------------------------------------


@cache
def _environment() -> Environment:
    env = new_environment()
    env.tests["problem_reason"] = is_problem_reason
    return env


def render_diff_html(diff: ScanDiff) -> str:
    """One page, no script, nothing outside the file: the CSP allows only its own style."""
    style = static_text("diff.css")
    return (
        _environment()
        .get_template("diff.html.j2")
        .render(
            diff=diff,
            counts=diff.counts(),
            count_labels=COUNT_LABELS,
            old_tool=dict(diff.old.tool),
            new_tool=dict(diff.new.tool),
            csp=style_only_policy(style),
            style=Markup(style),  # noqa: S704 - our own file, checked for a closing tag
        )
    )
