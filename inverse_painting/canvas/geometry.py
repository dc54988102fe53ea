"""Quadrilateral helpers: corner order, overlap, aspect ratio, rectifying homographies.

Quads are float arrays of shape (4, 2) in pixel coordinates, corners in the order
top-left, top-right, bottom-right, bottom-left (the order the sample world's ground truth uses).
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


def scale_quad(quad: np.ndarray, factor: float) -> np.ndarray:
    """Quad coordinates after resizing the image by ``factor`` (pixel centres preserved)."""
    return (np.asarray(quad, np.float64) + 0.5) * factor - 0.5
