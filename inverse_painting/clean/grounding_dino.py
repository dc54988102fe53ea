"""The Grounding DINO occluder detector: boxes of hands, arms and brushes (the shared
:class:`~inverse_painting.vision.grounding_dino.GroundingDino`) overlapping the canvas, on the
rectified frames; the fused detector asks it for boxes on the original frames."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..vision.grounding_dino import Box, GroundingDinoSettings, load_grounding_dino
from .occluders import Occlusion


@dataclass(frozen=True)
class GroundingDinoOccluderConfig(GroundingDinoSettings):
    """``clean.grounding_dino``: the Grounding DINO occluder detector's settings."""

    prompt: str = "hand. arm. paintbrush."
    batch_size: int = 4  # rectified frames per model call


class GroundingDinoOccluderDetector:
    """Boxes of hands, arms and brushes (Grounding DINO) overlapping the canvas."""

    name = "grounding-dino"

    def __init__(self, config: GroundingDinoOccluderConfig = GroundingDinoOccluderConfig()):
        self.dino = load_grounding_dino(config.model, config.device, "clean.grounding_dino.model")
        self.prompt, self.box_threshold, self.text_threshold = config.prompt, config.box_threshold, config.text_threshold
        self.batch_size = max(1, config.batch_size)

    def boxes(self, images: Sequence[np.ndarray]) -> list[list[Box]]:
        return self.dino.detect(list(images), self.prompt, self.box_threshold, self.text_threshold)

    def detect(self, views: Any) -> list[Occlusion]:
        """Per frame of a :class:`~.views.PlaneViews`: the boxes' share of its canvas."""
        x0, y0, x1, y1 = views.analysis.canvas_box
        n = len(views)
        out = []
        for start in range(0, n, self.batch_size):
            images = [views.load_rectified(k) for k in range(start, min(n, start + self.batch_size))]
            for img, boxes in zip(images, self.boxes(images)):
                mask = np.zeros(img.shape[:2], bool)
                for b in boxes:
                    bx0, by0, bx1, by1 = (int(round(v)) for v in b.xyxy)
                    mask[max(by0, 0):max(by1, 0), max(bx0, 0):max(bx1, 0)] = True
                fraction = float(mask[y0:y1, x0:x1].mean()) if mask.any() else 0.0
                signals = {"grounding-dino": round(fraction, 5)} if fraction > 0 else {}
                out.append(Occlusion(fraction, mask if fraction > 0 else None, signals))
        return out
