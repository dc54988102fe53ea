"""The ``motion`` signal: what moves against the canvas plane between a sample and its companions.

The canvas is a plane: a frame decoded a fraction of a second before or after the sample
maps onto it by one homography (camera shake and pans included), found from features on the
canvas. Warped so, the canvas and everything on it line up; a hand, a brush, a spray bottle
moving over it does not. A pixel unlike *both* companions (after matching their overall
brightness) shows something that was there only at the sampled moment. It is the transient
cue for shots too short to hold three samples; it sees moving occluders only (a hand held
still is missed) and marks objects standing off the plane when the camera moves (parallax),
which are over the canvas too.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..canvas.register import canvas_features
from ..canvas.segments import CameraSegmenter


def moving_mask(image: np.ndarray, companions: list[np.ndarray], canvas: np.ndarray, polygon: np.ndarray,
                segmenter: CameraSegmenter, work: int = 320, threshold: float = 30.0,
                min_area: float = 0.002) -> np.ndarray | None:
    """Mask (``image``'s size) of regions on the canvas unlike every companion warped onto the image;
    None when no companion could be registered. ``canvas`` is the visible canvas mask, ``polygon``
    its outline (features inside it give the plane's homography)."""
    h, w = image.shape[:2]
    scale = work / max(h, w)
    size = (round(w * scale), round(h * scale))
    S = np.diag([scale, scale, 1.0])
    base = cv2.GaussianBlur(cv2.resize(image, size, interpolation=cv2.INTER_AREA), (5, 5), 0).astype(np.float32)
    target = canvas_features(segmenter.features(image), polygon)
    moving, seen = None, np.zeros(size[::-1], bool)
    for comp in companions:
        link = segmenter.link(segmenter.features(comp), target)
        if not link.ok:
            continue
        M = S @ link.H @ np.linalg.inv(S)
        small = cv2.GaussianBlur(cv2.resize(comp, size, interpolation=cv2.INTER_AREA), (5, 5), 0)
        warped = cv2.warpPerspective(small, M, size, flags=cv2.INTER_LINEAR).astype(np.float32)
        valid = cv2.warpPerspective(np.ones(size[::-1], np.uint8), M, size, flags=cv2.INTER_NEAREST) > 0
        gain = np.median(base[valid], 0) / np.maximum(np.median(warped[valid], 0), 1.0)
        differs = (np.abs(base - warped * gain).max(-1) > threshold) | ~valid  # unseen pixels do not veto
        moving = differs if moving is None else moving & differs
        seen |= valid
    if moving is None:
        return None
    moving = cv2.morphologyEx((moving & seen).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    on_canvas = cv2.resize(canvas.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)
    count, labels = cv2.connectedComponents(moving)
    keep = np.bincount(labels[on_canvas], minlength=count) >= min_area * on_canvas.sum()
    keep[0] = False
    return cv2.resize(keep[labels].astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
