"""Grounding DINO for the canvas, through the shared
:class:`~inverse_painting.vision.grounding_dino.GroundingDino`, on a few frames per camera segment.

- :class:`GroundingDinoCanvasDetector` (``canvas.backend: grounding-dino``): the best
  "canvas. painting." box, refined onto the canvas edges, as a segment's whole-canvas cue.
- :class:`GroundingDinoConfirm` (``canvas.confirm: grounding-dino``): a second opinion on
  partial views (cues ``lines`` and ``frame``), which classical cues cannot tell from a
  colour chart or a plastic-covered table: a segment keeps its partial view only when a box
  covers most of the visible region in one of its frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..vision.grounding_dino import Box, GroundingDinoSettings, load_grounding_dino
from .detect import Detection
from .geometry import polygon_area, polygon_mask, quad_area
from .refine import colour_gradients, edge_support, refine_quad


@dataclass(frozen=True)
class GroundingDinoCanvasConfig(GroundingDinoSettings):
    """``canvas.grounding_dino``: the Grounding DINO settings (backend and confirmation alike)."""

    prompt: str = "canvas. painting."
    min_score: float = 0.3  # box score x edge support a quad needs
    frames_per_segment: int = 3  # frames of each camera segment the model sees
    min_cover: float = 0.5  # confirmation: share of the visible canvas a box must cover


class GroundingDinoCanvasDetector:
    """Canvas detector: the best "canvas. painting." box, refined onto the canvas edges."""

    name = "grounding-dino"
    cue = "grounding-dino"

    def __init__(self, config: GroundingDinoCanvasConfig = GroundingDinoCanvasConfig()):
        self.dino = load_grounding_dino(config.model, config.device, "canvas.grounding_dino.model")
        self.config = config
        self.frames_per_segment = max(1, config.frames_per_segment)

    def boxes(self, images: Sequence[np.ndarray]) -> list[list[Box]]:
        c = self.config
        return self.dino.detect(list(images), c.prompt, c.box_threshold, c.text_threshold)

    def detect(self, images: Sequence[np.ndarray]) -> list[Detection | None]:
        return [self._quad_from_boxes(img, boxes) for img, boxes in zip(images, self.boxes(images))]

    def _quad_from_boxes(self, image: np.ndarray, boxes: list[Box]) -> Detection | None:
        h, w = image.shape[:2]
        boxes = [b for b in boxes if (b.xyxy[2] - b.xyxy[0]) * (b.xyxy[3] - b.xyxy[1]) > 0.02 * w * h]
        if not boxes:
            return None
        box = max(boxes, key=lambda b: b.score)
        x0, y0, x1, y1 = box.xyxy
        quad = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
        grads = colour_gradients(image)
        # A box circumscribes a tilted canvas: search a band as wide as a few percent of the box.
        quad = refine_quad(grads, quad, search=max(6.0, 0.04 * (x1 - x0)), iterations=3)
        if quad_area(quad) <= 0:
            return None
        score = box.score * (0.5 + 0.5 * edge_support(grads, quad))
        return Detection(quad, score) if score >= self.config.min_score else None


class GroundingDinoConfirm:
    """``confirms(images, polygons)``: does a canvas box cover most of the visible canvas in one of them?"""

    def __init__(self, config: GroundingDinoCanvasConfig = GroundingDinoCanvasConfig()):
        self.detector = GroundingDinoCanvasDetector(config)
        self.frames_per_segment = self.detector.frames_per_segment
        self.min_cover = config.min_cover

    def confirms(self, images: list[np.ndarray], polygons: list[np.ndarray]) -> bool:
        for image, boxes, polygon in zip(images, self.detector.boxes(images), polygons):
            h, w = image.shape[:2]
            region = polygon_mask(polygon, (w, h))
            area = max(polygon_area(polygon), 1.0)
            for b in boxes:
                x0, y0, x1, y1 = (int(round(v)) for v in b.xyxy)
                covered = region[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)].sum()
                if covered >= self.min_cover * area:
                    return True
        return False
