"""What the painter sees of its own canvas: the outstanding paint D(target, canvas, alpha), the
canvas's distance to the target, and what a step visibly changed -- all at the evaluation's
size (long side 256), with the masker and distance the evaluation uses, so the painter
chooses its masks and stops on the measures it is scored with.

With LPIPS the judge keeps the AlexNet features of the last few images it judged (by content):
the target, the canvas and the last keyframe recur every step, so a step runs the network
once, on the new canvas, where the two measures took six passes."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
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
    lpips: Any = None  # the LPIPS model behind both the masker and the distance (features are reused)
    _features: OrderedDict = field(default_factory=OrderedDict, init=False, repr=False, compare=False)

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
        return cls(masker, load_distance(kind, lpips_weights, lpips_model), long_side,
                   lpips_model if kind == "lpips" else None)

    def small(self, image: np.ndarray) -> np.ndarray:
        return fit_long_side(image, self.long_side)

    def outstanding(self, canvas: np.ndarray, target_small: np.ndarray) -> tuple[np.ndarray, float]:
        """(bool mask at the judging size of what still differs from the target, the distance)."""
        small = self.small(canvas)
        if self.lpips is None:
            left = self.masker.masks([target_small], [small])[0] > 0
            return left, float(self.distance([small], [target_small])[0])
        mine, goal = self.features(small), self.features(target_small)
        return self._over_alpha(goal, mine, small.shape[:2]), float(self.lpips.compare(mine, goal, small.shape[:2]))

    def changed(self, after: np.ndarray, before: np.ndarray) -> np.ndarray:
        """Bool mask at the judging size of what changed between two canvases, D(after, before)."""
        a, b = self.small(after), self.small(before)
        if self.lpips is None:
            return self.masker.masks([a], [b])[0] > 0
        return self._over_alpha(self.features(a), self.features(b), a.shape[:2])

    def _over_alpha(self, feats_after: list, feats_before: list, size: tuple[int, int]) -> np.ndarray:
        """The masker's LPIPS mask, D(after, before) > alpha, from features."""
        return self.lpips.compare(feats_after, feats_before, size, spatial=True)[0, 0].cpu().numpy() \
            > self.masker.threshold

    def features(self, small: np.ndarray, keep: int = 4) -> list:
        """LPIPS features of a judging-size image, from the cache when its pixels were seen lately."""
        key = (small.shape, hashlib.blake2b(np.ascontiguousarray(small).data, digest_size=16).digest())
        if key in self._features:
            self._features.move_to_end(key)
            return self._features[key]
        feats = self.lpips.image_features([small])
        self._features[key] = feats
        while len(self._features) > keep:
            self._features.popitem(last=False)
        return feats
