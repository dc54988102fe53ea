"""Grounding DINO (open-vocabulary boxes) through ``transformers``, shared by canvas and clean.

``GroundingDino.from_pretrained(model)`` takes a Hub id (default
``IDEA-Research/grounding-dino-tiny``) or a local ``save_pretrained`` folder, loaded with
``AutoProcessor`` and ``GroundingDinoForObjectDetection``. Nothing is fetched at import;
a Hub token, if one is needed, comes from the environment through ``huggingface_hub``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from .detect import Detection
from .geometry import quad_area
from .refine import colour_gradients, edge_support, refine_quad

DEFAULT_MODEL = "IDEA-Research/grounding-dino-tiny"


@dataclass(frozen=True)
class Box:
    label: str
    score: float
    xyxy: tuple[float, float, float, float]  # image pixels


class GroundingDino:
    """A loaded model and processor; :meth:`detect` runs batches of RGB frames against one prompt."""

    def __init__(self, model, processor, device: str = "cpu"):
        self.model, self.processor, self.device = model, processor, device

    @classmethod
    def from_pretrained(cls, name_or_dir: str = DEFAULT_MODEL, device: str = "cpu",
                        setting: str = "model") -> "GroundingDino":
        from transformers import AutoProcessor, GroundingDinoForObjectDetection

        from ..models.hub import resolve_pretrained

        name_or_dir = resolve_pretrained(name_or_dir, setting, "Grounding DINO")
        processor = AutoProcessor.from_pretrained(name_or_dir)
        model = GroundingDinoForObjectDetection.from_pretrained(name_or_dir).to(device).eval()
        return cls(model, processor, device)

    def detect(self, images: Sequence[np.ndarray], prompt: str, box_threshold: float = 0.3,
               text_threshold: float = 0.25) -> list[list[Box]]:
        import torch
        from PIL import Image

        if not images:
            return []
        pil = [Image.fromarray(img) for img in images]
        inputs = self.processor(images=pil, text=[prompt] * len(pil), return_tensors="pt").to(self.device)
        with torch.inference_mode():
            outputs = self.model(**inputs)
        results = self.processor.post_process_grounded_object_detection(
            outputs, inputs["input_ids"], threshold=box_threshold, text_threshold=text_threshold,
            target_sizes=[img.shape[:2] for img in images])
        out = []
        for res in results:
            labels = res["text_labels"] if "text_labels" in res else res.get("labels", [])
            out.append([Box(str(label), float(score), tuple(float(v) for v in box))
                        for label, score, box in zip(labels, res["scores"].tolist(), res["boxes"].tolist())])
        return out


@lru_cache(maxsize=2)
def load_grounding_dino(name_or_dir: str = DEFAULT_MODEL, device: str = "cpu", setting: str = "model"
                        ) -> GroundingDino:
    """One loaded model per process (a stage item reuses it across calls)."""
    return GroundingDino.from_pretrained(name_or_dir, device, setting)


class GroundingDinoCanvasDetector:
    """Canvas detector: the best "canvas. painting." box, refined onto the canvas edges."""

    name = "grounding-dino"

    def __init__(self, model: str = DEFAULT_MODEL, prompt: str = "canvas. painting.", box_threshold: float = 0.3,
                 text_threshold: float = 0.25, device: str = "cpu", min_score: float = 0.3, **_ignored):
        self.dino = load_grounding_dino(model, device, "canvas.model")
        self.prompt, self.box_threshold, self.text_threshold = prompt, box_threshold, text_threshold
        self.min_score = min_score

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
