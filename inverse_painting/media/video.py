"""Video reading (decord, or PyAV where decord is missing or refuses a file) and writing
(ffmpeg via imageio-ffmpeg).

Readers decode sequentially and drop frames to reach a sampling rate: on long-GOP
H.264, seeking to every Nth frame is ~10x slower than decoding them all. The ``auto`` reader
is decord except for GIFs (decord cannot measure their frame count) and files decord fails
to open, which PyAV reads. A sample can bring companions: the decoded frames nearest to a
moment before and after it, kept from the same sequential decode. With decord, whose index
gives every frame's timestamp up front, the samples are chosen from the timestamps first and
the frames between them are decoded but never converted to RGB (a third less time at 720p).
"""

from __future__ import annotations

import importlib.util
import os
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import numpy as np

from ..pipeline.errors import UserError
from ..registry import Backend, Registry


class UnreadableVideo(UserError, ValueError):
    """The file is missing, empty, not a video or has no video stream."""


@dataclass(frozen=True)
class VideoInfo:
    path: str
    width: int
    height: int
    fps: float
    n_frames: int
    duration_s: float
    codec: str
    rotation: int  # degrees clockwise the frames must be turned to display upright


@dataclass(frozen=True)
class SampledFrame:
    index: int  # index of the decoded frame in the stream
    t: float  # presentation time, seconds
    image: np.ndarray  # RGB uint8, upright
    before: np.ndarray | None = None  # companion: the decoded frame nearest to t - companions_s (if any)
    after: np.ndarray | None = None  # companion: the first decoded frame at or after t + companions_s


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Read stream facts with PyAV (works for every container ffmpeg knows)."""
    import av

    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise UnreadableVideo(f"{path}: missing or empty file")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UnreadableVideo(f"{path}: no video stream")
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or 0
            fps = float(rate) if rate else 0.0
            duration = 0.0
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / 1_000_000
            n = stream.frames or int(round(duration * fps))
            rotation = _stream_rotation(stream)
            w, h = stream.codec_context.width, stream.codec_context.height
            if rotation in (90, 270):
                w, h = h, w
            return VideoInfo(str(path), w, h, fps, n, duration, stream.codec_context.name, rotation)
    except av.error.FFmpegError as exc:
        raise UnreadableVideo(f"{path}: not a readable video ({exc})") from exc


def _stream_rotation(stream) -> int:
    """Clockwise display rotation from the stream's display matrix (0 when none)."""
    try:
        side = getattr(stream, "side_data", None)
        if side and "DISPLAYMATRIX" in side:
            return int(round(-float(side["DISPLAYMATRIX"]))) % 360
        rot = stream.metadata.get("rotate")
        return int(rot) % 360 if rot else 0
    except (TypeError, ValueError, KeyError):
        return 0


