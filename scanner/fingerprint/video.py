"""Sample a video's frames for perceptual hashing, decoding as little as possible (PyAV).

Pass 1 reads the packets once and decodes only keyframe packets at least `spacing` apart:
encoders put keyframes at scene cuts, and a keyframe decodes on its own. Pass 2 fills the
fixed-interval grid (every `spacing` seconds) where no keyframe sample is near, seeking to the
keyframe before each target and decoding forward only when no nearer keyframe lies between.
`spacing` is 1 s, widened for long files so that at most MAX_FRAMES frames are hashed.
Timecodes are seconds from the stream's first frame.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import BinaryIO

import av
from PIL import Image

from scanner.discover.safe_open import descriptor_path
from scanner.fingerprint import picture
from scanner.fingerprint.picture import SOURCE, pixel_bound_problem
from scanner.model import FrameHash, Problem

MAX_FRAMES = 600  # hashed frames per file, whatever its length
BASE_SPACING = 1.0  # seconds between samples (keyframes and the fixed grid)
GRID_SHARE = 400  # long files: spacing = duration / GRID_SHARE (keyframes + grid stay <= 600)

# Not MemoryError: it must reach the worker, which names the memory bound (issue 7).
_AV_ERRORS = (av.FFmpegError, OSError, ValueError, EOFError)


@dataclass(frozen=True)
class VideoSamples:
    frames: tuple[FrameHash, ...] = ()
    poster: Image.Image | None = None  # the first non-flat sampled frame, normalised
    problems: tuple[Problem, ...] = ()


@dataclass
class _Sampler:
    stream: av.video.stream.VideoStream
    start: float  # seconds of the stream's first timestamp
    frames: dict[float, FrameHash]
    sampled: list[float]  # timecodes decoded so far (flat ones too), kept sorted
    poster: tuple[float, Image.Image] | None = None

    def take(self, frame: av.VideoFrame, keyframe: bool) -> None:
        seconds = _seconds(frame, self.stream)
        if seconds is None:
            return
        timecode = max(0.0, seconds - self.start)
        bisect.insort(self.sampled, timecode)
        work = normalise_frame(frame, self.stream)
        hashed = picture.hash_picture(work, timecode, keyframe)
        if hashed is None:
            return
        self.frames[hashed.timecode] = hashed
        if self.poster is None or timecode < self.poster[0]:
            self.poster = (timecode, work)

    def near(self, timecode: float, tolerance: float) -> bool:
        i = bisect.bisect_left(self.sampled, timecode - tolerance)
        return i < len(self.sampled) and self.sampled[i] <= timecode + tolerance


def sample_video(handle: BinaryIO) -> VideoSamples:
    """Hashes of sampled frames of the first video stream of the open file `handle` (FFmpeg
    reads it through the descriptor: `descriptor_path`); problems instead of exceptions."""
    try:
        container = av.open(descriptor_path(handle), mode="r", metadata_errors="ignore")
    except _AV_ERRORS as exc:
        return _fatal(f"cannot decode video: {type(exc).__name__}: {exc}")
    with container:
        if not container.streams.video:
            return VideoSamples(problems=(Problem(SOURCE, "no video stream to fingerprint"),))
        stream = container.streams.video[0]
        if stream.codec_context is None:  # codec parameters too broken to open a decoder
            return _fatal("cannot decode video: no decoder for its video stream")
        over = pixel_bound_problem(stream.codec_context.width, stream.codec_context.height)
        if over is not None:
            return VideoSamples(problems=(over,))
        stream.thread_type = "AUTO"
        time_base = stream.time_base
        start = float(stream.start_time * time_base) if stream.start_time and time_base else 0.0
        sampler = _Sampler(stream, start, {}, [])
        problems: list[Problem] = []
        try:
            keyframes, duration = _keyframe_pass(container, stream, sampler)
            _grid_pass(container, stream, sampler, keyframes, duration)
        except _AV_ERRORS as exc:
            reached = max(sampler.sampled, default=0.0)
            message = f"video decode stopped near {reached:.1f} s: {type(exc).__name__}: {exc}"
            if not sampler.sampled:
                return _fatal(f"cannot decode video: {type(exc).__name__}: {exc}")
            problems.append(Problem(SOURCE, message[:500]))
        if not sampler.sampled:
            problems.append(Problem(SOURCE, "no decodable video frame", fatal=True))
    frames = tuple(sampler.frames[t] for t in sorted(sampler.frames))[:MAX_FRAMES]
    poster = sampler.poster[1] if sampler.poster else None
    return VideoSamples(frames, poster, tuple(problems))


def _spacing(duration: float) -> float:
    return max(BASE_SPACING, duration / GRID_SHARE)


def _duration(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0


def _keyframe_pass(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, sampler: _Sampler
) -> tuple[list[float], float]:
    """Decode keyframe packets `spacing` apart; return every keyframe's time and the duration."""
    spacing = _spacing(_duration(container, stream))
    keyframes: list[float] = []
    last_taken = -spacing
    end = 0.0
    for packet in container.demux(stream):
        seconds = _packet_seconds(packet, sampler.start)
        if seconds is not None:
            end = max(end, seconds + float((packet.duration or 0) * (packet.time_base or 0)))
        if not packet.is_keyframe or seconds is None:
            continue
        keyframes.append(seconds)
        if seconds - last_taken < spacing or len(sampler.sampled) >= MAX_FRAMES:
            continue
        last_taken = seconds
        for frame in stream.decode(packet):
            sampler.take(frame, keyframe=True)
    for frame in stream.decode(None):  # frames the decoder still holds
        sampler.take(frame, keyframe=True)
    keyframes.sort()
    return keyframes, max(end, _duration(container, stream))


