"""Instruction labels per step, without an LLM and without hand labels.

An image is segmented into the vocabulary (sky, clouds, mountain, ...) by a segmenter
(``segmenters.py``: ``classical`` or ``grounded-sam``); a step is labelled with the class its
difference mask covers most, and small scattered changes become ``details``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import cv2
import numpy as np

from .config import LabelSettings

DETAILS = "details"
UNKNOWN = -1

__all__ = ["DETAILS", "UNKNOWN", "LabelSettings", "StepLabel", "label_step", "painted_pixels"]


@dataclass
class StepLabel:
    text: str
    fractions: dict[str, float] = field(default_factory=dict)  # share of the mask per class
    changed_fraction: float = 0.0


def painted_pixels(mask: np.ndarray, colour_change: np.ndarray, min_fraction: float = 0.002) -> np.ndarray:
    """The part of a difference mask where the colour itself changed: what a step painted.

    LPIPS masks spread over the network's receptive field, so around a small stroke they
    cover neighbouring regions too; labelling by the pixels whose colour changed inside the
    mask names the region the paint went to. Falls back to the mask when too little is left.
    """
    painted = (mask > 0) & colour_change
    return painted if painted.mean() >= min_fraction else mask > 0


def label_step(mask: np.ndarray, class_map: np.ndarray, classes: Sequence[str], settings: LabelSettings) -> StepLabel:
    """The class a change mask covers most; small scattered changes are ``details``."""
    changed = mask > 0
    fraction = float(changed.mean())
    if fraction < settings.min_changed_fraction:
        return StepLabel(DETAILS, {}, fraction)
    n, _, stats, _ = cv2.connectedComponentsWithStats(changed.astype(np.uint8), connectivity=8)
    largest = float(stats[1:, cv2.CC_STAT_AREA].max()) / changed.size if n > 1 else 0.0
    covered = class_map[changed]
    covered = covered[covered != UNKNOWN]
    counts = np.bincount(covered, minlength=len(classes)) if covered.size else np.zeros(len(classes), int)
    fractions = {classes[i]: round(float(c) / max(int(changed.sum()), 1), 4) for i, c in enumerate(counts) if c}
    if fraction <= settings.details_max_fraction and largest <= settings.details_max_component:
        return StepLabel(DETAILS, fractions, fraction)
    text = classes[int(counts.argmax())] if counts.any() else DETAILS
    return StepLabel(text, fractions, fraction)

