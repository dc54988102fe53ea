"""The ``crossing`` signal: an arm, brush or robot arm coming in from outside interrupts the canvas edge.

Along a seen side of the canvas the colour steps from canvas to surroundings. Where
something lies across the side, the step vanishes: the pixels just inside and just outside
hold the same stuff (the sleeve), unlike the canvas next to it. Per seen side the colour on
both sides is sampled in thin strips; a run of samples where both strips agree with each
other, but not with the canvas strip along the rest of the side, is a crossing. The object's
part on the canvas is grown from the crossing by colour similarity (flood fill), within a
reach of a few side-widths of the gap.

For a segment seen by a steady camera the reference contrast of each sample is the best
over the segment's frames (the edge is clear in one of them); in a single frame it is the
side's own median contrast.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..canvas.geometry import visible_polygon

SAMPLES = 64


def lab_image(rgb: np.ndarray, long_side: int = 480) -> tuple[np.ndarray, float]:
    h, w = rgb.shape[:2]
    scale = min(1.0, long_side / max(h, w))
    small = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(cv2.GaussianBlur(small, (5, 5), 0), cv2.COLOR_RGB2LAB).astype(np.float32)
    return lab, scale


def side_strips(lab: np.ndarray, a: np.ndarray, b: np.ndarray, offset: float = 4.0, ts=None):
    """Colours (SAMPLES, 3) just inside and just outside side a->b (inside is opposite to the
    outward normal (d1, -d0)), and the sample points."""
    ts = np.linspace(0.04, 0.96, SAMPLES) if ts is None else ts
    d = b - a
    n = np.array([d[1], -d[0]]) / max(np.linalg.norm(d), 1e-9)
    pts = a[None] + ts[:, None] * d[None]
    return _sample(lab, pts - offset * n), _sample(lab, pts + offset * n), pts


def _sample(lab: np.ndarray, p: np.ndarray) -> np.ndarray:
    return cv2.remap(lab, p[:, 0:1].astype(np.float32), p[:, 1:2].astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE).reshape(-1, 3)


def seen_segments(quad: np.ndarray, seen, size: tuple[int, int], margin: float = 3.0) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each seen side, its visible part inside the frame (end points), shrunk off the frame border."""
    poly = visible_polygon(quad, size)
    out = []
    q = np.asarray(quad, np.float64)
    for i in range(4):
        if not seen[i]:
            continue
        a, b = q[i], q[(i + 1) % 4]
        d = b - a
        n = np.array([d[1], -d[0]]) / max(np.linalg.norm(d), 1e-9)
        on = [p for p in poly if abs((p - a) @ n) < 1.0]
        if len(on) < 2:
            continue
        t = sorted(((p - a) @ d / (d @ d), p) for p in on)
        p0, p1 = t[0][1], t[-1][1]
        if np.linalg.norm(p1 - p0) > 4 * margin:
            u = (p1 - p0) / np.linalg.norm(p1 - p0)
            out.append((p0 + margin * u, p1 - margin * u))
    return out


def crossing_runs(inner: np.ndarray, outer: np.ndarray, ref_contrast: np.ndarray, min_run: int = 3,
                  same: float = 12.0, drop: float = 0.35) -> list[tuple[int, int]]:
    """Runs of samples where the step across the side vanished and the stuff differs from the canvas."""
    contrast = np.linalg.norm(inner - outer, axis=1)
    canvas, surround = np.median(inner, axis=0), np.median(outer, axis=0)
    # The crossing object is unlike both the canvas and the surroundings along this side
    # (paint that happens to match the wall is unlike the canvas, but like the wall).
    unlike = (np.linalg.norm(inner - canvas, axis=1) > 1.5 * same) & (np.linalg.norm(outer - surround, axis=1) > 1.5 * same)
    gap = (contrast < np.maximum(same, drop * ref_contrast)) & (ref_contrast > 2 * same) & unlike
    runs, start = [], None
    for i, g in enumerate(np.append(gap, False)):
        if g and start is None:
            start = i
        elif not g and start is not None:
            if i - start >= min_run:
                runs.append((start, i))
            start = None
    return runs


def crossing_mask(rgb: np.ndarray, quad: np.ndarray, seen, canvas_mask: np.ndarray,
                  ref_contrast: list[np.ndarray] | None = None, reach: float = 2.0) -> tuple[np.ndarray, list]:
    """Frame-size mask of objects lying across seen canvas sides; also each side's contrast profile."""
    h, w = rgb.shape[:2]
    lab, scale = lab_image(rgb)
    small_canvas = cv2.resize(canvas_mask.astype(np.uint8), lab.shape[1::-1], interpolation=cv2.INTER_NEAREST)
    out = np.zeros(lab.shape[:2], np.uint8)
    profiles = []
    for j, (a, b) in enumerate(seen_segments(quad, seen, (w, h))):
        inner, outer, pts = side_strips(lab, a * scale, b * scale)
        contrast = np.linalg.norm(inner - outer, axis=1)
        profiles.append(contrast)
        ref = np.full(SAMPLES, float(np.median(contrast)))
        if ref_contrast is not None and j < len(ref_contrast):
            ref = np.maximum(ref, ref_contrast[j])
        for s, e in crossing_runs(inner, outer, ref):
            _grow(lab, out, small_canvas, pts[s:e], inner[s:e], reach * np.linalg.norm(pts[e - 1] - pts[s]) + 6)
    mask = cv2.resize(out, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
    return mask & canvas_mask, profiles


def _grow(lab: np.ndarray, out: np.ndarray, canvas: np.ndarray, pts: np.ndarray, colours: np.ndarray,
          radius: float, tolerance: float = 14.0) -> None:
    """Flood the object's colour from the crossing into the canvas, within ``radius`` of it."""
    h, w = out.shape
    target = np.median(colours, axis=0)
    near = np.zeros((h, w), np.uint8)
    for p in pts[:: max(1, len(pts) // 6)]:
        cv2.circle(near, (int(p[0]), int(p[1])), int(radius), 1, -1)
    similar = (np.linalg.norm(lab - target, axis=2) < tolerance) & near.astype(bool) & canvas.astype(bool)
    count, labels = cv2.connectedComponents(similar.astype(np.uint8))
    seeds = {int(labels[int(np.clip(p[1], 0, h - 1)), int(np.clip(p[0], 0, w - 1))]) for p in pts}
    for s in seeds - {0}:
        out[labels == s] = 1
    # The crossing itself counts even where the flood found nothing (a thin brush handle).
    for p in pts:
        cv2.circle(out, (int(p[0]), int(p[1])), 3, 1, -1)
