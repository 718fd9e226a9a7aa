"""The cut in the HTML report: what the timeline section draws, from the document.

Reads the document's `timelines` and `packages`.

One strip per timeline, a row per track: each event a box placed by its record in and length
(an SVG drawn on the server: the page's Content-Security-Policy allows no style attribute, and
SVG coordinates are attributes). AI events are coloured by their status, events whose media is
missing are outlined, the rest are grey; each links to its asset in the list below. Under the
strip: the AI in the cut (what a supervisor signs), the missing media, and every event. All
text stays text: the template escapes it.
"""

from __future__ import annotations

from typing import Any

from scanner.model import STATUSES

STRIP_WIDTH = 1000  # SVG user units across a strip
TRACK_HEIGHT = 22
MAX_EVENT_ROWS = 2000  # rows of the every-event table per timeline; the CSV has them all
AI_SHOWN = ("generated", "composite")


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _events(timeline: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in timeline.get("events") or [] if isinstance(e, dict)]


def _segment_class(event: dict[str, Any]) -> str:
    status = event.get("status")
    if event.get("ai") in AI_SHOWN and status in STATUSES:
        return f"seg ai st-{status}"
    if "missing-media" in (event.get("reasons") or []):
        return "seg missing"
    return "seg plain" if event.get("assets") else "seg none"


def cut_view(doc: dict[str, Any]) -> dict[str, Any]:
    """What `timelines.html.j2` draws."""
    timelines = [_timeline(t) for t in doc.get("timelines") or [] if isinstance(t, dict)]
    packages = [p for p in doc.get("packages") or [] if isinstance(p, dict)]
    return {"timelines": timelines, "packages": packages}


def _timeline(timeline: dict[str, Any]) -> dict[str, Any]:
    events = _events(timeline)
    total = max(
        [_int(timeline.get("frames"))]
        + [_int(e.get("start")) + _int(e.get("frames")) for e in events]
        + [1]
    )
    tracks: list[str] = []
    for event in events:
        if str(event.get("track", "")) not in tracks:
            tracks.append(str(event.get("track", "")))
    segments = []
    for event in events:
        start, length = max(0, _int(event.get("start"))), max(0, _int(event.get("frames")))
        assets = event.get("assets") or []
        segments.append(
            {
                "x": round(start * STRIP_WIDTH / total, 2),
                "y": tracks.index(str(event.get("track", ""))) * TRACK_HEIGHT + 2,
                "w": max(round(length * STRIP_WIDTH / total, 2), 0.8),
                "cls": _segment_class(event),
                "asset": str(assets[0]) if assets else "",
                "title": _title(event),
            }
        )
    ai = [e for e in events if e.get("ai") in AI_SHOWN]
    missing = [e for e in events if "missing-media" in (e.get("reasons") or [])]
    return {
        "doc": timeline,
        "tracks": [
            (name, i * TRACK_HEIGHT + TRACK_HEIGHT // 2 + 2) for i, name in enumerate(tracks)
        ],
        "height": max(1, len(tracks)) * TRACK_HEIGHT + 4,
        "width": STRIP_WIDTH,
        "segments": segments,
        "ai": ai,
        "missing": missing,
        "events": events[:MAX_EVENT_ROWS],
        "events_more": max(0, len(events) - MAX_EVENT_ROWS),
        "counts": {s: sum(1 for e in ai if e.get("status") == s) for s in STATUSES},
    }


def _title(event: dict[str, Any]) -> str:
    status = event.get("status") or "no media to judge"
    return (
        f"{event.get('track', '')} {event.get('event', '')} {event.get('clip', '')}: "
        f"{event.get('record_in', '')}-{event.get('record_out', '')}, {status}"
    )
