"""Distance of a canvas to another image: LPIPS with the official weights, or (only when asked
for by name) a pixel-space stand-in that says what it is; a random network is never a metric."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..pipeline.errors import UserError

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
    from ..annotate.masks import lab_difference

    return np.array([lab_difference(x, y).mean() / 100.0 for x, y in zip(a, b)], np.float32)


DISTANCES = ("lpips", "delta-e")


def load_distance(params: Mapping[str, Any] | None = None, lpips_model: Any = None) -> ImageDistance:
    """``params['distance']``: ``lpips`` (the default: the official weights in
    ``params['lpips_weights']``, default ``models/weights``; missing weights are an error) or
    ``delta-e`` (the named stand-in, mean Delta E / 100). A loaded ``lpips_model`` wins."""
    params = dict(params or {})
    kind = str(params.get("distance") or "lpips")
    if kind not in DISTANCES:
        raise UserError(f"distance must be one of {', '.join(DISTANCES)}, not {kind!r}")
    if lpips_model is None and kind == "lpips":
        from ..perceptual.lpips import DEFAULT_WEIGHTS, load_lpips

        lpips_model = load_lpips({**params, "lpips_weights": params.get("lpips_weights") or DEFAULT_WEIGHTS})
    if lpips_model is not None:
        name = LPIPS_NAME if getattr(lpips_model, "pretrained", False) else "lpips-random-weights (not a metric)"
        return ImageDistance(name, lambda a, b: lpips_model.distance_images(a, b))
    return ImageDistance(DELTA_E_NAME, _delta_e)
