"""A painting process as evaluation sees it: keyframes from a blank canvas, with times."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..pipeline.errors import NoItems

TIME_IN_NAME = re.compile(r"_t(\d+(?:\.\d+)?)s\.", re.IGNORECASE)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


@dataclass
class ProcessSequence:
    """``frames[0]`` is the blank canvas at ``times[0] = 0``; the last frame ends the process."""

    painting_id: str
    frames: list[np.ndarray]  # uint8 RGB, one size
    times: list[float]  # seconds
    target: np.ndarray  # the finished painting the process paints

    def __post_init__(self):
        if len(self.frames) != len(self.times) or len(self.frames) < 2:
            raise ValueError(f"{self.painting_id}: need >= 2 frames with one time each "
                             f"({len(self.frames)} frames, {len(self.times)} times)")

    @property
    def duration_s(self) -> float:
        return float(self.times[-1])

    def resized(self, size: tuple[int, int]) -> "ProcessSequence":
        def fit(img: np.ndarray) -> np.ndarray:
            if img.shape[1] == size[0] and img.shape[0] == size[1]:
                return img
            return cv2.resize(img, size, interpolation=cv2.INTER_AREA)

        return ProcessSequence(self.painting_id, [fit(f) for f in self.frames], list(self.times), fit(self.target))


def sequences_from_rows(rows) -> list[ProcessSequence]:
    """Group dataset pair rows by painting: [current of step 0] + every step's next frame."""
    from ..records.dataset import to_rgb

    by_id: dict[str, list[int]] = {}
    for i, pid in enumerate(rows["painting_id"]):
        by_id.setdefault(pid, []).append(i)
    steps, dts = rows["step"], rows["dt"]
    out = []
    for pid, idx in by_id.items():
        idx.sort(key=lambda i: steps[i])
        first = rows[idx[0]]
        frames, times = [to_rgb(first["current"])], [0.0]
        for i in idx:
            frames.append(to_rgb(rows[i]["next"]))
            times.append(times[-1] + float(dts[i]))
        out.append(ProcessSequence(pid, frames, times, to_rgb(first["target"])))
    return out


def sequence_from_folder(folder: str | os.PathLike, blank_rgb: tuple[int, int, int] = (255, 255, 255)) -> ProcessSequence:
    """A folder of keyframes named ``NN_t<seconds>s.jpg`` (the last is the finished painting),
    starting from a blank canvas at t = 0."""
    from ..media import read_image

    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and TIME_IN_NAME.search(p.name))
    if not files:
        raise NoItems(f"{folder}: no keyframes named like 01_t0015s.jpg")
    files.sort(key=lambda p: float(TIME_IN_NAME.search(p.name).group(1)))
    frames = [read_image(p) for p in files]
    size = (frames[-1].shape[1], frames[-1].shape[0])
    frames = [f if f.shape[:2] == frames[-1].shape[:2] else cv2.resize(f, size) for f in frames]
    blank = np.empty_like(frames[-1])
    blank[:] = blank_rgb
    times = [0.0] + [float(TIME_IN_NAME.search(p.name).group(1)) for p in files]
    return ProcessSequence(folder.name, [blank, *frames], times, frames[-1])


def sequence_from_result(painting_id: str, result) -> ProcessSequence:
    """A painting run (``painting.PaintResult``) as a sequence."""
    return ProcessSequence(painting_id, list(result.frames), list(result.times), result.target)


def sequence_from_paint(folder: str | os.PathLike, target: np.ndarray) -> ProcessSequence:
    """A painting run saved by ``painting.write_outputs`` (``paint.json`` + ``frames/``)."""
    from ..media import read_image

    folder = Path(folder)
    record = json.loads((folder / "paint.json").read_text(encoding="utf-8"))
    times = [0.0] + [float(s["t_s"]) for s in record["steps"]]
    frames = [read_image(folder / "frames" / f"{i:03d}.png") for i in range(len(times))]
    return ProcessSequence(folder.name, frames, times, target)
