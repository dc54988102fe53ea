"""Occluder detection on rectified canvas frames (with a margin of surroundings): what a
detector reports (:class:`Occlusion`), the small frames every check shares
(:class:`AnalysisFrames`), and the ``classical`` backend.

``classical``: a pixel is suspicious when it deviates both from the temporal median of
the frames just before and of those just after (paint persists, so a fresh stroke
matches the later frames; a hand is transient); around the canvas, where nothing is painted,
the reference is the median of the whole video. A connected deviation region is an occluder
when it holds skin-coloured pixels, or when it reaches from the canvas out into the
margin (arms and brush handles come in from outside; paint stays on the canvas).
``grounding-dino`` (:mod:`.grounding_dino`): boxes for "hand. arm. paintbrush." overlapping the
canvas; ``fused`` (:mod:`.fused`): this transient test per steady camera segment with hand,
person, edge-crossing and motion signals on the original frames. The backends by name:
:data:`~inverse_painting.clean.detectors.OCCLUDER_DETECTORS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import cv2
import numpy as np

from ..media.skin import skin_mask
from ..media.stacks import temporal_median

Loader = Callable[[int], np.ndarray]


@dataclass
class Occlusion:
    """What covers the canvas in one frame: share of the canvas covered, where (full size), and
    which signals saw it (signal -> share of the canvas it covers)."""

    fraction: float
    mask: np.ndarray | None = None  # bool, size of the rectified frame (with margin); None when clear
    signals: dict[str, float] = field(default_factory=dict)

    @property
    def covered(self) -> bool:
        return self.mask is not None and self.fraction > 0

    def describe(self) -> str:
        """The signals that fired, largest first: ``transient 5.2%, hand 1.0%``."""
        return ", ".join(f"{k} {v:.1%}" for k, v in sorted(self.signals.items(), key=lambda kv: -kv[1]))


@dataclass
class AnalysisFrames:
    """One plane's rectified frames, small and lighting-normalised, loaded once for every check."""

    small: np.ndarray  # (n, h, w, 3) uint8; pixels a frame does not show hold the others' median
    gains: np.ndarray  # (n, 3) lighting gains applied (see :func:`lighting_gains`)
    inside: np.ndarray  # (h, w) bool: the canvas (a whole plane: its box; a partial one: what any frame shows)
    far: np.ndarray  # (h, w) bool: around the canvas, away from its edge, seen by every frame
    full_size: tuple[int, int]  # (width, height) of the rectified frames
    canvas_box: tuple[int, int, int, int]  # in full-size pixels
    canvas_masks: np.ndarray | None = None  # (n, h, w) bool: the canvas each frame shows; None: all of it
    valid: np.ndarray | None = None  # (n, h, w) bool: what of the plane each frame shows; None: all of it

    def __len__(self) -> int:
        return len(self.small)

    def box(self) -> tuple[int, int, int, int]:
        """y0, y1, x0, x1 of the canvas in the small frames."""
        ys, xs = np.nonzero(self.inside)
        return ys.min(), ys.max() + 1, xs.min(), xs.max() + 1

    def canvas(self, k: int) -> np.ndarray:
        """The canvas part of small frame k."""
        y0, y1, x0, x1 = self.box()
        return self.small[k, y0:y1, x0:x1]

    def shown(self, k: int) -> np.ndarray | None:
        """The canvas part of frame k's mask of what it shows (None: it shows all of it)."""
        if self.canvas_masks is None:
            return None
        y0, y1, x0, x1 = self.box()
        return self.canvas_masks[k, y0:y1, x0:x1]

    def subset(self, frames: list[int], inside: np.ndarray, far: np.ndarray) -> "AnalysisFrames":
        """Some frames with their own canvas and surroundings, lighting-matched among themselves."""
        small = self.small[frames]
        gains = lighting_gains(small, far) if far.sum() > 50 else np.ones((len(frames), 3), np.float32)
        norm = np.clip(small.astype(np.float32) * gains[:, None, None, :], 0, 255).astype(np.uint8)
        masks = None if self.canvas_masks is None else self.canvas_masks[frames]
        valid = None if self.valid is None else self.valid[frames]
        return AnalysisFrames(norm, gains, inside, far, self.full_size, self.canvas_box, masks, valid)


def lighting_gains(frames: np.ndarray, surround: np.ndarray) -> np.ndarray:
    """Per-frame, per-channel gains that bring each frame's surroundings to their median colour.

    The wall around a canvas is not painted, so its colour changes only with the light;
    dividing that change out removes lighting drift and flicker from the canvas too.
    """
    wall = np.median(frames[:, surround].astype(np.float32), axis=1)  # (n, 3)
    return np.median(wall, axis=0)[None] / np.maximum(wall, 1.0)


@dataclass(frozen=True)
class ClassicalOccluderConfig:
    """``clean.classical``: the classical occluder detector's settings (pixels at ``analysis_width``)."""

    window: int = 3  # frames each side in the temporal median
    deviation: float = 30.0  # grey levels off the temporal median that count as changed
    min_skin_px: int = 6  # a changed region with this many thick skin-coloured pixels ...
    min_skin_share: float = 0.25  # ... making up this share of it is a hand or arm
    min_cross_px: int = 4  # a changed region with this many pixels on the canvas and in the margin is an arm
    reach_px: int = 3  # drop mode: canvas px around a hand also counted as covered (thin brushes)


