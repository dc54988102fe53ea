"""The ``hand`` and ``person`` signals, from MediaPipe's models on the original frame.

- ``hand``: palm detection + hand landmarks; the landmarks' hull grown by a share of the
  hand's size (fingers, the brush in them). A palm alone also fires on clouds and folds: the
  landmark model must agree (hand presence).
- ``person``: person segmentation, but only a region that comes in from outside the canvas
  (part of it beyond the canvas, touching the frame border, with some skin: a wrist, a face)
  or that holds a detected hand. Alone it also marks painted faces and bright pipes, so it
  never counts by itself inside the canvas.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..media.skin import skin_mask


def hand_mask(tracker, image: np.ndarray, size: tuple[int, int], min_score: float, grow: float) -> np.ndarray:
    """Hands found in ``image`` (full frame) as a mask of ``size`` (the work frame)."""
    scale = size[0] / image.shape[1]
    mask = np.zeros(size[::-1], np.uint8)
    for hand in tracker.hands(image):
        if hand.palm is not None and hand.palm.score < min_score:
            continue
        pts = hand.landmarks[:, :2] * scale
        centre, extent = pts.mean(0), float(np.ptp(pts, axis=0).max())
        hull = cv2.convexHull(np.float32(centre + (pts - centre) * (1 + grow)))
        cv2.fillConvexPoly(mask, np.round(hull).astype(np.int32), 1)
        cv2.dilate(mask, np.ones((3, 3), np.uint8), dst=mask, iterations=max(1, int(grow * extent / 4)))
    return mask.astype(bool)


def person_mask(probability: np.ndarray, image: np.ndarray, canvas: np.ndarray, hand: np.ndarray,
                min_canvas: float, min_outside: float, min_skin: float) -> np.ndarray:
    """Person regions (``probability`` >= 0.5) that come in from outside the canvas or hold a hand."""
    h, w = canvas.shape
    count, labels = cv2.connectedComponents((probability >= 0.5).astype(np.uint8))
    if count <= 1:
        return np.zeros((h, w), bool)
    skin = skin_mask(image)
    border = np.zeros((h, w), bool)
    border[:2], border[-2:], border[:, :2], border[:, -2:] = True, True, True, True
    outside = ~canvas
    size = np.bincount(labels.ravel(), minlength=count)
    on_canvas = np.bincount(labels[canvas], minlength=count)
    off = np.bincount(labels[outside], minlength=count)
    at_border = np.bincount(labels[outside & border], minlength=count) > 0
    skinny = np.bincount(labels[skin], minlength=count) >= min_skin * size
    holds_hand = np.bincount(labels[hand], minlength=count) > 0
    from_outside = (off >= min_outside * size) & at_border & skinny
    keep = (on_canvas >= min_canvas * max(canvas.sum(), 1)) & (from_outside | holds_hand)
    keep[0] = False
    return keep[labels]
