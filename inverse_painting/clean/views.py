"""What an occluder detector sees of one canvas plane: its frames with a canvas, rectified (small,
lighting-normalised, with what each shows) and original (with companions and geometry)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Protocol

import cv2
import numpy as np

from ..canvas.geometry import apply_homography, frame_polygon, polygon_mask, visible_polygon
from ..media.images import frame_cache_size, read_image
from ..media.stacks import temporal_median
from ..records import CanvasFrameRow, CanvasIndex, CanvasPlane, FrameIndex
from .occluders import AnalysisFrames, Occlusion, lighting_gains

Loader = Callable[[int], np.ndarray]


@dataclass
class PlaneViews:
    """The frames of one canvas plane (in time order), as every occluder detector needs them."""

    plane: CanvasPlane
    rows: list[CanvasFrameRow]
    frame_size: tuple[int, int]  # (width, height) of the original frames
    analysis: AnalysisFrames
    load_rectified: Loader  # full-size rectified frame i (margin included)
    load_frame: Loader  # original sampled frame i
    companions: Callable[[int], list[np.ndarray]]  # frame i's companions (before, after) that were kept

    def __len__(self) -> int:
        return len(self.rows)

    def to_plane(self, i: int) -> np.ndarray:
        return np.asarray(self.rows[i].to_plane, np.float64)

    def quad(self, i: int) -> np.ndarray:
        return np.asarray(self.rows[i].quad, np.float64)

    def visible(self, i: int) -> np.ndarray:
        """The canvas frame i shows, in its own pixels."""
        return visible_polygon(self.quad(i), self.frame_size)

    def segments(self) -> list[list[int]]:
        """Positions of the frames of each camera segment, in order."""
        out: dict[int, list[int]] = {}
        for i, row in enumerate(self.rows):
            out.setdefault(row.segment, []).append(i)
        return list(out.values())


class OccluderDetector(Protocol):
    name: str

    def detect(self, views: PlaneViews) -> list[Occlusion]:
        """One :class:`Occlusion` per frame of ``views`` (masks in rectified full-size pixels)."""
        ...


def plane_views(index: CanvasIndex, plane: CanvasPlane, canvas_dir: Path, frames_dir: Path, frames: FrameIndex,
                width: int) -> PlaneViews:
    """The views of ``plane``; analysis frames with ``width`` pixels of canvas."""
    rows = index.with_canvas(plane.canvas_frame)
    by_k = {r.k: r for r in frames.frames}

    @lru_cache(maxsize=frame_cache_size(frames.width, frames.height))  # the detector's passes
    def load_frame(i: int) -> np.ndarray:
        return read_image(frames_dir / rows[i].source)

    def load_rectified(i: int) -> np.ndarray:
        return read_image(canvas_dir / rows[i].file)

    def companions(i: int) -> list[np.ndarray]:
        sample = by_k.get(rows[i].k)
        names = [] if sample is None else [n for n in (sample.before, sample.after) if n]
        return [read_image(frames_dir / n) for n in names]

    size = tuple(index.frame_size)
    analysis = analysis_frames(load_rectified, rows, plane, size, width)
    return PlaneViews(plane, rows, size, analysis, load_rectified, load_frame, companions)


def analysis_frames(load: Loader, rows: list[CanvasFrameRow], plane: CanvasPlane, frame_size: tuple[int, int],
                    width: int = 200) -> AnalysisFrames:
    """Every rectified frame of a plane once, at ``width`` pixels of canvas, normalised for lighting;
    where a frame does not show the plane it takes the others' median."""
    x0, y0, x1, y1 = plane.canvas_box
    scale = width / (x1 - x0)
    full = (x1 + x0, y1 + y0)  # the box sits a margin inside the rectified frame
    size = (max(1, int(round(full[0] * scale))), max(1, int(round(full[1] * scale))))
    small = np.stack([cv2.resize(load(i), size, interpolation=cv2.INTER_AREA) for i in range(len(rows))])
    S = np.diag([scale, scale, 1.0])
    valid, shown = [], []
    for row in rows:
        H = S @ np.asarray(row.to_plane, np.float64)
        valid.append(polygon_mask(apply_homography(H, frame_polygon(frame_size)), size))
        shown.append(polygon_mask(apply_homography(H, visible_polygon(np.asarray(row.quad), frame_size)), size))
    valid, shown = np.stack(valid), np.stack(shown)
    box = np.zeros(size[::-1], bool)
    bx0, by0, bx1, by1 = (int(round(v * scale)) for v in plane.canvas_box)
    box[by0:by1, bx0:bx1] = True
    inside = box if plane.whole else shown.any(0)
    far = surroundings(inside, valid, plane.whole)
    if not valid.all():
        small = _fill_unseen(small, valid)
    gains = lighting_gains(small, far) if far.sum() > 50 else np.ones((len(rows), 3), np.float32)
    norm = np.clip(small.astype(np.float32) * gains[:, None, None, :], 0, 255).astype(np.uint8)
    masks = None if (shown | ~box).all() else shown & box
    return AnalysisFrames(norm, gains, inside, far, full, tuple(plane.canvas_box), masks,
                          None if valid.all() else valid)


def surroundings(inside: np.ndarray, valid: np.ndarray, whole: bool) -> np.ndarray:
    """Pixels around the canvas, away from its edge, that every frame shows. Where the canvas runs
    out of the frames, a thin band along the border of what all of them see counts as outside too."""
    seen_all = valid.all(0)
    far = seen_all & ~cv2.dilate(inside.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    if not whole:
        far |= border_band(valid)
    return far


def border_band(valid: np.ndarray) -> np.ndarray:
    """A thin band along the border of what every frame shows."""
    seen_all = valid.all(0)
    return seen_all & ~cv2.erode(seen_all.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)


def _fill_unseen(stack: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Pixels a frame does not show take the median of the whole stack (constant: never transient)."""
    fill = temporal_median(stack)
    out = stack.copy()
    out[~valid] = fill[np.nonzero(~valid)[1:]]
    return out
