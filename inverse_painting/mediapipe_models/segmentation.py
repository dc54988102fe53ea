"""Selfie segmentation (``selfie_segmentation.tflite``): where a person (or arm) is.

As MediaPipe's ``selfie_segmentation_cpu.pbtxt`` (general model): the whole image squeezed
to 256x256 (aspect ratio not kept) in [0, 1] (area-averaged here, where MediaPipe samples
bilinearly: large photos would alias); the model's output is already a probability
(activation NONE); it is resized back to the image with bilinear filtering.
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from .runtime import TfliteModel, check_rgb

INPUT_SIZE = 256


class SelfieSegmenter:
    """``probability(rgb) -> H x W float32`` person probability in [0, 1]."""

    def __init__(self, path: str | os.PathLike, num_threads: int = 1) -> None:
        self.model = TfliteModel(path, num_threads)
        self.model.expect((1, INPUT_SIZE, INPUT_SIZE, 3), [(1, INPUT_SIZE, INPUT_SIZE, 1)])

    def probability(self, image: np.ndarray) -> np.ndarray:
        height, width = check_rgb(image).shape[:2]
        x = cv2.resize(image, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        (mask,) = self.model.run(x)
        full = cv2.resize(mask[:, :, 0], (width, height), interpolation=cv2.INTER_LINEAR)
        return np.clip(full, 0.0, 1.0).astype(np.float32)
