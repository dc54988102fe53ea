"""Difference masks D(A, B, alpha): where a step changed the canvas.

Two backends, and the output says which one made a mask:

- ``lpips`` (the default): the AlexNet-LPIPS spatial map between A and B, binarised at
  ``alpha`` (0.2 in Inverse Painting), with the official weights the ``weights`` stage
  fetches (``lpips_weights`` in params, ``models/weights``). Missing weights are an error.
- ``lab``: a pixel-space stand-in, used only when named (``mask_backend: lab``):
  both images blurred (Gaussian, ``lab_blur_sigma`` px, which suppresses canvas grain
  and compression noise the way LPIPS' pooling does), converted to CIELAB, and the
  CIE76 colour difference Delta E thresholded at ``lab_threshold`` (about 2.3 is a
  just-noticeable difference; 10 is clearly repainted).

A network with random weights is never used here: it is not LPIPS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

import cv2
import numpy as np

from ..registry import Backend, Registry
from .official import DEFAULT_WEIGHTS

LPIPS_BACKEND = "lpips-alex-v0.1"
LAB_BACKEND = "lab-delta-e"


@dataclass(frozen=True)
class MaskSettings:
    """How difference masks are made (a stage config holds one)."""

    backend: Literal["lpips", "lab"] = "lpips"
    lpips_weights: str = DEFAULT_WEIGHTS  # the weights stage's folder, or one holding the official files
    alpha: float = 0.2  # LPIPS threshold of D(A, B, alpha)
    lab_threshold: float = 10.0  # the lab stand-in's Delta E threshold (and what counts as new paint)
    lab_blur_sigma: float = 1.5
    batch_size: int = 4


def lab_difference(a: np.ndarray, b: np.ndarray, blur_sigma: float = 1.5) -> np.ndarray:
    """Per-pixel CIE76 Delta E between two uint8 RGB images after a Gaussian blur."""
    def lab(img: np.ndarray) -> np.ndarray:
        f = img.astype(np.float32) / 255.0
        if blur_sigma > 0:
            f = cv2.GaussianBlur(f, (0, 0), blur_sigma)
        return cv2.cvtColor(f, cv2.COLOR_RGB2LAB)

    return np.sqrt(((lab(a) - lab(b)) ** 2).sum(-1))


class DifferenceMasker:
    """Makes binary change masks for pairs of same-size uint8 RGB images, in batches."""

    def __init__(self, settings: MaskSettings, lpips_model: Any = None):
        self.settings = settings
        self.model = lpips_model

    @classmethod
    def build(cls, settings: MaskSettings) -> "DifferenceMasker":
        """The masker ``settings.backend`` names: ``lpips`` (the default; missing official weights
        are an error saying what to run) or ``lab`` (the stand-in, only when named)."""
        return MASKERS.build(settings.backend, settings)

    @property
    def backend(self) -> str:
        if self.model is None:
            return LAB_BACKEND
        return LPIPS_BACKEND if getattr(self.model, "pretrained", False) else "lpips-random-weights (not a metric)"

    @property
    def threshold(self) -> float:
        return self.settings.alpha if self.model is not None else self.settings.lab_threshold

    def distance_maps(self, after: Sequence[np.ndarray], before: Sequence[np.ndarray]) -> np.ndarray:
        """(N, H, W) float maps: LPIPS spatial distance, or Delta E."""
        if self.model is not None:
            return self.model.distance_images(list(after), list(before), spatial=True,
                                              batch_size=self.settings.batch_size)
        return np.stack([lab_difference(a, b, self.settings.lab_blur_sigma) for a, b in zip(after, before)])

    def colour_change(self, after: np.ndarray, before: np.ndarray) -> np.ndarray:
        """(H, W) bool: pixels whose colour changed by more than ``lab_threshold`` Delta E
        (whichever backend makes the masks; the labeller uses it to find the new paint)."""
        return lab_difference(after, before, self.settings.lab_blur_sigma) > self.settings.lab_threshold

    def masks(self, after: Sequence[np.ndarray], before: Sequence[np.ndarray]) -> np.ndarray:
        """(N, H, W) uint8 masks, 255 where the canvas changed."""
        return np.where(self.distance_maps(after, before) > self.threshold, 255, 0).astype(np.uint8)


def fit_long_side(image: np.ndarray, long_side: int) -> np.ndarray:
    """``image`` area-resized so its long side is ``long_side`` (unchanged when it already is):
    the size at which the evaluation (and the painter) judges a canvas."""
    h, w = image.shape[:2]
    s = long_side / max(h, w)
    size = (max(1, int(round(w * s))), max(1, int(round(h * s))))
    return image if size == (w, h) else cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def downsample_mask(mask: np.ndarray, long_side: int) -> np.ndarray:
    """A smaller 0/255 mask: area-averaged, a pixel is set when at least half of it changed."""
    h, w = mask.shape
    scale = long_side / max(h, w)
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    small = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    return np.where(small >= 127.5, 255, 0).astype(np.uint8)


def is_blank_canvas(image: np.ndarray, lab_threshold: float = 10.0, max_painted_fraction: float = 0.01) -> bool:
    """Whether an image is an unpainted canvas: light, and almost all within Delta E of its median colour."""
    median = np.median(image.reshape(-1, 3), axis=0).astype(np.uint8)
    lab = cv2.cvtColor(median[None, None], cv2.COLOR_RGB2LAB)[0, 0].astype(np.float32) * [100 / 255, 1, 1]
    if lab[0] < 80:
        return False
    delta = lab_difference(image, np.broadcast_to(median, image.shape).copy())
    return float((delta > lab_threshold).mean()) <= max_painted_fraction


def _lpips_masker(settings: MaskSettings) -> DifferenceMasker:
    from .lpips import load_lpips

    return DifferenceMasker(settings, load_lpips(settings.lpips_weights))


MASKERS = Registry("difference mask", [
    Backend("lpips", _lpips_masker, requires=("torch",), summary="AlexNet-LPIPS v0.1 spatial map > alpha (the paper's)"),
    Backend("lab", lambda settings: DifferenceMasker(settings, None), summary="blurred CIELAB Delta E > threshold"),
])
