"""Whole-canvas detectors: one interface (:class:`CanvasDetector`) and the classical backend.

A detector takes RGB frames and returns, per frame, the best quadrilateral of a canvas seen
whole (or ``None``) with a confidence; :mod:`.finder` runs it per camera segment (on every
sampled frame, or on a few per segment) and falls back to partial views where it finds none. Every backend ends in the same refinement: a rough
outline (a bright region's hull, an edge contour, or a detection box) is snapped onto
the canvas edges by :func:`~inverse_painting.canvas.refine.refine_quad`. The backends by
name: :data:`~inverse_painting.canvas.detectors.CANVAS_DETECTORS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
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
    cue: str  # the cue a segment decided by it is recorded with
    frames_per_segment: int  # 0: it sees every sampled frame; else this many per camera segment

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
    """Bright regions and closed edge contours -> convex quads, scored by edge support; where
    none holds, quads from the longest straight edges (a canvas half painted splits into two
    regions, its sides stay straight lines).

    Works on a downscaled copy (``work_width``); candidates must cover ``min_area`` to
    ``max_area`` of the frame and stay off the frame border (a canvas is filmed whole).
    """

    name = "classical"
    cue = "edges"
    frames_per_segment = 0

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
        found, near = self._scored(self._candidates(small), grads, small.shape), 0.85
        if not found:  # straight lines also meet at a table or shelf edge: only the nearly best count
            found, near = self._scored(line_quads(small, grads, self.min_area, self.max_area), grads, small.shape), 0.95
        if not found:
            return None
        # Edges inside a painting (a horizon, the border of the unpainted part) outline
        # smaller well-supported quads too: among the well supported, the canvas is the largest.
        top = max(d.score for d in found)
        best = max((d for d in found if d.score >= near * top), key=lambda d: quad_area(d.quad))
        return Detection(scale_quad(best.quad, 1 / scale), best.score)

    def _scored(self, quads: list[np.ndarray], grads, shape) -> list[Detection]:
        found = []
        for quad in _distinct(quads):
            quad = refine_quad(grads, quad, search=6.0)
            if self._plausible(quad, shape):
                found.append(Detection(quad, edge_support(grads, quad)))
        return [d for d in found if d.score >= self.min_score]

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


def _long_lines(small: np.ndarray, keep: int = 10) -> list[tuple[np.ndarray, float, float]]:
    """The longest straight edges: (unit normal, rho, total length), near-duplicates merged."""
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    med = float(np.median(gray))
    edges = cv2.Canny(gray, max(10, 0.5 * med), max(30, 1.2 * med))
    h, w = gray.shape
    segs = cv2.HoughLinesP(edges, 1, np.pi / 180, 40, minLineLength=0.12 * min(h, w), maxLineGap=8)
    lines: list[list] = []
    for x0, y0, x1, y1 in ([] if segs is None else segs.reshape(-1, 4).astype(np.float64)):
        d = np.array([x1 - x0, y1 - y0])
        length = float(np.linalg.norm(d))
        n = np.array([d[1], -d[0]]) / length
        n = n if n[0] + 1e-9 * n[1] > 0 or (abs(n[0]) < 1e-9 and n[1] > 0) else -n
        rho = float(n @ [x0, y0])
        for line in lines:
            if line[0] @ n > np.cos(np.deg2rad(3)) and abs(line[1] - rho) < 6:
                line[2] += length
                break
        else:
            lines.append([n, rho, length])
    return [tuple(line) for line in sorted(lines, key=lambda ln: -ln[2])[:keep]]


def line_quads(small: np.ndarray, grads, min_area: float, max_area: float) -> list[np.ndarray]:
    """Quads bounded by two near-horizontal and two near-vertical long straight edges, the best
    supported first (at most a dozen, for refinement)."""
    lines = _long_lines(small)
    flat = [ln for ln in lines if abs(ln[0][1]) > abs(ln[0][0])]  # normal mostly vertical: a top or bottom side
    tall = [ln for ln in lines if abs(ln[0][1]) <= abs(ln[0][0])]
    h, w = small.shape[:2]
    out = []
    for (n1, r1, _), (n2, r2, _) in combinations(flat, 2):
        for (n3, r3, _), (n4, r4, _) in combinations(tall, 2):
            corners = [_cross(a, b) for a, b in (((n1, r1), (n3, r3)), ((n1, r1), (n4, r4)),
                                                  ((n2, r2), (n4, r4)), ((n2, r2), (n3, r3)))]
            if any(c is None for c in corners):
                continue
            quad = order_corners(np.array(corners))
            area = quad_area(quad) / (w * h)
            if is_convex(quad) and min_area <= area <= max_area and (quad >= -2).all() \
                    and (quad[:, 0] <= w + 1).all() and (quad[:, 1] <= h + 1).all():
                out.append((edge_support(grads, quad), quad))
    return [q for _, q in sorted(out, key=lambda sq: -sq[0])[:12]]


def _cross(a: tuple[np.ndarray, float], b: tuple[np.ndarray, float]) -> np.ndarray | None:
    m = np.array([a[0], b[0]])
    if abs(np.linalg.det(m)) < 1e-6:
        return None
    return np.linalg.solve(m, np.array([a[1], b[1]]))
