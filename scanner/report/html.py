"""HTML format: one self-contained reviewer report rendered from a provscan/1 document.

The page is the Jinja template with the CSS and JS inlined; the asset list is drawn by the JS
from a JSON data block, a page of rows at a time, so a 10,000-asset delivery stays usable.
Nothing from a media file is ever markup: the template autoescapes, the data block is JSON
with every character that could end the block escaped, and the JS only uses textContent.
Every string from the document sits in its own <bdi> (template and JS alike), so a bidi
override in it cannot reorder the text around it, and its invisible format characters (and,
in paths, its control characters) are shown as marked escapes (`\u202e`), so a reviewer sees
that `evil\u202egpj.exe` is not "evilexe.jpg".
The Content-Security-Policy allows exactly the inline style and script (by sha256), images
from data: URIs and nothing else: no request can leave the page. The output is a function of
the document alone (no nonce, no clock), so a stored scan re-renders byte for byte.

The page is written in three parts so the assets are never all in memory: the template around
the data block (one pass over the assets first collects the filter choices), then the data
block an asset at a time, then the rest. The CSP hashes cover only the style and the script,
not the data block (a JSON block is never executed), so streaming it changes no hash.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Any, TextIO

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from scanner.common.safetext import terminal_safe, visible_pieces
from scanner.model import AI_VALUES, CREDENTIAL_VALUES, STATUSES
from scanner.policy.gate import PROBLEM_STATUSES
from scanner.policy.reasons import REASONS
from scanner.report.document import (
    ReportSource,
    policy_from_delivery,
    policy_parts,
    source_of_document,
)
from scanner.report.html_cut import cut_view
from scanner.report.verdict import is_problem_reason, verdict_of

# A thumbnail bigger than this (as a data: URI) is left out of the page.
MAX_THUMBNAIL_CHARS = 64 * 1024
_THUMBNAIL = re.compile(r"data:image/(?:jpeg|png|webp);base64,(?:[A-Za-z0-9+/]{4})+")
_THUMBNAIL_PADDED = re.compile(
    r"data:image/(?:jpeg|png|webp);base64,(?:[A-Za-z0-9+/]{4})*"
    r"(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)"
)
# Archival checks locate a change on a grid of this many tiles (row-major positions).
ARCHIVE_TILES = 16
# The skipped-paths list is drawn server-side; past this many, the page says how many more.
MAX_SKIPPED_SHOWN = 1000

AI_LABELS = {"generated": "AI-generated", "composite": "AI composite", "none": "no AI signal found"}
# Each label starts with the word the JSON and CSV use (`absent`, never "none").
CREDENTIAL_LABELS = {
    "trusted": "trusted: signer chains to your trust anchors",
    "valid": "valid: signer not on a trust list",
    "invalid": "invalid: changed after signing",
    "remote": "remote: referenced, not fetched",
    "absent": "absent: no C2PA manifest",
}
ARCHIVAL_LABELS = {
    "verified": "verified: matches an original archival scan",
    "altered": "altered: an original archival scan, changed",
    "unverified": "unverified: no original archival scan is near",
}
CREDENTIAL_SHORT = {
    "trusted": "trusted",
    "valid": "valid (untrusted signer)",
    "invalid": "INVALID",
    "remote": "remote (not fetched)",
    "absent": "absent",
}

# Characters that could close the data block (</script>, <!--) or confuse an HTML or JS
# parser; all non-ASCII (U+2028/2029, lone surrogates) is escaped by ensure_ascii.
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def valid_thumbnail(uri: Any) -> bool:
    """A data: URI of a JPEG, PNG or WebP, strict base64 that decodes, within the size cap."""
    if not isinstance(uri, str) or not uri or len(uri) > MAX_THUMBNAIL_CHARS:
        return False
    if not (_THUMBNAIL.fullmatch(uri) or _THUMBNAIL_PADDED.fullmatch(uri)):
        return False
    try:
        base64.b64decode(uri.split(",", 1)[1], validate=True)
    except ValueError:
        return False
    return True


def script_json(value: Any) -> str:
    """JSON that is inert inside <script type="application/json">."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).translate(_JSON_ESCAPES)


def _text(value: Any) -> str:
    """A document string fit for UTF-8 output (lone surrogates from odd file names -> U+FFFD)."""
    return _SURROGATES.sub("\ufffd", value if isinstance(value, str) else str(value))


def _isolate(value: Any, *, controls: bool) -> Markup:
    """<bdi> around the escaped text, its invisible characters as <span class="esc">."""
    pieces = (
        Markup('<span class="esc">{}</span>').format(piece) if escaped else escape(piece)
        for piece, escaped in visible_pieces(_text(value), controls=controls)
    )
    return Markup("<bdi>") + Markup("").join(pieces) + Markup("</bdi>")


