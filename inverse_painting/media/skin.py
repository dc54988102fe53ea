"""Skin-coloured pixels: hands and arms (canvas and clean), talking heads (canvas)."""

from __future__ import annotations

import cv2
import numpy as np


def skin_mask(rgb: np.ndarray) -> np.ndarray:
    """Skin-coloured pixels: the classic YCrCb box (all skin tones share a narrow Cr/Cb range)."""
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    y, cr, cb = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    return (cr >= 138) & (cr <= 180) & (cb >= 80) & (cb <= 130) & (y > 50)
