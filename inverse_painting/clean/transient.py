"""The ``transient`` signal: the classical deviation test per steady camera segment.

Paint stays, hands go: within a segment of at least three frames that see the same part of
the plane (a handheld pan over a close-up does not), a region unlike both the frames before
and after that is skin-coloured or reaches in from outside the canvas is an occluder. At a
segment's first and last frame the test is one-sided (paint laid later differs too), so
only regions with a good share of themselves outside the canvas count there, as an arm has.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from .occluders import AnalysisFrames, ClassicalOccluderDetector
from .views import PlaneViews, border_band, surroundings


def steady(frames: AnalysisFrames, members: list[int], min_overlap: float = 0.6) -> bool:
    """The frames show the same part of the plane: each one's footprint overlaps the middle one's
    by ``min_overlap`` (IoU)."""
    if frames.valid is None:
        return True
    middle = frames.valid[members[len(members) // 2]]
    for k in members:
        union = (frames.valid[k] | middle).sum()
        if union and (frames.valid[k] & middle).sum() / union < min_overlap:
            return False
    return True


def transient_masks(views: PlaneViews, detector: ClassicalOccluderDetector) -> list[np.ndarray | None]:
    """Per frame (analysis-size mask), or None where its segment gives no two-sided evidence."""
    frames = views.analysis
    out: list[np.ndarray | None] = [None] * len(views)
    for members in views.segments():
        if len(members) < 3 or not steady(frames, members):
            continue
        if frames.canvas_masks is None or views.plane.whole:
            inside = frames.inside
        else:
            inside = frames.canvas_masks[members].any(0)
        valid = np.ones((len(members),) + inside.shape, bool) if frames.valid is None else frames.valid[members]
        far = surroundings(inside, valid, views.plane.whole)
        subset = frames.subset(members, inside, far)  # lighting matched on what surrounds the canvas
        if views.plane.whole and not sees_all_of(inside, valid):
            # A close-up of a whole canvas: an arm reaches in across the frames' border, which counts as
            # outside where it cuts through the canvas (near the canvas edge the edge itself decides).
            deep = cv2.erode(inside.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
            far = far | (border_band(valid) & deep)
            subset = replace(subset, far=far)
        found = detector.deviations(subset)
        for pos, (i, occ) in enumerate(zip(members, found)):
            mask = np.zeros(inside.shape, bool) if occ.mask is None else cv2.resize(
                occ.mask.astype(np.uint8), inside.shape[::-1], interpolation=cv2.INTER_NEAREST).astype(bool)
            if pos in (0, len(members) - 1):
                mask = mostly_outside(mask, far)
            out[i] = mask & valid[pos]
    return out


def sees_all_of(inside: np.ndarray, valid: np.ndarray, share: float = 0.98) -> bool:
    """Every frame shows (nearly) all of the canvas."""
    return bool((inside & valid.all(0)).sum() >= share * max(int(inside.sum()), 1))


def mostly_outside(mask: np.ndarray, far: np.ndarray, share: float = 0.25) -> np.ndarray:
    """Only the regions with ``share`` of themselves outside the canvas."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8))
    if count <= 1:
        return mask
    size = np.bincount(labels.ravel(), minlength=count)
    keep = np.bincount(labels[far], minlength=count) >= share * np.maximum(size, 1)
    keep[0] = False
    return keep[labels]
