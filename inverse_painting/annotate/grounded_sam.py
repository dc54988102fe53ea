"""The grounded-sam segmenter: open-vocabulary boxes from Grounding DINO refined to masks by SAM.

Both models come from :mod:`inverse_painting.vision` (``from_pretrained`` of a Hub id or a
local folder, loaded once per process). It segments the target painting once, since objects
are recognisable only when finished; pixels no detection covers fall back to the classical
segmenter.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..vision import load_grounding_dino, load_sam, phrase_prompt
from .classical import ClassicalSegmenter
from .config import GroundedSamConfig
from .labels import UNKNOWN


class GroundedSamSegmenter:
    """Grounding DINO boxes for the vocabulary, refined to masks with SAM."""

    name = "grounded-sam"
    segment_on = "target"

    def __init__(self, vocabulary: Sequence[str], config: GroundedSamConfig, fallback: ClassicalSegmenter):
        self.classes = list(vocabulary)
        self.config = config
        self.detector = load_grounding_dino(config.detector, config.device, "annotate.grounded_sam.detector")
        self.sam = load_sam(config.sam, config.device, "annotate.grounded_sam.sam")
        self.fallback = fallback
        self.priors = fallback.priors
        self.fallback_classes = [self.classes.index(c) for c in fallback.classes]

    def _class_of(self, phrase: str) -> int:
        phrase = phrase.lower()
        for ci, name in enumerate(self.classes):
            if name.lower() in phrase or phrase in name.lower():
                return ci
        return UNKNOWN

    def detect(self, image: np.ndarray) -> list[tuple[int, float, list[float]]]:
        """(class index, score, [x0, y0, x1, y1]) per kept detection."""
        boxes = self.detector.detect([image], phrase_prompt(self.classes), self.config.box_threshold,
                                     self.config.text_threshold)[0]
        found = []
        for box in boxes:
            ci = self._class_of(box.label)
            if ci != UNKNOWN:
                found.append((ci, box.score, list(box.xyxy)))
        return found

    def segment(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        labels = np.full((h, w), UNKNOWN, np.int16)
        detections = self.detect(image)
        if detections:
            masks = self.sam.masks(image, [box for _, _, box in detections])  # (boxes, H, W)
            # Large regions first so that smaller objects drawn on top of them keep their pixels.
            order = sorted(range(len(detections)), key=lambda i: -int(masks[i].sum()))
            for i in order:
                labels[masks[i]] = detections[i][0]
        if (labels == UNKNOWN).any():
            fallback = np.asarray(self.fallback_classes, np.int16)[self.fallback.segment(image)]
            labels = np.where(labels == UNKNOWN, fallback, labels)
        return labels
