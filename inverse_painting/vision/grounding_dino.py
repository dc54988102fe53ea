"""Grounding DINO (open-vocabulary boxes) through ``transformers``: one wrapper for every user
(canvas detection, occluder detection, the grounded-SAM labeller).

``GroundingDino.from_pretrained(model)`` takes a Hub id (default
``IDEA-Research/grounding-dino-tiny``) or a local ``save_pretrained`` folder, loaded with
``AutoProcessor`` and ``GroundingDinoForObjectDetection``; offline, a Hub id that is not in the
local cache fails at once naming the setting to change. Nothing is fetched at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

DEFAULT_MODEL = "IDEA-Research/grounding-dino-tiny"


def phrase_prompt(phrases: Sequence[str]) -> str:
    """The prompt Grounding DINO expects: lower-case phrases separated by " . ", ending with "."."""
    return " . ".join(p.lower() for p in phrases) + " ."


@dataclass(frozen=True)
class GroundingDinoSettings:
    """What every user of the model sets (a stage's settings section subclasses it, with its prompt)."""

    model: str = DEFAULT_MODEL  # Hub id or local save_pretrained folder
    prompt: str = ""  # phrases, each ending with "."
    box_threshold: float = 0.3
    text_threshold: float = 0.25
    device: str = "cpu"


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
