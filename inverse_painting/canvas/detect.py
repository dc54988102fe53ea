"""Canvas detectors: one interface (:class:`CanvasDetector`) and the classical backend.

A detector takes RGB frames and returns, per frame, the best canvas quadrilateral found
(or ``None``) with a confidence. Every backend ends in the same refinement: a rough
outline (a bright region's hull, an edge contour, or a detection box) is snapped onto
the canvas edges by :func:`~inverse_painting.canvas.refine.refine_quad`. The backends by
name: :data:`~inverse_painting.canvas.detectors.CANVAS_DETECTORS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import cv2
import numpy as np

from .geometry import is_convex, order_corners, quad_area, scale_quad
from .refine import colour_gradients, edge_support, refine_quad


@dataclass
class Detection:
    """A canvas found in one frame: corners (TL, TR, BR, BL, full-resolution pixels) and a score."""

    quad: np.ndarray
    score: float


class CanvasDetector(Protocol):
    name: str

    def detect(self, images: Sequence[np.ndarray]) -> list[Detection | None]:
        """One detection (or None) per RGB frame, in the frame's own pixel coordinates."""
        ...


def quad_from_points(points: np.ndarray) -> np.ndarray | None:
    """The quadrilateral outlining a point set (contour): simplified hull, else extreme corners."""
    hull = cv2.convexHull(np.asarray(points, np.float32).reshape(-1, 1, 2))
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.05, 0.08):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True).reshape(-1, 2)
        if len(approx) == 4 and is_convex(approx):
            return order_corners(approx)
    pts = hull.reshape(-1, 2).astype(np.float64)
    s, d = pts.sum(1), pts[:, 0] - pts[:, 1]
    quad = np.array([pts[s.argmin()], pts[d.argmax()], pts[s.argmax()], pts[d.argmin()]])
    return quad if is_convex(quad) and quad_area(quad) > 0 else None


@dataclass(frozen=True)
class ClassicalCanvasConfig:
    """``canvas.classical``: the classical detector's settings."""

    work_width: int = 640  # frames are searched at this width
    min_area: float = 0.06  # share of the frame a canvas covers at least ...
    max_area: float = 0.9  # ... and at most
    min_score: float = 0.5  # edge support a quad needs


class ClassicalCanvasDetector:
    """Bright regions and closed edge contours -> convex quads, scored by edge support.

    Works on a downscaled copy (``work_width``); candidates must cover ``min_area`` to
    ``max_area`` of the frame and stay off the frame border (a canvas is filmed whole).
    """

    name = "classical"

    def __init__(self, config: ClassicalCanvasConfig = ClassicalCanvasConfig()):
        self.work_width = config.work_width
        self.min_area, self.max_area, self.min_score = config.min_area, config.max_area, config.min_score

    def detect(self, images: Sequence[np.ndarray]) -> list[Detection | None]:
        return [self.detect_one(img) for img in images]

    def detect_one(self, image: np.ndarray) -> Detection | None:
        h, w = image.shape[:2]
        scale = self.work_width / w
        small = cv2.resize(image, (self.work_width, int(round(h * scale))), interpolation=cv2.INTER_AREA)
        grads = colour_gradients(small)
        found = []
        for quad in _distinct(self._candidates(small)):
            quad = refine_quad(grads, quad, search=6.0)
            if self._plausible(quad, small.shape):
                found.append(Detection(quad, edge_support(grads, quad)))
        found = [d for d in found if d.score >= self.min_score]
        if not found:
            return None
        # Edges inside a painting (a horizon, the border of the unpainted part) outline
        # smaller well-supported quads too: among the well supported, the canvas is the largest.
        top = max(d.score for d in found)
        best = max((d for d in found if d.score >= 0.85 * top), key=lambda d: quad_area(d.quad))
        return Detection(scale_quad(best.quad, 1 / scale), best.score)

    def _plausible(self, quad: np.ndarray, shape) -> bool:
        h, w = shape[:2]
        area = quad_area(quad) / (w * h)
        inside = (quad[:, 0] > -2).all() and (quad[:, 0] < w + 1).all() and (quad[:, 1] > -2).all() \
            and (quad[:, 1] < h + 1).all()
        return bool(is_convex(quad) and self.min_area <= area <= self.max_area and inside)

    def _candidates(self, small: np.ndarray) -> list[np.ndarray]:
        # Masks on a half-size copy (outlines only need to be rough: refinement follows).
        tiny = cv2.resize(small, (small.shape[1] // 2, small.shape[0] // 2), interpolation=cv2.INTER_AREA)
        h, w = tiny.shape[:2]
        gray = cv2.cvtColor(tiny, cv2.COLOR_RGB2GRAY)
        masks = []
        # Bright regions: a primed or light canvas against its surroundings.
        _, bright = cv2.threshold(cv2.GaussianBlur(gray, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        masks.append(cv2.morphologyEx(bright, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)))
        # Regions unlike the frame border (the wall or studio around a painted canvas).
        lab = cv2.cvtColor(cv2.GaussianBlur(tiny, (5, 5), 0), cv2.COLOR_RGB2LAB).astype(np.float32)
        border = np.concatenate([lab[:3].reshape(-1, 3), lab[:, :3].reshape(-1, 3), lab[:, -3:].reshape(-1, 3)])
        centre = np.median(border, 0)
        dist = np.linalg.norm(lab - centre, axis=2)
        spread = np.percentile(np.linalg.norm(border - centre, axis=1), 90)
        unlike = (dist > max(18.0, 2.0 * spread)).astype(np.uint8) * 255
        masks.append(cv2.morphologyEx(unlike, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)))
        # Closed edge outlines, filled.
        med = float(np.median(gray))
        edges = cv2.dilate(cv2.Canny(gray, max(10, 0.5 * med), max(30, 1.2 * med)), np.ones((3, 3), np.uint8))
        contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        filled = np.zeros_like(edges)
        cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
        masks.append(filled)
        quads = []
        for mask in masks:
            contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            contours = sorted(contours, key=cv2.contourArea, reverse=True)[:3]
            for contour in contours:
                if cv2.contourArea(contour) < self.min_area * w * h:
                    break
                quad = quad_from_points(contour.reshape(-1, 2))
                if quad is not None:
                    quads.append(scale_quad(quad, 2.0))
        return quads


def _distinct(quads: list[np.ndarray], tolerance: float = 3.0) -> list[np.ndarray]:
    """Drop candidates whose corners all lie within ``tolerance`` px of an earlier one's:
    the masks often outline the same canvas, and refining it twice gains nothing."""
    kept: list[np.ndarray] = []
    for q in quads:
        if not any(np.abs(q - k).max() <= tolerance for k in kept):
            kept.append(q)
    return kept
