"""The Grounding DINO canvas detector: the best "canvas. painting." box of the shared
:class:`~inverse_painting.vision.grounding_dino.GroundingDino`, refined onto the canvas edges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..vision.grounding_dino import Box, GroundingDinoSettings, load_grounding_dino
from .detect import Detection
from .geometry import quad_area
from .refine import colour_gradients, edge_support, refine_quad


@dataclass(frozen=True)
class GroundingDinoCanvasConfig(GroundingDinoSettings):
    """``canvas.grounding_dino``: the Grounding DINO detector's settings."""

    prompt: str = "canvas. painting."
    min_score: float = 0.3  # box score x edge support a quad needs


class GroundingDinoCanvasDetector:
    """Canvas detector: the best "canvas. painting." box, refined onto the canvas edges."""

    name = "grounding-dino"

    def __init__(self, config: GroundingDinoCanvasConfig = GroundingDinoCanvasConfig()):
        self.dino = load_grounding_dino(config.model, config.device, "canvas.grounding_dino.model")
        self.prompt, self.box_threshold, self.text_threshold = config.prompt, config.box_threshold, config.text_threshold
        self.min_score = config.min_score

    def detect(self, images: Sequence[np.ndarray]) -> list[Detection | None]:
        out: list[Detection | None] = []
        for img, boxes in zip(images, self.dino.detect(images, self.prompt, self.box_threshold, self.text_threshold)):
            out.append(self._quad_from_boxes(img, boxes))
        return out

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
        support = edge_support(grads, quad)
        score = box.score * (0.5 + 0.5 * support)
        return Detection(quad, score) if score >= self.min_score else None
