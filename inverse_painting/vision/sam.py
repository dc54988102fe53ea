"""SAM (box prompts -> masks) through ``transformers``: ``Sam.from_pretrained(model)`` takes a Hub
id (e.g. ``facebook/sam-vit-base``) or a local ``save_pretrained`` folder."""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np


class Sam:
    """A loaded SAM model and processor; :meth:`masks` turns boxes into one mask each."""

    def __init__(self, model, processor, device: str = "cpu"):
        self.model, self.processor, self.device = model, processor, device

    @classmethod
    def from_pretrained(cls, name_or_dir: str, device: str = "cpu", setting: str = "sam") -> "Sam":
        from transformers import SamModel, SamProcessor

        from ..models.hub import resolve_pretrained

        name_or_dir = resolve_pretrained(name_or_dir, setting, "SAM")
        return cls(SamModel.from_pretrained(name_or_dir).to(device).eval(), SamProcessor.from_pretrained(name_or_dir),
                   device)

    def masks(self, image: np.ndarray, boxes: Sequence[Sequence[float]]) -> np.ndarray:
        """(len(boxes), H, W) bool masks, one per [x0, y0, x1, y1] box (clipped to the image)."""
        import torch
        from PIL import Image

        h, w = image.shape[:2]
        if not boxes:
            return np.zeros((0, h, w), bool)
        clipped = [[max(0.0, b[0]), max(0.0, b[1]), min(float(w), b[2]), min(float(h), b[3])] for b in boxes]
        inputs = self.processor(images=Image.fromarray(image), input_boxes=[clipped], return_tensors="pt").to(self.device)
        with torch.no_grad():
            out = self.model(**inputs, multimask_output=False)
        masks = self.processor.post_process_masks(out.pred_masks.cpu(), inputs["original_sizes"].cpu(),
                                                  inputs["reshaped_input_sizes"].cpu())[0]
        return masks[:, 0].numpy().astype(bool)


@lru_cache(maxsize=2)
def load_sam(name_or_dir: str, device: str = "cpu", setting: str = "sam") -> Sam:
    """One loaded model per process."""
    return Sam.from_pretrained(name_or_dir, device, setting)