class ClassicalOccluderDetector:
    name = "classical"

    def __init__(self, config: ClassicalOccluderConfig = ClassicalOccluderConfig()):
        self.window = config.window  # frames on each side in the temporal median
        self.deviation = config.deviation  # grey levels
        self.min_skin_px, self.min_skin_share = config.min_skin_px, config.min_skin_share
        self.min_cross_px = config.min_cross_px
        self.reach_px = config.reach_px  # analysis pixels around a hand also counted as covered

    def detect(self, views: Any) -> list[Occlusion]:
        """Per frame of a :class:`~.views.PlaneViews`: its transient regions."""
        return [Occlusion(o.fraction, o.mask, {"transient": o.fraction} if o.fraction > 0 else {})
                for o in self.deviations(views.analysis)]

    def deviations(self, frames: AnalysisFrames) -> list[Occlusion]:
        """Transient regions that are skin-coloured or reach in from outside, per analysis frame."""
        n = len(frames)
        if n == 0:
            return []
        norm = frames.small.astype(np.float32)
        inside, far = frames.inside, frames.far
        full_w, full_h = frames.full_size
        skin = np.stack([skin_mask(f) for f in frames.small])
        # The surroundings, up to the canvas edge, are never painted: their reference is the whole
        # video's median, which an arm lingering for a few frames cannot take over (nor cut in two
        # at the edge, where it crossed a moment before).
        wall = temporal_median(norm)
        outside = ~inside
        out = []
        for t in range(n):
            # Transient = unlike the frames before AND unlike the frames after: a stroke laid at t
            # matches the later frames, a stroke still to come matches the earlier ones.
            changed = np.ones(norm.shape[1:3], bool)
            before, after = min(self.window, t), min(self.window, n - 1 - t)
            # Odd counts only: the median of two frames is their blend, unlike either.
            before, after = before - (before % 2 == 0 and before > 0), after - (after % 2 == 0 and after > 0)
            for lo, hi in ((t - before, t), (t + 1, t + 1 + after)):
                if hi <= lo:
                    continue
                median = temporal_median(norm[lo:hi])
                median[outside] = wall[outside]
                diff = np.abs(norm[t] - median)
                # Channel max as two elementwise maxima: numpy's reduce over a length-3 axis is slow.
                changed &= np.maximum(np.maximum(diff[..., 0], diff[..., 1]), diff[..., 2]) > self.deviation
            changed = changed.astype(np.uint8)
            changed = cv2.morphologyEx(changed, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
            count, labels = cv2.connectedComponents(changed)
            # Skin counts where it is thick (a hand, an arm), not along a thin skin-toned paint edge.
            skin_core = cv2.morphologyEx((changed & skin[t]).astype(np.uint8), cv2.MORPH_OPEN,
                                         np.ones((3, 3), np.uint8)).astype(bool)
            n_skin = np.bincount(labels[skin_core], minlength=count)
            n_in = np.bincount(labels[inside], minlength=count)
            n_out = np.bincount(labels[far], minlength=count)
            size = np.bincount(labels.ravel(), minlength=count)
            # Skin-coloured (and not just a skin-toned edge of fresh paint), or reaching in from outside.
            skin_like = (n_skin >= self.min_skin_px) & (n_skin >= self.min_skin_share * size)
            keep = skin_like | ((n_in >= self.min_cross_px) & (n_out >= self.min_cross_px))
            keep |= _beside_an_arm(labels, count, (n_out >= self.min_cross_px) & (n_in == 0), self.min_cross_px)
            keep[0] = False
            mask = keep[labels]
            if self.reach_px > 0 and mask.any():
                # A brush held by a hand beside the canvas is often too thin to survive at this
                # scale: count the canvas within reach of a hand or arm as covered too.
                kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * self.reach_px + 1,) * 2)
                mask = cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)
            fraction = float((mask & inside).sum() / inside.sum())
            if fraction <= 0:
                out.append(Occlusion(0.0))
                continue
            full = cv2.resize(mask.astype(np.uint8), (full_w, full_h), interpolation=cv2.INTER_NEAREST).astype(bool)
            out.append(Occlusion(fraction, full))
        return out


def _beside_an_arm(labels: np.ndarray, count: int, arms: np.ndarray, min_px: int, gap_px: int = 4) -> np.ndarray:
    """Components within ``gap_px`` of a changed region around the canvas (an arm there now): the part of
    the arm over the canvas, cut from the rest at the edge where the arm crossed it a moment before too."""
    near = np.zeros(count, bool)
    if count <= 1 or not arms[1:].any():
        return near
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * gap_px + 1,) * 2)
    reach = cv2.dilate(arms[labels].astype(np.uint8), kernel).astype(bool)
    near = np.bincount(labels[reach], minlength=count) >= min_px
    return near & ~arms
