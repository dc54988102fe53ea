"""Quadrilateral helpers: corner order, overlap, aspect ratio, rectifying homographies, and the
part of a quad a frame shows.

Quads are float arrays of shape (4, 2) in pixel coordinates, corners in the order
top-left, top-right, bottom-right, bottom-left (the order the sample world's ground truth uses).
A quad's corners may lie outside the frame (a canvas partly out of view); its visible part is
:func:`visible_polygon`.
"""

from __future__ import annotations

import cv2
import numpy as np


def order_corners(points: np.ndarray) -> np.ndarray:
    """Return 4 points ordered TL, TR, BR, BL (by angle around the centroid, TL first)."""
    pts = np.asarray(points, np.float64).reshape(4, 2)
    centre = pts.mean(0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # clockwise in image coordinates (y down), starting near -pi
    tl = int(np.argmin(pts.sum(1)))
    return np.roll(pts, -tl, axis=0)


def quad_area(quad: np.ndarray) -> float:
    return float(abs(cv2.contourArea(np.asarray(quad, np.float32))))


def is_convex(quad: np.ndarray) -> bool:
    return bool(cv2.isContourConvex(np.asarray(quad, np.float32).reshape(-1, 1, 2)))


def quad_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two convex quads."""
    a32, b32 = np.asarray(a, np.float32), np.asarray(b, np.float32)
    inter, _ = cv2.intersectConvexConvex(a32, b32)
    union = quad_area(a32) + quad_area(b32) - inter
    return float(inter / union) if union > 0 else 0.0


def quad_aspect(quad: np.ndarray) -> float:
    """Width / height of the rectangle a quad shows: mean opposite side lengths."""
    q = np.asarray(quad, np.float64)
    width = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2
    height = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
    return float(width / max(height, 1e-6))


def rectified_size(aspect: float, width: int) -> tuple[int, int]:
    """(width, height) of a rectified canvas of the given aspect; height even, for video codecs."""
    height = max(2, int(round(width / aspect / 2)) * 2)
    return int(width), height


def apply_homography(H: np.ndarray, pts: np.ndarray) -> np.ndarray:
    p = np.c_[np.asarray(pts, np.float64).reshape(-1, 2), np.ones(len(pts))] @ np.asarray(H, np.float64).T
    return p[:, :2] / p[:, 2:3]


def rectifying_homography(quad: np.ndarray, size: tuple[int, int], margin: int = 0) -> np.ndarray:
    """Homography taking ``quad`` onto the rectangle ``size`` placed ``margin`` pixels inside its image."""
    w, h = size
    dst = np.float32([[margin, margin], [margin + w, margin], [margin + w, margin + h], [margin, margin + h]])
    return cv2.getPerspectiveTransform(np.asarray(quad, np.float32), dst)


def rectify(image: np.ndarray, quad: np.ndarray, size: tuple[int, int], margin: int = 0) -> np.ndarray:
    """Warp the quad of ``image`` to an upright ``size`` rectangle with a ``margin`` of surroundings."""
    H = rectifying_homography(quad, size, margin)
    out = (size[0] + 2 * margin, size[1] + 2 * margin)
    return cv2.warpPerspective(image, H, out, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def warp_to_plane(image: np.ndarray, H: np.ndarray, size: tuple[int, int], margin: int) -> np.ndarray:
    """``image`` through homography ``H`` into a ``size`` plane with a ``margin`` on every side;
    what the frame does not show stays black (clean knows where: the frame's footprint)."""
    out = (size[0] + 2 * margin, size[1] + 2 * margin)
    return cv2.warpPerspective(image, np.asarray(H, np.float64), out, flags=cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_CONSTANT)


def scale_quad(quad: np.ndarray, factor: float) -> np.ndarray:
    """Quad coordinates after resizing the image by ``factor`` (pixel centres preserved)."""
    return (np.asarray(quad, np.float64) + 0.5) * factor - 0.5


def clip_half_plane(poly: np.ndarray, normal: np.ndarray, rho: float) -> np.ndarray:
    """Sutherland-Hodgman: the part of a convex polygon where ``p . normal <= rho``."""
    out = []
    poly = np.asarray(poly, np.float64)
    d = poly @ normal - rho
    for i in range(len(poly)):
        j = (i + 1) % len(poly)
        if d[i] <= 0:
            out.append(poly[i])
        if (d[i] <= 0) != (d[j] <= 0):
            out.append(poly[i] + d[i] / (d[i] - d[j]) * (poly[j] - poly[i]))
    return np.array(out) if out else np.zeros((0, 2))


def frame_polygon(size: tuple[int, int]) -> np.ndarray:
    w, h = size
    return np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)


def visible_polygon(quad: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The convex quad clipped to the frame ``size`` (a convex polygon, clockwise on screen)."""
    poly = frame_polygon(size)
    q = np.asarray(quad, np.float64)
    for i in range(4):
        d = q[(i + 1) % 4] - q[i]
        n = np.array([d[1], -d[0]]) / max(np.linalg.norm(d), 1e-9)
        poly = clip_half_plane(poly, n, float(q[i] @ n))
        if len(poly) < 3:
            return np.zeros((0, 2))
    return poly


def polygon_area(poly: np.ndarray) -> float:
    return float(abs(cv2.contourArea(np.asarray(poly, np.float32)))) if len(poly) >= 3 else 0.0


def polygon_mask(poly: np.ndarray | None, size: tuple[int, int]) -> np.ndarray:
    """Boolean (h, w) mask of a polygon (sub-pixel corners)."""
    w, h = size
    m = np.zeros((h, w), np.uint8)
    if poly is not None and len(poly) >= 3:
        cv2.fillPoly(m, [np.round(np.asarray(poly) * 16).astype(np.int32)], 1, shift=4)
    return m.astype(bool)


def polygon_iou(a: np.ndarray, b: np.ndarray, size: tuple[int, int], scale: float = 0.25) -> float:
    """IoU of two polygons rasterised at ``scale`` x the frame ``size`` (rough regions)."""
    small = (int(size[0] * scale) + 1, int(size[1] * scale) + 1)
    ma = polygon_mask(np.asarray(a) * scale, small)
    mb = polygon_mask(np.asarray(b) * scale, small)
    union = (ma | mb).sum()
    return float((ma & mb).sum() / union) if union else 0.0