def _grid_pass(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    sampler: _Sampler,
    keyframes: list[float],
    duration: float,
) -> None:
    """Decode one frame per grid point that no keyframe sample already covers."""
    spacing = _spacing(duration)
    targets = [i * spacing for i in range(int(duration / spacing) + 1)]
    targets = [t for t in targets if t < duration and not sampler.near(t, spacing / 2)]
    codec = stream.codec_context
    decoded: Iterator[av.VideoFrame] | None = None
    position = -1.0
    for target in targets:
        if len(sampler.sampled) >= MAX_FRAMES:
            return
        if sampler.near(target, spacing / 2):
            continue
        if decoded is None or position >= target or _keyframe_between(keyframes, position, target):
            _seek(container, stream, target + sampler.start)
            codec.flush_buffers()
            decoded = _decode_from_here(container, stream)
        for frame in decoded:
            seconds = _seconds(frame, stream)
            if seconds is None:
                continue
            position = seconds - sampler.start
            if position >= target - 1e-3:
                sampler.take(frame, keyframe=False)
                break
        else:
            return  # end of stream


def _seconds(frame: av.VideoFrame, stream: av.video.stream.VideoStream) -> float | None:
    """The frame's presentation time. Not `frame.time`: frames drained at flush lack a time base."""
    if frame.pts is None or not stream.time_base:
        return None
    seconds = float(frame.pts * stream.time_base)
    return seconds if math.isfinite(seconds) else None


def _keyframe_between(keyframes: list[float], after: float, upto: float) -> bool:
    i = bisect.bisect_right(keyframes, after)
    return i < len(keyframes) and keyframes[i] <= upto


def _seek(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, seconds: float
) -> None:
    offset = int(seconds / stream.time_base) if stream.time_base else 0
    container.seek(max(offset, 0), stream=stream, backward=True, any_frame=False)


def _decode_from_here(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> Iterator[av.VideoFrame]:
    for packet in container.demux(stream):
        if packet.size:
            yield from stream.decode(packet)
    yield from stream.decode(None)


def _packet_seconds(packet: av.Packet[av.video.stream.VideoStream], start: float) -> float | None:
    ts = packet.pts if packet.pts is not None else packet.dts
    if ts is None or not packet.time_base:
        return None
    return float(ts * packet.time_base) - start


def normalise_frame(frame: av.VideoFrame, stream: av.video.stream.VideoStream) -> Image.Image:
    """The frame as RGB fitted in WORK_SIZE at its display aspect (anamorphic pixels widened)."""
    sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio or Fraction(1)
    display_width = frame.width * (float(sar) if sar else 1.0)
    scale = min(1.0, picture.WORK_SIZE / max(display_width, frame.height, 1))
    width = max(1, round(display_width * scale))
    height = max(1, round(frame.height * scale))
    small = frame.reformat(width=width, height=height, format="rgb24", interpolation="AREA")
    # PyAV's stubs leave VideoFrame.to_image unannotated; it returns a PIL image
    image: Image.Image = small.to_image()  # type: ignore[no-untyped-call]
    return image


def _fatal(message: str) -> VideoSamples:
    return VideoSamples(problems=(Problem(SOURCE, message[:500], fatal=True),))
