"""Global camera motion between consecutive sampled frames, and camera segments from it.

Corners tracked with pyramidal Lucas-Kanade (checked forwards and backwards) between
neighbouring frames give a RANSAC similarity transform; painting progress and the
painter's hand are outliers. (Feature matching found too few points on plain walls and
blank canvases; a similarity is stable with few points, a full homography is not.)
A frame pair whose transform moves the frame corners by more than a threshold, or that
cannot be tracked at all (a cut), starts a new camera segment; within a segment the
camera only jitters, so the canvas keeps one quad.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .geometry import apply_homography


@dataclass(frozen=True)
class Motion:
    """Transform (3x3) mapping frame k-1 to frame k, in full-resolution pixels."""

    H: np.ndarray
    ok: bool  # False: too few consistent tracks (a cut, or a frame with nothing to track)
    inliers: int
    shift_px: float  # largest displacement of a frame corner, full-resolution pixels


IDENTITY = np.eye(3)


class MotionEstimator:
    """Estimates frame-to-frame similarity transforms on downscaled grey frames."""

    def __init__(self, max_corners: int = 400, min_inliers: int = 12, min_inlier_ratio: float = 0.3):
        self.max_corners = max_corners
        self.min_inliers = min_inliers
        self.min_inlier_ratio = min_inlier_ratio
        self.lk = dict(winSize=(21, 21), maxLevel=4,
                       criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03))

    def estimate(self, prev: np.ndarray, cur: np.ndarray, full_size: tuple[int, int], scale: float) -> Motion:
        """Motion from grey frame ``prev`` to ``cur``, both downscaled by ``scale``."""
        failed = Motion(IDENTITY, False, 0, float("inf"))
        p0 = cv2.goodFeaturesToTrack(prev, self.max_corners, 0.001, 6, blockSize=5)
        if p0 is None or len(p0) < self.min_inliers:
            return failed
        p1, st, _ = cv2.calcOpticalFlowPyrLK(prev, cur, p0, None, **self.lk)
        back, st2, _ = cv2.calcOpticalFlowPyrLK(cur, prev, p1, None, **self.lk)
        good = (st.ravel() == 1) & (st2.ravel() == 1) & (np.linalg.norm(back - p0, axis=2).ravel() < 0.5)
        if good.sum() < self.min_inliers:
            return failed
        A, mask = cv2.estimateAffinePartial2D(p0[good] / scale, p1[good] / scale, method=cv2.RANSAC,
                                              ransacReprojThreshold=1.0 / scale)
        inliers = int(mask.sum()) if mask is not None else 0
        if A is None or inliers < self.min_inliers or inliers < self.min_inlier_ratio * good.sum():
            return Motion(IDENTITY, False, inliers, float("inf"))
        H = np.vstack([A, [0.0, 0.0, 1.0]])
        w, h = full_size
        corners = np.float64([[0, 0], [w, 0], [w, h], [0, h]])
        shift = float(np.linalg.norm(apply_homography(H, corners) - corners, axis=1).max())
        return Motion(H, True, inliers, shift)


def split_segments(motions: list[Motion], threshold_px: float) -> list[int]:
    """Segment id per frame: a new segment starts wherever the camera moved or the scene cut.

    ``motions[k]`` is the motion from frame k-1 to frame k (``motions[0]`` is ignored).
    """
    ids, current = [], 0
    for k, m in enumerate(motions):
        if k > 0 and (not m.ok or m.shift_px > threshold_px):
            current += 1
        ids.append(current)
    return ids
