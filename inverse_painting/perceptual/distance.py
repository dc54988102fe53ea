"""Distance of a canvas to another image: LPIPS with the official weights, or (only when asked
for by name) a pixel-space stand-in that says what it is; a random network is never a metric."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal, Sequence

import numpy as np

from ..registry import Backend, Registry
from .official import DEFAULT_WEIGHTS

LPIPS_NAME = "lpips"
DELTA_E_NAME = "mean-delta-e/100"  # mean CIE76 colour difference after a light blur, / 100 (LPIPS-like range)


@dataclass
class ImageDistance:
    """``distance(a_images, b_images) -> (N,)`` over uint8 RGB images of equal sizes."""

    name: str
    fn: Callable[[Sequence[np.ndarray], Sequence[np.ndarray]], np.ndarray]

    @property
    def is_lpips(self) -> bool:
        return self.name == LPIPS_NAME

    def __call__(self, a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> np.ndarray:
        if len(a) == 0:
            return np.zeros(0, np.float32)
        return np.asarray(self.fn(list(a), list(b)), np.float32)


def _delta_e(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> np.ndarray:
    from .masks import lab_difference

    return np.array([lab_difference(x, y).mean() / 100.0 for x, y in zip(a, b)], np.float32)


def _lpips_distance(lpips_weights: str = DEFAULT_WEIGHTS, lpips_model: Any = None) -> ImageDistance:
    if lpips_model is None:
        from .lpips import load_lpips

        lpips_model = load_lpips(lpips_weights or DEFAULT_WEIGHTS)
    name = LPIPS_NAME if getattr(lpips_model, "pretrained", False) else "lpips-random-weights (not a metric)"
    return ImageDistance(name, lambda a, b: lpips_model.distance_images(a, b))


DistanceName = Literal["lpips", "delta-e"]  # the names of DISTANCES, for configs and the command line
DISTANCES = Registry("distance", [
    Backend("lpips", _lpips_distance, requires=("torch",), summary="LPIPS with the official weights"),
    Backend("delta-e", lambda lpips_weights="", lpips_model=None: ImageDistance(DELTA_E_NAME, _delta_e),
            summary="mean CIELAB Delta E / 100 (a named stand-in)"),
])


def load_distance(kind: str = "lpips", lpips_weights: str = DEFAULT_WEIGHTS, lpips_model: Any = None) -> ImageDistance:
    """``kind``: ``lpips`` (the official weights in ``lpips_weights``; missing weights are an
    error) or ``delta-e`` (the named stand-in). A loaded ``lpips_model`` wins for ``lpips``."""
    return DISTANCES.build(kind, lpips_weights=lpips_weights, lpips_model=lpips_model)
