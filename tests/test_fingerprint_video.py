"""Perceptual fingerprints of video: frame sampling, timecodes, bounds, and a known-AI still
found inside an H.264 encode. Videos are encoded here with PyAV (libx264, prores_ks)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from bench.photolike import photo
from scanner.discover.media import MediaFile
from scanner.discover.walk import walk
from scanner.engine.libraries import build_library
from scanner.fingerprint import hashing, video
from scanner.fingerprint.library import hits_as_evidence, match_known_ai
from scanner.fingerprint.similarity import timecode_text
from tests.extract_helpers import opened

fingerprint_media = opened(hashing.fingerprint_media)

SIZE = (640, 360)
FPS = 24

Shot = tuple[Callable[[int], Image.Image], float]  # frame maker (index within shot), seconds


def media(path: Path) -> MediaFile:
    found = [m for m in walk(path.parent) if isinstance(m, MediaFile) and m.path.name == path.name]
    assert len(found) == 1, found
    return found[0]


def fitted(picture: Image.Image, size: tuple[int, int] = SIZE) -> Image.Image:
    """The picture on a black frame of `size` (pillarbox/letterbox), as an editor places it."""
    canvas = Image.new("RGB", size)
    copy = picture.copy()
    copy.thumbnail(size, Image.Resampling.LANCZOS)
    canvas.paste(copy, ((size[0] - copy.width) // 2, (size[1] - copy.height) // 2))
    return canvas


def panning(seed: int) -> Callable[[int], Image.Image]:
    """A live-action-like shot: a wide picture panned 2 px a frame."""
    wide = photo(seed, 1100).resize((1100, SIZE[1]))

    def frame(i: int) -> Image.Image:
        x = (2 * i) % (wide.width - SIZE[0])
        return wide.crop((x, 0, x + SIZE[0], SIZE[1]))

    return frame


def held(picture: Image.Image) -> Callable[[int], Image.Image]:
    return lambda _i: picture


def black(_i: int) -> Image.Image:
    return Image.new("RGB", SIZE)


def encode(path: Path, shots: list[Shot], codec: str = "libx264", **options: str) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=FPS, options=options)
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv422p10le" if codec == "prores_ks" else "yuv420p"
        for make, seconds in shots:
            for i in range(round(seconds * FPS)):
                for packet in stream.encode(av.VideoFrame.from_image(make(i))):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def test_known_ai_still_cut_into_an_h264_mp4_is_caught_with_its_timecode(tmp_path: Path) -> None:
    library_dir = tmp_path / "known-ai"
    library_dir.mkdir()
    ai_still = photo(11, 960)
    ai_still.save(library_dir / "fox_v3.png")
    for seed in range(20, 26):
        photo(seed, 480).save(library_dir / f"other_{seed}.png")
    library = build_library(library_dir)

    # 0-3.5 s live action, 3.5-6 s the AI still (pillarboxed), 6-9 s live action.
    clip = encode(
        tmp_path / "reel.mp4",
        [
            (panning(70), 3.5),
            (held(fitted(ai_still)), 2.5),
            (panning(71), 3.0),
        ],
    )
    frames = fingerprint_media(media(clip)).frames
    hits = match_known_ai(frames, library, kind="video")

    assert [h.library_file for h in hits] == ["fox_v3.png"]
    (hit,) = hits
    assert hit.timecode is not None and abs(hit.timecode - 3.5) <= 1.0
    assert hit.meaning == "ai-composite"  # one shot of the reel, not the whole of it
    (evidence,), (signal,) = hits_as_evidence(hits)
    assert evidence.field == "known-ai:fox_v3.png"
    assert evidence.value == (
        f"phash distance {hit.distance.phash}, dhash distance {hit.distance.dhash}, "
        f"at {timecode_text(hit.timecode)}"
    )
    assert (signal.rule_id, signal.meaning) == ("FP-KNOWN-AI", "ai-composite")


def test_a_known_ai_clip_reencoded_is_the_item_itself(tmp_path: Path) -> None:
    library_dir = tmp_path / "known-ai"
    library_dir.mkdir()
    encode(library_dir / "gen_clip.mp4", [(panning(80), 4.0)], crf="18")
    library = build_library(library_dir)
    assert {i.kind for i in library.items} == {"video"}
    delivery_clip = encode(tmp_path / "delivered.mp4", [(panning(80), 4.0)], crf="30")
    hits = match_known_ai(fingerprint_media(media(delivery_clip)).frames, library)
    assert [h.library_file for h in hits] == ["gen_clip.mp4"]
    assert hits[0].meaning == "ai-generated" and hits[0].share >= 0.8
    assert hits[0].library_timecode is not None


def test_sampling_keyframes_and_grid_with_timecodes(tmp_path: Path) -> None:
    # Black lead-in, three shots (x264 puts keyframes at the cuts), long GOP (keyint 250).
    clip = encode(
        tmp_path / "cut.mp4",
        [
            (black, 1.0),
            (panning(1), 4.0),
            (panning(2), 4.0),
            (panning(3), 4.0),
        ],
    )
    result = fingerprint_media(media(clip))
    assert result.problems == ()
    timecodes = [f.timecode for f in result.frames]
    assert timecodes == sorted(timecodes) and len(set(timecodes)) == len(timecodes)
    assert timecodes[0] >= 1.0  # the black second gives no hash
    assert timecodes[-1] <= 13.0
    assert 10 <= len(timecodes) <= 18  # about one a second, keyframes at the cuts included
    keyframes = [f.timecode for f in result.frames if f.keyframe]
    for cut in (5.0, 9.0):
        assert any(abs(t - cut) < 0.1 for t in keyframes), keyframes
    gaps = np.diff([0.0, *timecodes, 13.0])
    assert gaps.max() <= 1.6
    # The poster is the first picture that is not black.
    thumb = Image.open(io.BytesIO(base64.b64decode(result.thumbnail.split(",", 1)[1])))
    assert thumb.size == (160, 90)
    assert np.asarray(thumb.convert("L")).mean() > 20


def test_intra_only_prores_is_sampled_not_decoded_whole(tmp_path: Path) -> None:
    clip = encode(tmp_path / "master.mov", [(panning(5), 3.0)], codec="prores_ks")
    result = fingerprint_media(media(clip))
    assert result.problems == ()
    assert all(f.keyframe for f in result.frames)  # every ProRes frame is a keyframe
    assert [round(f.timecode) for f in result.frames] == [0, 1, 2]


def test_frame_count_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = encode(tmp_path / "long.mp4", [(panning(6), 10.0)], g="24")
    assert len(fingerprint_media(media(clip)).frames) == 10
    monkeypatch.setattr(video, "GRID_SHARE", 4)  # spacing = 10 s / 4 = 2.5 s: keyframes at
    # least 2.5 s apart (0, 3, 6, 9 of the 1 s GOP), grid points no keyframe covers (7.5)
    frames = fingerprint_media(media(clip)).frames
    assert [f.timecode for f in frames] == [0.0, 3.0, 6.0, 7.5, 9.0]
    monkeypatch.setattr(video, "MAX_FRAMES", 3)
    assert len(fingerprint_media(media(clip)).frames) == 3


def test_truncated_mp4_is_a_fatal_problem(tmp_path: Path) -> None:
    whole = encode(tmp_path / "whole.mp4", [(panning(7), 2.0)])
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    result = fingerprint_media(media(cut))
    assert result.frames == () and result.thumbnail == ""
    assert [p.fatal for p in result.problems] == [True]
    assert result.problems[0].message.startswith("cannot decode video")


def test_video_over_the_pixel_bound_is_refused_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = encode(tmp_path / "clip.mp4", [(panning(8), 1.0)])
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 640 * 360 - 1)
    result = fingerprint_media(media(clip))
    assert result.frames == ()
    (problem,) = result.problems
    assert problem.fatal and "640x360 = 230400 pixels, over the bound of 230399" in problem.message
