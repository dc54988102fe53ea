"""What the painter sees of its own canvas: the outstanding paint D(target, canvas, alpha), the
canvas's distance to the target, and what a step visibly changed -- all at the evaluation's
size (long side 256), with the masker and distance the evaluation uses, so the painter
chooses its masks and stops on the measures it is scored with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..perceptual.distance import ImageDistance, load_distance
from ..perceptual.masks import DifferenceMasker, MaskSettings, fit_long_side
from ..perceptual.official import DEFAULT_WEIGHTS


@dataclass
class Judge:
    masker: DifferenceMasker
    distance: ImageDistance
    long_side: int = 256

    @classmethod
    def build(cls, kind: str = "lpips", lpips_weights: str = DEFAULT_WEIGHTS, alpha: float = 0.2,
              long_side: int = 256, lpips_model: Any = None) -> "Judge":
        """``kind``: ``lpips`` (official weights from ``lpips_weights``, or the loaded
        ``lpips_model``) or ``delta-e`` (the named CIELAB stand-in, lab masks)."""
        if kind == "lpips":
            if lpips_model is None:
                from ..perceptual.lpips import load_lpips

                lpips_model = load_lpips(lpips_weights or DEFAULT_WEIGHTS)
            masker = DifferenceMasker(MaskSettings(backend="lpips", alpha=alpha), lpips_model)
        else:
            masker = DifferenceMasker(MaskSettings(backend="lab", alpha=alpha), None)
        return cls(masker, load_distance(kind, lpips_weights, lpips_model), long_side)

    def small(self, image: np.ndarray) -> np.ndarray:
        return fit_long_side(image, self.long_side)

    def outstanding(self, canvas: np.ndarray, target_small: np.ndarray) -> tuple[np.ndarray, float]:
        """(bool mask at the judging size of what still differs from the target, the distance)."""
        small = self.small(canvas)
        left = self.masker.masks([target_small], [small])[0] > 0
        return left, float(self.distance([small], [target_small])[0])

    def changed(self, after: np.ndarray, before: np.ndarray) -> np.ndarray:
        """Bool mask at the judging size of what changed between two canvases, D(after, before)."""
        return self.masker.masks([self.small(after)], [self.small(before)])[0] > 0