def _upright(img: np.ndarray, rotation: int) -> np.ndarray:
    if rotation == 0:
        return img
    return np.ascontiguousarray(np.rot90(img, k=-(rotation // 90)))


class _DecordFrames:
    """decord's sequential (index, t, RGB) frames; also every frame's timestamp from the index and
    a decode of chosen frames that skips the others without converting them."""

    def __init__(self, path: str):
        import decord  # opened at once: a file decord refuses fails here, not at the first frame

        self.path, self.decord = path, decord
        self.reader = decord.VideoReader(path, ctx=decord.cpu(0), num_threads=0)
        self.stamps = self.reader.get_frame_timestamp(np.arange(len(self.reader)))[:, 0]

    def __iter__(self) -> Iterator[tuple[int, float, np.ndarray]]:
        for i in range(len(self.stamps)):
            try:
                frame = self.reader.next().asnumpy()
            except self.decord.DECORDError:  # corrupt packet: skip the frame, keep going
                continue
            except StopIteration:
                return
            yield i, float(self.stamps[i]), frame

    def chosen(self, indices: list[int]) -> Iterator[tuple[int, np.ndarray]]:
        """(index, RGB) of ``indices`` (ascending), decoding sequentially from the first frame:
        instead of iterating, not after."""
        position = 0
        for i in indices:
            if i > position:
                self.reader.skip_frames(i - position)
            try:
                frame = self.reader.next().asnumpy()
            except StopIteration:  # the index promised more frames than the stream holds
                raise self.decord.DECORDError(f"{self.path}: frame {i} is missing") from None
            yield i, frame
            position = i + 1


def _decord_frames(path: str) -> _DecordFrames:
    return _DecordFrames(path)


def _pyav_frames(path: str) -> Iterator[tuple[int, float, np.ndarray]]:
    import av

    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        container.streams.video[0].codec_context.skip_frame = "DEFAULT"
        i = 0
        for packet in container.demux(stream):
            try:
                decoded = packet.decode()
            except av.error.InvalidDataError:  # corrupt packet: skip it
                continue
            for frame in decoded:
                t = float(frame.pts * frame.time_base) if frame.pts is not None else i / float(stream.average_rate or 1)
                yield i, t, frame.to_ndarray(format="rgb24")
                i += 1


VIDEO_READERS = Registry("video reader", [
    Backend("decord", lambda: _decord_frames, requires=("decord",), install="decord",
            summary="decord's sequential reader (x86-64 Linux wheels)"),
    Backend("pyav", lambda: _pyav_frames, requires=("av",), install="av", summary="PyAV (FFmpeg), threaded"),
])


def available_backends() -> list[str]:
    """The video readers that can be built here, preferred first."""
    return [name for name in VIDEO_READERS.names()
            if all(importlib.util.find_spec(m) is not None for m in VIDEO_READERS.get(name).requires)]


def open_video(path: str | os.PathLike, backend: str = "auto") -> tuple[VideoInfo, Iterator[tuple[int, float, np.ndarray]]]:
    """Probe ``path`` and return its info and a sequential (index, t, RGB) frame iterator;
    ``backend`` names a video reader, or ``auto``: the first one installed, PyAV for GIFs and
    for files the first one refuses to open."""
    info = probe_video(path)
    if backend != "auto":
        return info, VIDEO_READERS.build(backend)(str(path))
    names = available_backends()
    if info.codec == "gif" and "pyav" in names:
        names = ["pyav"]
    for name in names[:-1]:
        try:
            return info, VIDEO_READERS.build(name)(str(path))
        except Exception as exc:  # decord's DECORDError ("broken metadata" and the like): try the next
            if type(exc).__module__.split(".")[0] != name:
                raise
    return info, VIDEO_READERS.build(names[-1])(str(path))


class _Sampler:
    """Picks samples (and their companions) from a sequential decode, keeping only a short window."""

    EPS = 1e-6

    def __init__(self, rate: float, start_s: float, companions_s: float, rotation: int):
        self.rate, self.next_t, self.delta, self.rotation = rate, start_s, companions_s, rotation
        self.window: deque[tuple[float, np.ndarray]] = deque()  # recent frames, for the before-companion
        self.pending: deque[SampledFrame] = deque()  # samples waiting for their after-companion

    def push(self, index: int, t: float, img: np.ndarray) -> list[SampledFrame]:
        out = []
        while self.pending and t + self.EPS >= self.pending[0].t + self.delta:
            out.append(replace(self.pending.popleft(), after=_upright(img, self.rotation)))
        if t + self.EPS >= self.next_t:
            sample = SampledFrame(index, t, _upright(img, self.rotation), before=self._before(t))
            # Next sampling time: the first multiple of 1/rate after this frame.
            self.next_t = (np.floor(t * self.rate + self.EPS) + 1) / self.rate
            if self.delta > 0:
                self.pending.append(sample)
            else:
                out.append(sample)
        if self.delta > 0:
            self.window.append((t, img))
            while self.window and self.window[0][0] < t - 1.5 * self.delta:
                self.window.popleft()
        return out

    def _before(self, t: float) -> np.ndarray | None:
        target = t - self.delta
        near = [w for w in self.window if abs(w[0] - target) <= 0.5 * self.delta]
        return _upright(min(near, key=lambda w: abs(w[0] - target))[1], self.rotation) if near else None

    def flush(self) -> list[SampledFrame]:
        """Samples too close to the end for an after-companion."""
        out = list(self.pending)
        self.pending.clear()
        return out


def sample_frames(path: str | os.PathLike, rate: float, backend: str = "auto",
                  start_s: float = 0.0, companions_s: float = 0.0) -> Iterator[SampledFrame]:
    """Yield upright frames at ``rate`` frames per second of presentation time.

    For each sampling time k/rate the first decoded frame at or after it is taken,
    so variable-frame-rate streams keep their true timestamps. With ``companions_s`` > 0 each
    sample also carries the decoded frames nearest to ``t - companions_s`` (before) and the
    first at or after ``t + companions_s`` (after), None where the stream has none.
    """
    if rate <= 0:
        raise ValueError("rate must be positive")
    info, frames = open_video(path, backend)
    delta = max(0.0, companions_s)
    done_t = -np.inf
    if isinstance(frames, _DecordFrames):
        try:
            for sample in _planned_samples(frames, _Sampler(rate, start_s, delta, 0), info.rotation):
                done_t = sample.t
                yield sample
            return
        except frames.decord.DECORDError:  # a corrupt or missing frame: decode sequentially instead
            _, frames = open_video(path, "decord")
    sampler = _Sampler(rate, start_s, delta, info.rotation)
    try:
        for index, t, img in frames:
            yield from (s for s in sampler.push(index, t, img) if s.t > done_t)
        yield from (s for s in sampler.flush() if s.t > done_t)
    except Exception as exc:  # decoder died mid-stream (truncated file): report what we have
        if isinstance(exc, (KeyboardInterrupt, GeneratorExit)):
            raise
        raise UnreadableVideo(f"{path}: decoding stopped at t={sampler.next_t:.2f}s ({exc})") from exc


def _planned_samples(frames: _DecordFrames, sampler: "_Sampler", rotation: int) -> Iterator[SampledFrame]:
    """The sequential sampler's choices made on the timestamps alone (frame indices stand in for the
    images), then only the chosen frames converted, each kept until the last sample using it."""
    plan = [s for i, t in enumerate(frames.stamps) for s in sampler.push(i, float(t), i)] + sampler.flush()
    uses: dict[int, int] = {}  # frame -> the last sample that uses it
    for pos, s in enumerate(plan):
        for i in (s.image, s.before, s.after):
            if i is not None:
                uses[i] = pos
    released: dict[int, list[int]] = {}  # sample -> the frames no later sample uses
    for i, last in uses.items():
        released.setdefault(last, []).append(i)
    decoded = frames.chosen(sorted(uses))
    images: dict[int, np.ndarray] = {}
    for pos, s in enumerate(plan):
        while any(i is not None and i not in images for i in (s.image, s.before, s.after)):
            i, img = next(decoded)
            images[i] = _upright(img, rotation)
        yield SampledFrame(s.index, s.t, images[s.image], None if s.before is None else images[s.before],
                           None if s.after is None else images[s.after])
        for i in released.get(pos, ()):
            del images[i]


class VideoWriter:
    """H.264 MP4 writer over ffmpeg (the static binary shipped by imageio-ffmpeg).

    Frames of odd width or height are padded by repeating their last row/column, since
    H.264 in 4:2:0 needs even sizes. Writes to a temporary file and renames it into place
    on close, so a killed writer never leaves a truncated video behind.
    """

    def __init__(self, path: str | os.PathLike, size: tuple[int, int], fps: float, crf: int = 18,
                 preset: str = "veryfast"):
        import imageio_ffmpeg

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.stem}.tmp{self.path.suffix}")
        self.size = size
        encoded = (size[0] + size[0] % 2, size[1] + size[1] % 2)
        self._gen = imageio_ffmpeg.write_frames(
            str(self._tmp), encoded, fps=fps, codec="libx264", pix_fmt_out="yuv420p", macro_block_size=2,
            output_params=["-preset", preset, "-crf", str(crf), "-movflags", "+faststart"],
            ffmpeg_log_level="error")
        self._gen.send(None)

    def write(self, rgb: np.ndarray) -> None:
        if rgb.shape[1] != self.size[0] or rgb.shape[0] != self.size[1]:
            raise ValueError(f"frame is {rgb.shape[1]}x{rgb.shape[0]}, writer expects {self.size[0]}x{self.size[1]}")
        h, w = rgb.shape[:2]
        if h % 2 or w % 2:
            rgb = np.pad(rgb, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
        self._gen.send(np.ascontiguousarray(rgb, dtype=np.uint8))

    def close(self) -> None:
        self._gen.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        self._gen.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type, *rest) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
