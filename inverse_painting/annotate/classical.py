"""The classical segmenter: offline colour/position priors, no model.

Each pixel takes the class whose prototype paint colour (CIELAB, read from the priors file,
``priors.py``) is nearest, plus a penalty for lying outside the vertical band the class lives
in. Colour describes paint rather than objects, so it segments the canvas right after each
step (``next``), where the new paint is.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from .priors import LabelPriors


def _resize_long(img: np.ndarray, long_side: int, interpolation: int) -> np.ndarray:
    h, w = img.shape[:2]
    s = long_side / max(h, w)
    return cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=interpolation)


class ClassicalSegmenter:
    """Nearest prototype paint colour (CIELAB) plus a vertical-band prior, per pixel."""

    name = "classical"
    segment_on = "next"

    def __init__(self, vocabulary: Sequence[str], priors: LabelPriors, work_size: int = 160,
                 every_word: bool = True):
        """``every_word``: every vocabulary class must have priors (off for a fallback that
        only fills what another segmenter left)."""
        self.priors = priors
        self.classes = priors.classes_for(vocabulary, every_word)
        self.work_size = work_size
        protos, owners = [], []
        for ci, name in enumerate(self.classes):
            for rgb in priors.classes[name].colours.values():
                protos.append(rgb)
                owners.append(ci)
        lab = cv2.cvtColor(np.asarray(protos, np.float32)[None] / 255.0, cv2.COLOR_RGB2LAB)[0]
        self._protos, self._owners = lab, np.asarray(owners)

    def segment(self, image: np.ndarray) -> np.ndarray:
        """(h, w) class indices into ``self.classes`` at the full image size."""
        small = _resize_long(image, self.work_size, cv2.INTER_AREA).astype(np.float32) / 255.0
        small = cv2.GaussianBlur(small, (0, 0), 1.0)
        lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB)
        h, w = lab.shape[:2]
        dist = np.sqrt(((lab[:, :, None, :] - self._protos[None, None]) ** 2).sum(-1))  # h, w, P
        y = (np.arange(h, dtype=np.float32) + 0.5) / h
        scores = np.full((h, w, len(self.classes)), np.inf, np.float32)
        for ci, name in enumerate(self.classes):
            lo, hi = self.priors.classes[name].band
            outside = np.maximum(lo - y, 0) + np.maximum(y - hi, 0)
            # steeper beyond a tenth of the picture: a class far outside its band is implausible
            penalty = self.priors.band_penalty * (outside + 3 * np.maximum(outside - 0.1, 0))
            scores[..., ci] = dist[..., self._owners == ci].min(-1) + penalty[:, None]
        labels = scores.argmin(-1).astype(np.int16)
        return cv2.resize(labels, image.shape[1::-1], interpolation=cv2.INTER_NEAREST)
