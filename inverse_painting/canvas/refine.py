"""Snap a rough quadrilateral onto the canvas edges, and score how well edges support it.

Each side is searched along its normal for the strongest colour edge (projected gradient,
sub-pixel peak); a robust line fit through those edge points replaces the side, and
neighbouring side lines intersect in the new corners. A hand crossing one side only
removes some edge points; the Huber fit ignores the rest of its outline.
"""

from __future__ import annotations

import cv2
import numpy as np

from .geometry import is_convex, quad_area

SAMPLES_PER_SIDE = 48


def colour_gradients(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel Sobel derivatives (float32, H x W x 3) of a lightly smoothed image."""
    img = cv2.GaussianBlur(rgb, (3, 3), 0).astype(np.float32)
    return cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)


def _side_profiles(grads, p0, p1, search: float, step: float = 0.5):
    """Edge strength along the outward normal at evenly spaced points of side p0->p1."""
    gx, gy = grads
    d = p1 - p0
    length = np.linalg.norm(d)
    if length < 4:
        return None
    d = d / length
    normal = np.array([d[1], -d[0]])  # outward for TL, TR, BR, BL order (y down)
    ts = np.linspace(0.08, 0.92, SAMPLES_PER_SIDE)
    offsets = np.arange(-search, search + step / 2, step)
    base = p0[None] + ts[:, None] * (p1 - p0)[None]
    pts = base[:, None, :] + offsets[None, :, None] * normal[None, None, :]
    mx, my = pts[..., 0].astype(np.float32), pts[..., 1].astype(np.float32)
    sx = cv2.remap(gx, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    sy = cv2.remap(gy, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    strength = np.abs(sx * normal[0] + sy * normal[1]).reshape(len(ts), len(offsets), -1).sum(-1)
    return base, normal, offsets, strength


def refine_quad(grads, quad: np.ndarray, search: float = 10.0, min_edge: float = 60.0,
                iterations: int = 2) -> np.ndarray:
    """Refine ``quad`` (TL, TR, BR, BL) onto the strongest nearby edges; returns a new quad.

    ``search`` is the half-width (pixels) of the band searched along each side's normal;
    it halves on each iteration. Sides with too few edge points keep their old line.
    """
    q = np.asarray(quad, np.float64).copy()
    for it in range(iterations):
        lines = []
        for i in range(4):
            p0, p1 = q[i], q[(i + 1) % 4]
            lines.append(fit_side(grads, p0, p1, max(search / 2**it, 1.5), min_edge))
        new = np.array([_intersect(lines[i - 1], lines[i]) for i in range(4)])
        if not np.all(np.isfinite(new)) or not is_convex(new) or quad_area(new) < 0.5 * quad_area(q):
            break
        q = new
    return q


def fit_side(grads, p0, p1, search, min_edge):
    """(point, direction) of the best line near side p0->p1."""
    direction = (p1 - p0) / max(np.linalg.norm(p1 - p0), 1e-9)
    prof = _side_profiles(grads, p0, p1, search)
    if prof is None:
        return p0, direction
    base, normal, offsets, strength = prof
    best = strength.argmax(1)
    peak = strength[np.arange(len(best)), best]
    good = (peak >= min_edge) & (best > 0) & (best < len(offsets) - 1)
    if good.sum() < 6:
        return p0, direction
    idx = np.nonzero(good)[0]
    b = best[idx]
    left, mid, right = strength[idx, b - 1], strength[idx, b], strength[idx, b + 1]
    denom = left - 2 * mid + right
    frac = np.where(np.abs(denom) > 1e-6, 0.5 * (left - right) / denom, 0.0).clip(-0.5, 0.5)
    step = offsets[1] - offsets[0]
    off = offsets[b] + frac * step
    pts = base[idx] + off[:, None] * normal[None]
    for _ in range(2):  # fit, drop points far off the line (hand outlines), refit
        vx, vy, x0, y0 = cv2.fitLine(pts.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        resid = np.abs((pts[:, 0] - x0) * vy - (pts[:, 1] - y0) * vx)
        keep = resid < max(1.5, 2.5 * _median(resid))
        if keep.sum() < 6 or keep.all():
            break
        pts = pts[keep]
    return np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)


def _median(values: np.ndarray) -> float:
    """np.median for a few dozen values, without its per-call overhead (this runs per side and frame)."""
    s = np.sort(values)
    m = len(s)
    return float(0.5 * (s[(m - 1) // 2] + s[m // 2]))


def _intersect(a, b) -> np.ndarray:
    (p, r), (q, s) = a, b
    cross = r[0] * s[1] - r[1] * s[0]
    if abs(cross) < 1e-6:
        return np.array([np.nan, np.nan])
    t = ((q[0] - p[0]) * s[1] - (q[1] - p[1]) * s[0]) / cross
    return p + t * r


def edge_support(grads, quad: np.ndarray, min_edge: float = 60.0, tolerance: float = 1.5,
                 sides: tuple[int, ...] = (0, 1, 2, 3)) -> float:
    """How much of the quad's outline (of the given ``sides``: 0 top, 1 right, 2 bottom, 3 left) lies on
    a strong edge: 0..1 (mean and weakest side)."""
    q = np.asarray(quad, np.float64)
    fractions = []
    for i in sides:
        prof = _side_profiles(grads, q[i], q[(i + 1) % 4], tolerance)
        if prof is None:
            return 0.0
        fractions.append(float((prof[3].max(1) >= min_edge).mean()))
    return 0.5 * float(np.mean(fractions)) + 0.5 * min(fractions) if fractions else 0.0


def continuing_sides(grads, quad: np.ndarray, reach: float = 0.15, min_edge: float = 60.0,
                     min_share: float = 0.6) -> int:
    """How many sides run on as the same straight edge beyond both their corners (over ``reach`` of
    their length): a table edge or a shelf does, a canvas side turns at its corners."""
    q = np.asarray(quad, np.float64)
    count = 0
    for i in range(4):
        a, b = q[i], q[(i + 1) % 4]
        d = (b - a) * reach
        shares = []
        for p0, p1 in ((b + 0.1 * d, b + d), (a - 0.1 * d, a - d)):
            prof = _side_profiles(grads, p0, p1, 1.5)
            shares.append(0.0 if prof is None else float((prof[3].max(1) >= min_edge).mean()))
        count += min(shares) >= min_share
    return count
