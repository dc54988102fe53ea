"""Hand landmarks (``hand_landmark_full.tflite``) and the palm -> hand crop between the models.

As MediaPipe's legacy Hands graph on a single image: each palm gives a square crop rotated
so that the wrist -> middle-finger-MCP line points up (``palm_detection_detection_to_roi``:
shift 0.5 box heights towards the fingers, long side x 2.6); the crop is warped to 224x224
in [0, 1]; the model returns 21 landmarks (x, y in crop pixels, z relative depth), a hand
presence score and a handedness score, and the landmarks are projected back to the image.

Handedness is MediaPipe's label, which assumes a mirrored (selfie) image: on an ordinary
camera picture a hand labelled "Left" is the person's right hand.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from .palm import MIDDLE_FINGER_MCP, WRIST, PalmDetection, PalmDetector
from .runtime import SquareRect, TfliteModel, check_rgb, normalize_radians

INPUT_SIZE = 224
NUM_LANDMARKS = 21
PALM_SCALE = 2.6        # palm box long side -> hand crop side
PALM_SHIFT_Y = -0.5     # crop centre moved towards the fingers, in palm box heights
Z_SCALE = 0.4           # MediaPipe's normalize_z for this model


def hand_rect(palm: PalmDetection) -> SquareRect:
    """The square crop MediaPipe gives the landmark model for a palm (image pixels)."""
    x0, y0, x1, y1 = palm.box
    width, height = x1 - x0, y1 - y0
    (wx, wy), (mx, my) = palm.keypoints[WRIST], palm.keypoints[MIDDLE_FINGER_MCP]
    rotation = normalize_radians(math.pi / 2 - math.atan2(-(my - wy), mx - wx))
    # The shift is along the rotated box's own y axis.
    cx = (x0 + x1) / 2 - height * PALM_SHIFT_Y * math.sin(rotation)
    cy = (y0 + y1) / 2 + height * PALM_SHIFT_Y * math.cos(rotation)
    return SquareRect(cx, cy, max(width, height) * PALM_SCALE, rotation)


@dataclass(frozen=True)
class Hand:
    """One hand: 21 landmarks (x, y image pixels; z relative depth on the same scale) and scores."""

    landmarks: np.ndarray           # (21, 3)
    presence: float                 # probability that the crop holds a hand
    handedness: str                 # MediaPipe's label "Left" / "Right" (mirrored-image convention)
    handedness_score: float
    rect: SquareRect                # the crop the landmarks came from
    palm: PalmDetection | None = None

    def box(self) -> tuple[float, float, float, float]:
        """Bounding box (x0, y0, x1, y1) of the landmarks in image pixels."""
        xy = self.landmarks[:, :2]
        return (float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max()))


class HandLandmarker:
    """``landmarks(rgb, rect) -> Hand`` for one hand crop."""

    def __init__(self, path: str | os.PathLike, num_threads: int = 1) -> None:
        self.model = TfliteModel(path, num_threads)
        self.model.expect((1, INPUT_SIZE, INPUT_SIZE, 3), [(1, 63), (1, 1), (1, 1), (1, 63)])

    def landmarks(self, image: np.ndarray, rect: SquareRect, palm: PalmDetection | None = None) -> Hand:
        screen, presence, handedness, _world = self.model.run(rect.tensor(check_rgb(image), INPUT_SIZE))
        raw = screen.reshape(NUM_LANDMARKS, 3).astype(np.float64)
        xy = rect.to_image(raw[:, :2] / INPUT_SIZE)
        z = raw[:, 2] / INPUT_SIZE / Z_SCALE * rect.side
        left = float(handedness.reshape(-1)[0])   # binary classifier: P("Left")
        label, score = ("Left", left) if left >= 0.5 else ("Right", 1.0 - left)
        return Hand(np.column_stack([xy, z]), float(presence.reshape(-1)[0]), label, score, rect, palm)


class HandTracker:
    """Palm detection then landmarks per palm: ``hands(rgb) -> [Hand]`` (present hands only)."""

    def __init__(self, palm_model: str | os.PathLike, landmark_model: str | os.PathLike, max_hands: int = 2,
                 min_presence: float = 0.5, num_threads: int = 1) -> None:
        self.palms = PalmDetector(palm_model, num_threads=num_threads)
        self.landmarker = HandLandmarker(landmark_model, num_threads)
        self.max_hands, self.min_presence = max_hands, min_presence

    def hands(self, image: np.ndarray) -> list[Hand]:
        found = []
        for palm in self.palms.detect(image)[: self.max_hands]:
            hand = self.landmarker.landmarks(image, hand_rect(palm), palm)
            if hand.presence >= self.min_presence:
                found.append(hand)
        return found
