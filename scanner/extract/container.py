"""Container extractor: video/audio tags through MediaInfo (pymediainfo's bundled library).

Evidence fields are pymediainfo's General-track keys (`writing_application`, `encoder`,
`comment`, `description`, `title`, `prompt`, `workflow`, `comapplequicktimesoftware`, ...):
every key except technical ones (formats, codecs, sizes, durations, rates, dates, paths), so
custom tags such as ComfyUI's `prompt` and `workflow` come through whatever they are called.
Video and audio tracks add `video.<key>` / `audio.<key>` for the encoding library and titles.

MediaInfo runs in a forked child with a time limit (`timed_mediainfo`): libmediainfo can spend
seconds on a damaged file.

MediaInfo shows line breaks inside a value as " / ". For MP4/MOV/M4A the exact values are read
from the file's own `keys`/`ilst`/`©xxx` atoms (`formats.bmff`), and a MediaInfo value
that is the flattened form of one of them is replaced by the exact text (JSON stays JSON).

Integrity: a video/audio file MediaInfo cannot identify, or in which it finds no audio or
video stream at all, is a fatal Problem ("unreadable: ..."): whatever metadata it may hold,
we could not trust that we read it. So is one MediaInfo calls truncated, for the formats
`integrity` does not check itself (MP3, FLAC, OGG, AIFF, MKV, MXF, MPEG-TS/PS, ASF).
"""

from __future__ import annotations

from typing import Any, BinaryIO

from pymediainfo import MediaInfo

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.discover.sniff import BMFF_FORMATS, has_reader
from scanner.extract import timed_mediainfo
from scanner.extract.formats import bmff
from scanner.extract.integrity import CHECKED_FORMATS
from scanner.extract.interface import Extracted, ExtractOptions, read_failed
from scanner.model import Evidence, Problem

SOURCE = "container"
KINDS = frozenset({"video", "audio"})

TECHNICAL_KEYS = frozenset(
    {
        "track_type", "kind_of_stream", "count", "commercial_name", "internet_media_type",
        "complete_name", "folder_name", "duration", "isstreamable", "headersize", "datasize",
        "footersize", "errordetectiontype", "interleaved", "unique_id", "tim", "tsc", "tsz",
        "encoded_date", "tagged_date", "codecs_video", "audio_codecs", "audio_channels_total",
        "movie_name", "track_name", "mdhd_duration", "streamorder", "stream_identifier",
        "original_source_form_name", "bit_rate", "overall_bit_rate", "maximum_bit_rate",
        "istruncated", "crc_error_pos", "othercount", "fileextension_invalid",
    }
)  # fmt: skip
TECHNICAL_PREFIXES = (
    "other_", "format", "codec", "count_of", "stream_", "file_", "overall_bit_rate",
    "frame_", "proportion_", "source_", "gop_", "delay",
)  # fmt: skip
TECHNICAL_SUFFIXES = ("_format_list", "_format_withhint_list", "_language_list", "_codec_list")
TRACK_KEYS = frozenset(
    {"writing_library", "encoded_library", "encoded_library_name", "title", "comment",
     "description"}
)  # fmt: skip
TRACK_PREFIX = {"Video": "video.", "Audio": "audio."}


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    if media.kind not in KINDS or not has_reader(media.format):
        return Extracted()
    try:
        exact = _exact_values(media.format, handle)
        info = timed_mediainfo.parse(handle)
    except OSError as exc:
        return read_failed(SOURCE, exc)
    except Exception as exc:  # noqa: BLE001 - MediaInfoError, or whatever the C library did
        return Extracted(problems=(Problem(SOURCE, f"unreadable: {exc}", True),))
    general = info.general_tracks[0].to_data() if info.general_tracks else {}
    problem = _integrity(media, general, info)
    evidence = [Evidence(SOURCE, k, _exact(v, exact)) for k, v in _tag_items(general)]
    for track in info.tracks:
        prefix = TRACK_PREFIX.get(track.track_type)
        if prefix is None:
            continue
        for key, value in track.to_data().items():
            if key in TRACK_KEYS and isinstance(value, str) and value.strip():
                evidence.append(Evidence(SOURCE, prefix + key, _exact(value, exact)))
    return Extracted(evidence=tuple(_unique(evidence)), problems=(problem,) if problem else ())


def _integrity(media: MediaFile, general: dict[str, Any], info: MediaInfo) -> Problem | None:
    if not general.get("format"):
        return Problem(SOURCE, "unreadable: MediaInfo does not recognise the container", True)
    if not (info.video_tracks or info.audio_tracks):
        return Problem(SOURCE, "unreadable: no audio or video stream found", True)
    # Our own structure check covers RIFF and BMFF; MediaInfo's verdict covers the rest.
    if general.get("istruncated") == "Yes" and media.format not in CHECKED_FORMATS:
        return Problem(SOURCE, "truncated: MediaInfo reports the file is cut short", True)
    return None


def _tag_items(general: dict[str, Any]) -> list[tuple[str, str]]:
    items = []
    for key, value in general.items():
        if key.startswith("conformance_"):
            break  # MediaInfo's conformance report (box names, "Yes", messages) ends the track
        if not isinstance(value, str) or not value.strip() or _is_technical(key):
            continue
        items.append((key, value))
    return items


def _is_technical(key: str) -> bool:
    return (
        key in TECHNICAL_KEYS
        or key.startswith(TECHNICAL_PREFIXES)
        or key.endswith(TECHNICAL_SUFFIXES)
    )


def _exact_values(fmt: str, handle: BinaryIO) -> dict[str, str]:
    """Flattened form (as MediaInfo shows it) -> exact text, from the file's own atoms."""
    if fmt not in BMFF_FORMATS:
        return {}
    scan = bmff.scan(handle, file_size(handle))
    return {flatten(text): text for _key, text in scan.items if "\n" in text or "\r" in text}


def flatten(text: str) -> str:
    """How MediaInfo shows a multi-line value: each line break becomes " / "."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", " / ")


def _exact(value: str, exact: dict[str, str]) -> str:
    return exact.get(value, value)


def _unique(evidence: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str]] = set()
    out = []
    for item in evidence:
        if (item.field, item.value) not in seen:
            seen.add((item.field, item.value))
            out.append(item)
    return out
