"""Checks of a generated process against ground truth: layering order and reconstruction."""

from __future__ import annotations

import numpy as np


def order_depth_spearman(first_painted: np.ndarray, nearness: np.ndarray, max_pixels: int = 50_000,
                         seed: int = 0) -> float:
    """Spearman correlation between when each pixel was first painted and how near it is.

    ``nearness`` grows towards the viewer (a layer index counted back to front, or
    ``1 - depth``). Back-to-front painting gives a positive value. Pixels never painted are
    left out; a random subset keeps the rank computation small.
    """
    from scipy.stats import spearmanr

    t = first_painted.reshape(-1).astype(np.float64)
    z = np.asarray(nearness, np.float64).reshape(-1)
    keep = np.nonzero(t >= 0)[0]
    if keep.size > max_pixels:
        keep = np.random.default_rng(seed).choice(keep, max_pixels, replace=False)
    if keep.size < 3 or np.ptp(t[keep]) == 0 or np.ptp(z[keep]) == 0:
        return float("nan")
    return float(spearmanr(t[keep], z[keep]).statistic)
