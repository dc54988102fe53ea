"""Per-pixel statistics over stacks of frames."""

from __future__ import annotations

import numpy as np


def temporal_median(stack: np.ndarray) -> np.ndarray:
    """Per-pixel median over the first axis, equal to ``np.median(stack, axis=0)``.

    A min/max network for the common 1- and 3-frame windows, and a partition in the
    stack's own dtype otherwise: several times faster than ``np.median``, which works in
    float64. Integer stacks come back in their dtype (the mean of the two middle values
    rounds down for even counts).
    """
    n = len(stack)
    if n == 1:
        return stack[0].copy()
    if n == 3:
        a, b, c = stack
        return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))
    mid = n // 2
    if n % 2:
        return np.partition(stack, mid, axis=0)[mid]
    part = np.partition(stack, (mid - 1, mid), axis=0)
    lo, hi = part[mid - 1], part[mid]
    if np.issubdtype(stack.dtype, np.integer):
        return (lo // 2 + hi // 2 + (lo % 2 + hi % 2) // 2).astype(stack.dtype)
    return (lo + hi) / 2
