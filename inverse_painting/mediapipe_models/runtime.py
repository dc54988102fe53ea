"""The LiteRT interpreter behind every model, and the one image-to-tensor warp they share.

MediaPipe feeds its models a square crop of the image, possibly rotated, resized with
bilinear filtering, RGB scaled to [0, 1], zero outside the image. The whole-image
"letterbox" of palm detection is the same thing: a square of side max(W, H) around the
image centre. :class:`SquareRect` describes such a crop in image pixels, warps the image
into a tensor and maps tensor coordinates back, so letterbox removal and landmark
projection are one formula.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

LITERT_PIN = "ai-edge-litert==2.3.0"
# A crop spanning more than this many tensor sizes is area-averaged down before the warp.
ANTIALIAS_RATIO = 2.0


class LiteRtMissing(ImportError):
    """The LiteRT runtime (``ai_edge_litert``) is not installed."""


def interpreter_class() -> Any:
    """``ai_edge_litert.interpreter.Interpreter``, imported only when a model is built."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        raise LiteRtMissing(f"MediaPipe models need the LiteRT runtime: pip install {LITERT_PIN}") from None
    return Interpreter


class TfliteModel:
    """One ``.tflite`` file on the CPU; ``run(x)`` returns its outputs in the model's order."""

    def __init__(self, path: str | os.PathLike, num_threads: int = 1) -> None:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"model file not found: {path}")
        self.path = path
        self.interpreter = interpreter_class()(model_path=str(path), num_threads=num_threads)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.outputs = self.interpreter.get_output_details()

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self.input["shape"])

    @property
    def output_shapes(self) -> list[tuple[int, ...]]:
        return [tuple(int(n) for n in o["shape"]) for o in self.outputs]

    def expect(self, input_shape: tuple[int, ...], output_shapes: list[tuple[int, ...]]) -> None:
        """Refuse a file that is not the model this wrapper decodes."""
        if self.input_shape != input_shape or self.output_shapes != output_shapes:
            raise ValueError(f"{self.path.name}: input {self.input_shape}, outputs {self.output_shapes}; expected "
                             f"{input_shape}, {output_shapes}")

    def run(self, x: np.ndarray) -> list[np.ndarray]:
        self.interpreter.set_tensor(self.input["index"], np.ascontiguousarray(x[None], dtype=np.float32))
        self.interpreter.invoke()
        return [self.interpreter.get_tensor(o["index"])[0].copy() for o in self.outputs]


@dataclass(frozen=True)
class SquareRect:
    """A square region of an image: centre and side in pixels, rotation in radians (clockwise on screen)."""

    cx: float
    cy: float
    side: float
    rotation: float = 0.0

    @classmethod
    def whole_image(cls, width: int, height: int) -> "SquareRect":
        """The letterbox square: the image centred in a square of side max(W, H)."""
        return cls(width / 2, height / 2, float(max(width, height)))

    def to_image(self, points: np.ndarray) -> np.ndarray:
        """Points in [0, 1] tensor coordinates (..., 2) -> image pixels."""
        local = (np.asarray(points, dtype=np.float64) - 0.5) * self.side
        cos, sin = math.cos(self.rotation), math.sin(self.rotation)
        x = local[..., 0] * cos - local[..., 1] * sin + self.cx
        y = local[..., 0] * sin + local[..., 1] * cos + self.cy
        return np.stack([x, y], axis=-1)

    def tensor(self, image: np.ndarray, size: int) -> np.ndarray:
        """The region of an RGB uint8 image as a ``size`` x ``size`` x 3 float32 tensor in [0, 1].

        A region much larger than the tensor is first shrunk with area averaging: MediaPipe's
        plain bilinear warp aliases on photos far above camera resolution (a 3356 px still
        scored its palm 0.56 that way, 0.9 after shrinking).
        """
        corners = self.to_image(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        shrink = self.side / (size * ANTIALIAS_RATIO)
        if shrink > 1:
            height, width = image.shape[:2]
            x0, y0 = np.clip(np.floor(corners.min(0)).astype(int), 0, [width, height])
            x1, y1 = np.clip(np.ceil(corners.max(0)).astype(int), 0, [width, height])
            if x1 <= x0 or y1 <= y0:  # the region lies outside the image: all border
                return np.zeros((size, size, 3), dtype=np.float32)
            part = image[y0:y1, x0:x1]
            small = cv2.resize(part, (max(1, round((x1 - x0) / shrink)), max(1, round((y1 - y0) / shrink))),
                               interpolation=cv2.INTER_AREA)
            scale = np.array([small.shape[1] / part.shape[1], small.shape[0] / part.shape[0]])
            image, corners = small, (corners - [x0, y0]) * scale
        # OpenCV puts pixel centres on integers; the corners above are pixel edges.
        src = (corners[:3] - 0.5).astype(np.float32)
        dst = np.array([[0, 0], [size, 0], [0, size]], dtype=np.float32) - 0.5
        warp = cv2.getAffineTransform(src, dst)
        crop = cv2.warpAffine(image, warp, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                              borderValue=(0, 0, 0))
        return crop.astype(np.float32) / 255.0


def check_rgb(image: np.ndarray) -> np.ndarray:
    if not (isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3):
        got = f"{image.dtype} {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
        raise ValueError(f"expected an RGB uint8 image (H x W x 3), got {got}")
    return image


def normalize_radians(angle: float) -> float:
    """``angle`` wrapped to [-pi, pi)."""
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))
