"""container extractor: MediaInfo tags of real PyAV-made video/audio, exact multi-line values,
unreadable and truncated streams as fatal problems, and the time limit on libmediainfo."""

from __future__ import annotations

import json
import os
import re
import struct
import time
from pathlib import Path

import av
import pytest
from PIL import Image

from scanner.discover.media import MediaFile
from scanner.extract import container, timed_mediainfo
from scanner.extract.interface import ExtractOptions
from tests.extract_helpers import (
    box,
    call_opened,
    corpus_file,
    messages,
    pairs,
    run,
    write_audio,
    write_video,
)

LAVF = "Lavf{}.{}.{}".format(*av.library_versions["libavformat"])
X264 = re.compile(r"x264 - core \d+")


def tracks_apart(result) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(General-track pairs, {track key: value}) with the encoder versions checked loosely."""
    general = [(f, v) for f, v in pairs(result) if not f.startswith(("video.", "audio."))]
    tracks = {f: v for f, v in pairs(result) if f.startswith(("video.", "audio."))}
    return general, tracks


def test_mp4_itunes_tags(tmp_path: Path) -> None:
    path = tmp_path / "x.mp4"
    write_video(path, "mp4", "libx264", metadata={"title": "T1", "comment": "C1",
                                                  "description": "D1"})  # fmt: skip
    result = run(container, path)
    general, tracks = tracks_apart(result)
    assert general == [
        ("title", "T1"),
        ("description", "D1"),
        ("writing_application", LAVF),
        ("comment", "C1"),
    ]
    assert tracks.keys() == {"video.writing_library", "video.encoded_library_name"}
    assert X264.fullmatch(tracks["video.writing_library"])
    assert result.problems == ()


def test_mov_mdta_keys_keep_their_exact_multi_line_values(tmp_path: Path) -> None:
    workflow = json.dumps({"nodes": [{"id": i, "type": "KSampler"} for i in range(50)]}, indent=1)
    prompt = "a cat\nSteps: 20, Sampler: Euler a"
    path = tmp_path / "comfy.mov"
    write_video(
        path, "mov", "libx264", {"movflags": "use_metadata_tags"},
        {"prompt": prompt, "workflow": workflow, "com.apple.quicktime.software": "Sora",
         "title": "T2"},
    )  # fmt: skip
    general, _tracks = tracks_apart(run(container, path))
    assert general == [
        ("prompt", prompt),
        ("workflow", workflow),
        ("comapplequicktimesoftware", "Sora"),
        ("title", "T2"),
        ("encoder", LAVF),
    ]
    assert json.loads(dict(general)["workflow"])["nodes"][49]["id"] == 49


def test_mkv_and_audio_formats(tmp_path: Path) -> None:
    mkv = tmp_path / "x.mkv"
    write_video(mkv, "matroska", "libx264", metadata={"title": "T3", "prompt": "P3"})
    general, tracks = tracks_apart(run(container, mkv))
    assert general == [
        ("title", "T3"), ("writing_application", LAVF), ("writing_library", LAVF), ("prompt", "P3"),
    ]  # fmt: skip
    assert tracks.keys() == {"video.writing_library", "video.encoded_library_name"}
    assert X264.fullmatch(tracks["video.writing_library"])
    assert tracks["video.encoded_library_name"] == "x264"

    tags = {"title": "T", "comment": "C", "prompt": "P"}
    cases = {
        "a.mp3": ("mp3", "libmp3lame"),
        "a.ogg": ("ogg", "opus"),
        "a.flac": ("flac", "flac"),
        "a.wav": ("wav", "pcm_s16le"),
        "a.aiff": ("aiff", "pcm_s16be"),
    }
    found = {}
    for name, (fmt, codec) in cases.items():
        write_audio(tmp_path / name, fmt, codec, metadata=tags)
        result = run(container, tmp_path / name)
        assert result.problems == (), name
        found[name] = pairs(result)
    assert found == {
        "a.mp3": [("title", "T"), ("writing_library", "LAME3.100"), ("comment", "C"),
                  ("prompt", "P"), ("audio.writing_library", "LAME3.100")],
        "a.ogg": [("title", "T"), ("description", "C"), ("writing_application", LAVF),
                  ("prompt", "P"), ("audio.writing_library", LAVF)],
        "a.flac": [("title", "T"), ("description", "C"), ("writing_application", LAVF),
                   ("prompt", "P"), ("audio.writing_library", LAVF)],
        "a.wav": [("title", "T"), ("writing_application", LAVF), ("comment", "C")],
        "a.aiff": [("title", "T"), ("comment", "C")],
    }  # fmt: skip


def test_images_are_left_alone(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4)).save(tmp_path / "x.png")
    assert run(container, tmp_path / "x.png") == container.Extracted()


def test_a_movie_without_streams_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.write_bytes(box(b"ftyp", b"isom\x00\x00\x00\x00isom") + box(b"free", b"\x00" * 64))
    assert messages(run(container, path)) == [
        ("container", "unreadable: no audio or video stream found", True)
    ]


def test_unrecognised_bytes_are_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "noise.mkv"
    path.write_bytes(os.urandom(4096))
    media = MediaFile(path, "noise.mkv", "video/x-matroska", "MKV", "video", 4096)
    assert messages(call_opened(container.extract, media, ExtractOptions())) == [
        ("container", "unreadable: MediaInfo does not recognise the container", True)
    ]


@pytest.mark.parametrize(("name", "fmt", "codec"), [("x.mkv", "matroska", "libx264"),
                                                    ("a.mp3", "mp3", "libmp3lame")])  # fmt: skip
def test_truncated_streams_are_fatal(tmp_path: Path, name: str, fmt: str, codec: str) -> None:
    whole = tmp_path / name
    if codec == "libx264":
        write_video(whole, fmt, codec, metadata={"title": "T"})
    else:
        write_audio(whole, fmt, codec, metadata={"title": "T"})
    data = whole.read_bytes()
    cut = tmp_path / ("cut_" + name)
    cut.write_bytes(data[: len(data) // 2])
    assert run(container, whole).problems == ()
    result = run(container, cut)
    assert ("title", "T") in pairs(result)  # what was read is still shown
    assert messages(result) == [
        ("container", "truncated: MediaInfo reports the file is cut short", True)
    ]


def test_bmff_truncation_is_left_to_the_integrity_check(tmp_path: Path) -> None:
    path = tmp_path / "x.mp4"
    data = write_video(path, "mp4", "libx264", metadata={"title": "T"})
    moov_at = data.rfind(b"moov") - 4
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: moov_at + struct.unpack(">I", data[moov_at : moov_at + 4])[0] - 10])
    assert [m for m in messages(run(container, cut)) if "truncated" in m[1]] == []


def test_mediainfo_is_killed_when_late(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The kill path: a child that never answers (standing in for libmediainfo stuck on a
    # damaged file, which fuzzing here found taking seconds) is killed at the limit.
    path = tmp_path / "clip.bin"
    path.write_bytes(b"\x00" * 64)
    monkeypatch.setattr(timed_mediainfo, "_xml", lambda name: time.sleep(60) or "")
    started = time.perf_counter()
    with open(path, "rb") as handle:
        with pytest.raises(timed_mediainfo.MediaInfoError, match="no answer within 0.5 s"):
            timed_mediainfo.parse(handle, timeout=0.5)
        assert time.perf_counter() - started < 5
        # A child that dies (as a crash in the C library would) is a failure, not a hang.
        monkeypatch.setattr(timed_mediainfo, "_xml", lambda name: os.kill(os.getpid(), 9))
        with pytest.raises(timed_mediainfo.MediaInfoError, match="child exit status -9"):
            timed_mediainfo.parse(handle)


def test_mediainfo_reads_the_open_descriptor_not_the_path(tmp_path: Path) -> None:
    """MediaInfo is given the analysis' descriptor: replacing the file at the path after the
    open changes nothing about what it reads."""
    from fixtures.media import h264_mp4

    clip = h264_mp4(tmp_path / "clip.mp4")
    with open(clip, "rb") as handle:
        os.replace(tmp_path / "clip.mp4", tmp_path / "moved.mp4")
        clip.write_bytes(b"not a video any more")
        info = timed_mediainfo.parse(handle)
    assert info.video_tracks, "MediaInfo read the replaced path, not the open file"


# --- corpus -----------------------------------------------------------------------------------


def test_corpus_avi_and_wav() -> None:
    avi = run(container, corpus_file("contentauth+c2pa-rs/sdk/tests/fixtures/test.avi"))
    assert pairs(avi) == [
        ("writing_application", "Lavf57.19.100"),
        ("video.writing_library", "x264 - core 148"),
        ("video.encoded_library_name", "x264"),
    ]
    wav = run(container, corpus_file("contentauth+c2pa-rs/sdk/tests/fixtures/sample1.wav"))
    assert pairs(wav) == [
        ("title", "Impact Moderato"),
        ("album", "YouTube Audio Library"),
        ("performer", "Kevin MacLeod"),
        ("director", "Kevin MacLeod"),
        ("genre", "Cinematic"),
    ]
    assert avi.problems == wav.problems == ()
