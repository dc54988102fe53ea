"""Canvas frames: one rectified plane per group of registered segments, and each frame's way into it.

A group that saw the whole canvas (a segment decided by ``edges`` or ``grounding-dino``) is
rectified upright to the canvas's aspect ratio, as a canvas, each frame by its quad (close-ups
and partial views of such a group hold the outline the finder brought in through the
registration, so their quad extends beyond the frame).
A group that only ever saw part of the canvas keeps its first segment's reference frame as
its plane: the bounding box of what its frames show, scaled to the rectified width.
Either way each frame gets a homography frame pixels -> rectified pixels (margin included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .finder import WHOLE_CUES, CanvasResult
from .geometry import apply_homography, quad_aspect, rectified_size, rectifying_homography


@dataclass
class Plane:
    canvas_frame: int
    segments: list[int]
    whole: bool  # the whole canvas outline is known: the plane is the upright canvas
    size: tuple[int, int]  # rectified (width, height), without the margin
    margin: int
    aspect: float
    links: list[tuple[int, int, int]]  # (segment, segment, inliers) registered to each other


def canvas_planes(result: CanvasResult, width: int, margin_share: float
                  ) -> tuple[list[Plane], list[int | None], list[np.ndarray | None]]:
    """The planes, each frame's canvas frame (None: no canvas) and homography into its plane."""
    n = len(result.frames)
    owner: list[int | None] = [None] * n
    to_plane: list[np.ndarray | None] = [None] * n
    planes: list[Plane] = []
    margin = int(round(margin_share * width))
    groups = result.groups
    order = sorted({groups.group[result.segments.ids[k]] for k, f in enumerate(result.frames) if f.quad is not None},
                   key=lambda g: min(k for k, f in enumerate(result.frames)
                                     if f.quad is not None and groups.group[result.segments.ids[k]] == g))
    for g in order:
        frames = [k for k, f in enumerate(result.frames)
                  if f.quad is not None and groups.group[result.segments.ids[k]] == g]
        segments = groups.members(g)
        links = [link for link in groups.links if link[0] in segments]
        whole = [k for k in frames if result.frames[k].cue in WHOLE_CUES]
        if whole:
            plane, maps = _whole_plane(result, len(planes), frames, whole, width, margin)
        else:
            plane, maps = _partial_plane(result, len(planes), frames, width, margin)
        plane.segments, plane.links = segments, links
        planes.append(plane)
        for k, H in zip(frames, maps):
            owner[k], to_plane[k] = plane.canvas_frame, H
    return planes, owner, to_plane


def _whole_plane(result: CanvasResult, index: int, frames: list[int], whole: list[int], width: int, margin: int):
    """The upright canvas, each frame rectified by its quad."""
    aspect = float(np.median([quad_aspect(result.frames[k].quad) for k in whole]))
    size = rectified_size(aspect, width)
    maps = [rectifying_homography(result.frames[k].quad, size, margin).astype(np.float64) for k in frames]
    return Plane(index, [], True, size, margin, round(aspect, 5), []), maps


def _partial_plane(result: CanvasResult, index: int, frames: list[int], width: int, margin: int):
    """The group's reference frame, cropped to what its frames show of the canvas and scaled."""
    w, h = result.size
    to_group = [result.groups.frame_to_group(result.segments, k) for k in frames]
    shown = np.vstack([apply_homography(G, result.frames[k].polygon(result.size)) for k, G in zip(frames, to_group)])
    lo = np.maximum(shown.min(0), [-w, -h])
    hi = np.minimum(shown.max(0), [2 * w, 2 * h])
    scale = width / max(float(hi[0] - lo[0]), 1.0)
    size = (int(width), max(2, int(round((hi[1] - lo[1]) * scale / 2)) * 2))
    T = np.array([[scale, 0, margin - lo[0] * scale], [0, scale, margin - lo[1] * scale], [0, 0, 1]])
    return Plane(index, [], False, size, margin, round(size[0] / size[1], 5), []), [T @ G for G in to_group]