def isolate(value: Any) -> Markup:
    """A value from the document (a name, a tool, a reason): isolated, invisibles shown."""
    return _isolate(value, controls=False)


def isolate_path(value: Any) -> Markup:
    """A path from the document: isolated, invisible and control characters shown."""
    return _isolate(value, controls=True)


def visible(value: Any) -> str:
    """A value for where no element can go (an <option>, the <title>, an attribute): its
    invisible and control characters as plain escapes."""
    return terminal_safe(_text(value))


@cache
def static_text(name: str) -> str:
    """Our own static/NAME (CSS or JS) to inline, refused if it could close its element."""
    text = resources.files("scanner.report").joinpath("static", name).read_text("utf-8")
    closing = "</script" if name.endswith(".js") else "</style"
    if closing in text.lower():
        raise RuntimeError(f"static/{name} must not contain {closing}")
    return text


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(style: str, script: str) -> str:
    return "; ".join(
        [
            "default-src 'none'",
            "img-src data:",
            f"style-src {_csp_hash(style)}",
            f"script-src {_csp_hash(script)}",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def style_only_policy(style: str) -> str:
    """The CSP of a page with no script: its one inline style, nothing else at all."""
    return "; ".join(
        [
            "default-src 'none'",
            f"style-src {_csp_hash(style)}",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def new_environment() -> Environment:
    """The templates' environment with the escaping filters every page of ours uses (this
    report, `provscan diff`'s page): autoescape, strict undefined, text isolated and visible."""
    env = Environment(
        loader=PackageLoader("scanner.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["text"] = _text
    env.filters["isolate"] = isolate
    env.filters["isolate_path"] = isolate_path
    env.filters["visible"] = visible
    env.filters["status_class"] = _status_class
    return env


@cache
def _environment() -> Environment:
    env = new_environment()
    env.filters["capitalize_first"] = lambda text: text[:1].upper() + text[1:]
    env.filters["policy_parts"] = policy_parts
    env.filters["policy_from_delivery"] = policy_from_delivery
    return env


def _page_asset(asset: dict[str, Any]) -> dict[str, Any]:
    """What the page needs of one asset: all but the raw fingerprints, pictures checked."""
    view = {k: v for k, v in asset.items() if k not in ("fingerprints", "thumbnail")}
    view["frames"] = len(asset.get("fingerprints") or [])
    thumbnail = asset.get("thumbnail")
    view["thumbnail"] = thumbnail if valid_thumbnail(thumbnail) else ""
    if thumbnail and not view["thumbnail"]:
        view["thumbnail_note"] = "thumbnail left out (not a small JPEG/PNG/WebP data URI)"
    if "archival" in asset:
        view["archival"] = _page_archival(asset["archival"])
    sequence = asset.get("sequence")
    if isinstance(sequence, dict):  # every frame's hash stays in the JSON, not in the page
        view["sequence"] = {k: v for k, v in sequence.items() if k != "frames"}
    return view


def _page_archival(check: Any) -> dict[str, Any] | None:
    """An archival check with its source picture held to the thumbnail rule, tiles in range."""
    if not isinstance(check, dict):
        return None
    view = dict(check)
    uri = check.get("source_thumbnail")
    view["source_thumbnail"] = uri if valid_thumbnail(uri) else ""
    if uri and not view["source_thumbnail"]:
        view["source_thumbnail_note"] = (
            "source picture left out (not a small JPEG/PNG/WebP data URI)"
        )
    tiles = check.get("changed_tiles")
    view["changed_tiles"] = sorted(
        {t for t in tiles if type(t) is int and 0 <= t < ARCHIVE_TILES}
        if isinstance(tiles, (list, tuple))
        else set()
    )
    return view


def _folders_of(path: str) -> Iterator[str]:
    """Every folder above an asset's path, at any depth."""
    parts = path.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        yield "/".join(parts[:depth])


def _filter_options(assets: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Tool and folder choices for the filters, in one pass over the assets."""
    generators: Counter[str] = Counter()
    untooled = 0
    folders: set[str] = set()
    for asset in assets:
        generators.update(dict.fromkeys(asset.get("generators") or []).keys())
        untooled += not asset.get("generators")
        folders.update(_folders_of(str(asset.get("path", ""))))
    return {
        "tools": sorted(generators.items(), key=lambda item: item[0].casefold()),
        "untooled": untooled,
        "folders": sorted(folders),
    }


def _status_class(status: Any) -> str:
    """A status as a CSS class suffix: one of ours, else "other" (a document's status is
    text from a file, never a class name)."""
    return status if status in STATUSES else "other"


def _statuses(summary: dict[str, Any]) -> list[str]:
    """The statuses to count and filter by: the document's (in its order, so a status a
    later provscan added is shown), then any of ours it lacks (a scan stored earlier)."""
    counts = summary.get("by_status")
    found = [str(s) for s in counts] if isinstance(counts, dict) else []
    return list(dict.fromkeys([*found, *STATUSES]))


def _reason_chips(summary: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The reason filters: problems (worst status first, then most frequent) and the reasons
    that are no problem (approved, no-ai-signal, ...), each with its count and meaning."""
    counts = summary.get("by_reason")
    problems: list[dict[str, Any]] = []
    harmless: list[dict[str, Any]] = []
    for code, count in counts.items() if isinstance(counts, dict) else ():
        if type(count) is not int or count <= 0:
            continue
        status, meaning = REASONS.get(code, ("", "a reason this version of provscan does not know"))
        chip = {"code": str(code), "count": count, "status": _status_class(status)}
        chip["meaning"] = meaning
        (problems if is_problem_reason(str(code)) else harmless).append(chip)
    severity = {s: i for i, s in enumerate(PROBLEM_STATUSES)}
    problems.sort(key=lambda c: (severity.get(c["status"], 1), -c["count"], c["code"]))
    harmless.sort(key=lambda c: (-c["count"], c["code"]))
    return {"problems": problems, "harmless": harmless}


# What the data block holds besides the assets, in this order after them.
_DATA_REST = {
    "labels": {
        "ai": AI_LABELS,
        "credentials": CREDENTIAL_LABELS,
        "credentials_short": CREDENTIAL_SHORT,
        "archival": ARCHIVAL_LABELS,
    },
    "statuses": list(STATUSES),
    # what the page counts as a problem: these statuses, and any status not in "statuses"
    "problem_statuses": list(PROBLEM_STATUSES),
    # reason code -> [the status it forces, what it means]; a code not here is a problem
    "reasons": {code: list(entry) for code, entry in REASONS.items()},
}


def _data_block(assets: Iterable[dict[str, Any]]) -> Iterator[str]:
    """script_json({"assets": [...], **_DATA_REST}) in pieces, one asset per piece."""
    yield '{"assets":['
    separator = ""
    for asset in assets:
        yield separator + script_json(_page_asset(asset))
        separator = ","
    yield "]," + script_json(_DATA_REST)[1:]  # '{"labels":...' without its opening brace


def write_html(source: ReportSource, handle: TextIO) -> None:
    """The reviewer report, one self-contained HTML page, to a text stream."""
    doc = source.header
    style = static_text("report.css")
    script = static_text("report.js")
    skipped = list(doc.get("skipped") or [])
    # Stands in for the data block; a fresh random token cannot occur in the document.
    marker = f"provscan-data-{secrets.token_hex(16)}"
    summary = doc.get("summary")
    summary = summary if isinstance(summary, dict) else {}
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(
            doc=doc,
            summary=summary,
            tool=doc.get("tool") or {},
            verdict=verdict_of(doc),
            chips=_reason_chips(summary),
            statuses=_statuses(summary),
            ai_values=AI_VALUES,
            credential_values=CREDENTIAL_VALUES,
            ai_labels=AI_LABELS,
            credential_labels=CREDENTIAL_LABELS,
            options=_filter_options(source.assets),
            skipped=skipped[:MAX_SKIPPED_SHOWN],
            skipped_more=max(0, len(skipped) - MAX_SKIPPED_SHOWN),
            cut=cut_view(doc),
            csp=content_security_policy(style, script),
            # Our own files (checked for a closing tag), our marker, and JSON escaped by
            # script_json: the only strings marked safe. Nothing read from a media file
            # reaches markup unescaped.
            style=Markup(style),  # noqa: S704
            script=Markup(script),  # noqa: S704
            data_json=Markup(marker),  # noqa: S704
        )
    )
    before, found, after = page.partition(marker)
    if not found or marker in after:
        raise RuntimeError("the report template must hold the data block exactly once")
    handle.write(before)
    for piece in _data_block(source.assets):
        handle.write(piece)
    handle.write(after)


def render_html(doc: dict[str, Any]) -> str:
    """The reviewer report for a provscan/1 document, as one self-contained HTML page."""
    buffer = io.StringIO(newline="")
    write_html(source_of_document(doc), buffer)
    return buffer.getvalue()
