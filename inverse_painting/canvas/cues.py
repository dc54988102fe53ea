"""The cues that find the canvas in one camera segment, strongest first.

- **whole canvas** (cue ``edges`` from the classical detector, ``grounding-dino`` from its
  boxes): detections brought into the segment's reference frame; of the well-supported
  clusters of agreeing ones the largest (a window on the wall is a smaller quad), fused and
  refined on the temporal median of the frames that agree (a moving arm fades there). One
  well-supported detection suffices for a segment whose other frames have none or agree
  roughly (an arm over a corner spoils the others).
- ``lines``: part of the canvas is in view. :mod:`.sweep` finds the straight boundaries
  where colour statistics change and picks up to four sides; unseen sides stay on the
  frame border; seen sides are snapped onto the edges at a higher resolution.
- ``frame``: no boundary at all, a close-up inside the canvas: the visible canvas is the frame
  (kept only when registered to a shot that shows a canvas edge; see :mod:`.finder`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from ..media.stacks import temporal_median
from .detect import Detection
from .geometry import apply_homography, frame_polygon, polygon_mask, quad_area, quad_iou, scale_quad, visible_polygon
from .refine import colour_gradients, continuing_sides, edge_support, refine_quad
from .segments import Segments
from .sides import assign_sides, quad_from_sides, sides_seen_by_frame, snap_line
from .sweep import Line, choose_sides, find_lines, prepare

Loader = Callable[[int], np.ndarray]
SIDES = ("top", "right", "bottom", "left")


@dataclass(frozen=True)
class CuesConfig:
    """``canvas.cues``: how whole-canvas detections are fused and partial views are read."""

    refine_width: int = 960  # segment quads are refined at this width
    median_frames: int = 9  # frames in a segment's temporal median
    cluster_iou: float = 0.9  # detections that agree with each other (in the reference frame)
    single_score: float = 0.8  # edge support one detection needs to decide a segment alone
    min_fused_score: float = 0.5  # edge support of a fused segment quad
    sweep_side: int = 128  # long side of the line sweep
    snap_side: int = 480  # seen sides of partial views are snapped at this long side
    min_region: float = 0.10  # share of the frame the visible canvas must cover
    min_lines_score: float = 0.05  # a set of sides needs this score (else: a close-up, the frame)
    steady_frames: int = 6  # a partial view this many frames long ...
    min_painted: float = 0.003  # ... must show this share of its region painted meanwhile (else: a wall, a table)


@dataclass
class FrameCanvas:
    """The canvas in one frame: corners TL, TR, BR, BL (frame pixels, may lie outside it)."""

    quad: np.ndarray | None
    seen: tuple[bool, bool, bool, bool]  # top, right, bottom, left side on a canvas edge in this frame
    cue: str  # edges | grounding-dino | lines | frame | none
    segment: int
    score: float = 0.0
    reason: str = ""
    side_scores: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0)  # how sure each seen side is (whole canvas: 1)
    detected: bool = False  # the whole-canvas detector found it in this very frame

    def polygon(self, size: tuple[int, int]) -> np.ndarray | None:
        return None if self.quad is None else visible_polygon(self.quad, size)

    def refuse(self, reason: str) -> None:
        """No canvas here, and why (never a guessed quad)."""
        self.quad, self.cue, self.reason = None, "none", reason


class WholeCanvas:
    """Fuses one segment's whole-canvas detections into a quad in its reference frame."""

    def __init__(self, config: CuesConfig = CuesConfig()):
        self.config = config

    def fuse(self, load: Loader, segs: Segments, found: dict[int, Detection]) -> tuple[np.ndarray | None, float]:
        """The segment's quad (reference-frame pixels) and its edge support, or (None, 0): each group of
        agreeing detections (and each strong one alone) refined on its frames' temporal median; the
        best supported wins, the largest among the nearly best (a window on the wall, a painted band
        outline smaller quads); of two nearly the same, the one whose sides turn at its corners."""
        if not found:
            return None, 0.0
        refs = {k: apply_homography(np.linalg.inv(segs.to_frame[k]), d.quad) for k, d in found.items()}
        good = []
        for frames in self._groups(found, refs):
            quad = np.median(np.stack([refs[k] for k in frames]), 0)
            quad, score, runs_on = self._refine_on_median(load, frames, segs, quad)
            if quad is not None:
                good.append((quad, score, runs_on))
        if not good:
            return None, 0.0
        top = max(g[1] for g in good)
        near = [g for g in good if g[1] >= 0.85 * top]
        best = max(near, key=lambda g: quad_area(g[0]))
        # Of two nearly equal quads, the one whose sides turn at its corners (a table or shelf edge runs on).
        alike = [g for g in near if quad_iou(g[0], best[0]) >= 0.8]
        quad, score, _ = min(alike, key=lambda g: (g[2], -quad_area(g[0])))
        return quad, score

    def _groups(self, found: dict[int, Detection], refs: dict[int, np.ndarray]) -> list[list[int]]:
        """Detections that agree (three or more, best first), then strong detections alone, then all of
        them (an arm over a different side in each frame spoils every one a little: their per-corner
        median, refined on the median image where the arm fades, still holds)."""
        c = self.config
        left = sorted(found, key=lambda k: -found[k].score)
        groups, singles = [], []
        while left:
            seed = left[0]
            members = [k for k in left if quad_iou(refs[seed], refs[k]) >= c.cluster_iou]
            left = [k for k in left if k not in members]
            if len(members) >= 3:
                groups.append(members)
            elif found[seed].score >= c.single_score:
                singles.append([seed])
        every = [sorted(found)] if len(found) >= 3 and len(groups) != 1 else []
        return (sorted(groups, key=len, reverse=True) + singles)[:3] + every

    def _refine_on_median(self, load: Loader, frames: list[int], segs: Segments, quad: np.ndarray):
        """Refine a reference-frame quad on the temporal median of some frames, warped into the frame of
        theirs in the middle (it shows the canvas whole; the reference frame may not): the quad, its
        edge support and how many of its sides run on past their corners."""
        c = self.config
        picks = [frames[i] for i in np.unique(np.linspace(0, len(frames) - 1, min(c.median_frames, len(frames)))
                                              .round().astype(int))]
        anchor = segs.to_frame[frames[len(frames) // 2]]
        stack, scale = [], 1.0
        for k in picks:
            image = load(k)
            h, w = image.shape[:2]
            scale = c.refine_width / w
            size = (c.refine_width, int(round(h * scale)))
            S = np.diag([scale, scale, 1.0])
            warp = S @ anchor @ np.linalg.inv(segs.to_frame[k]) @ np.linalg.inv(S)
            small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            stack.append(cv2.warpPerspective(small, warp, size, flags=cv2.INTER_LINEAR,
                                             borderMode=cv2.BORDER_REPLICATE))
        grads = colour_gradients(temporal_median(np.stack(stack)))
        q = refine_quad(grads, scale_quad(apply_homography(anchor, quad), scale), search=8.0, iterations=3)
        score = edge_support(grads, q)
        if score < c.min_fused_score:
            return None, 0.0, 0
        return apply_homography(np.linalg.inv(anchor), scale_quad(q, 1 / scale)), float(score), continuing_sides(grads, q)

    def refine_frame(self, image: np.ndarray, quad: np.ndarray) -> np.ndarray:
        """The segment quad moved into one frame, snapped onto that frame's own edges where they
        support it (homographies from features are good to a few pixels, not to one); sides out of
        the frame keep the homography's line."""
        h, w = image.shape[:2]
        scale = self.config.refine_width / w
        grads = colour_gradients(cv2.resize(image, (self.config.refine_width, int(round(h * scale))),
                                            interpolation=cv2.INTER_AREA))
        start = scale_quad(quad, scale)
        inside = tuple(i for i, s in enumerate(sides_seen_by_frame(quad, (w, h))) if s)
        if not inside:
            return quad
        q = refine_quad(grads, start, search=6.0, iterations=2)
        if edge_support(grads, q, sides=inside) >= self.config.min_fused_score and quad_iou(q, start) >= 0.95:
            return scale_quad(q, 1 / scale)
        return quad


def partial_view(small: np.ndarray, size: tuple[int, int], segment: int, config: CuesConfig) -> FrameCanvas:
    """Seen sides from the line sweep (snapped at ``small``'s resolution), else the whole frame.
    ``small`` is the frame at ``config.snap_side`` long side; ``size`` the full frame's."""
    w, h = size
    sweep = prepare(small, config.sweep_side)
    sides = choose_sides(find_lines(sweep), sweep.shape, min_area=config.min_region)
    if sides.score < config.min_lines_score or not sides.lines:
        return FrameCanvas(frame_polygon(size), (False,) * 4, "frame", segment)
    to_full = sweep.scale * small.shape[1] / w  # sweep pixels per full-resolution pixel
    lines = [line.scaled(1 / to_full) for line in sides.lines]
    snap_scale = small.shape[1] / w
    grads = colour_gradients(small)
    lines = [snap_line(grads, line, sides.polygon / to_full, snap_scale) for line in lines]
    ordered, seen = assign_sides(lines, size)
    quad = quad_from_sides(ordered, size)
    if quad is None:
        return FrameCanvas(None, (False,) * 4, "none", segment, reason="the seen sides do not form a quad")
    strength = tuple(float(line.score) if s else 0.0 for line, s in zip(ordered, seen))
    return FrameCanvas(quad, tuple(seen), "lines", segment, float(sides.score), side_scores=strength)


def boundary_lines(small: np.ndarray, size: tuple[int, int], config: CuesConfig) -> list[Line]:
    """Every straight boundary the line sweep finds in a frame (both orientations), in full-size pixels."""
    sweep = prepare(small, config.sweep_side)
    to_full = sweep.scale * small.shape[1] / size[0]
    return [line.scaled(1 / to_full) for line in find_lines(sweep)]


def painted_share(smalls: list[np.ndarray], members: list[int], segs: Segments, polygon: np.ndarray,
                  size: tuple[int, int], pixel_change: float = 24.0) -> float:
    """Share of a region (``polygon``, full-size pixels of the segment's reference frame) whose colour
    changed for good over a segment: the median of its last third of frames against the median of its
    first third, warped into the reference frame, lighting matched. Paint accumulates on a canvas; a
    wall or a table filmed as long stays as it was."""
    h, w = smalls[members[0]].shape[:2]
    scale = w / size[0]
    S = np.diag([scale, scale, 1.0])
    third = max(1, len(members) // 3)
    views = [cv2.warpPerspective(smalls[k], S @ np.linalg.inv(segs.to_frame[k]) @ np.linalg.inv(S), (w, h))
             for k in members[:third] + members[-third:]]
    first = temporal_median(np.stack(views[:third])).astype(np.float32)
    last = temporal_median(np.stack(views[third:])).astype(np.float32)
    region = polygon_mask(polygon * scale, (w, h))
    if region.sum() < 16:
        return 0.0
    gain = np.median(first[region], 0) / np.maximum(np.median(last[region], 0), 1.0)
    changed = np.abs(last * gain - first).max(-1) > pixel_change
    return float(changed[region].mean())
