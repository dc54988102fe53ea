"""Segmenters by name: what turns a picture into a class map over the vocabulary.

- ``classical``: offline colour/position priors (``classical.py``); segments each step's
  ``next`` canvas;
- ``grounded-sam``: Grounding DINO boxes refined by SAM (``grounded_sam.py``); segments the
  target once, the classical segmenter filling what no detection covers.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol, Sequence

import numpy as np

from ..registry import Backend, Registry
from .classical import ClassicalSegmenter
from .config import AnnotateConfig
from .priors import LabelPriors


class Segmenter(Protocol):
    name: str  # steps.json text_source of the steps it labels
    segment_on: str  # "next" (each step's canvas) or "target" (the finished painting, once)
    classes: Sequence[str]
    priors: LabelPriors | None

    def segment(self, image: np.ndarray) -> np.ndarray:
        """(H, W) class indices into ``classes`` (-1: none) at the image's size."""


def _classical(config: AnnotateConfig) -> ClassicalSegmenter:
    return ClassicalSegmenter(config.labels.vocabulary, LabelPriors.load(config.classical.priors),
                              config.classical.work_size)


def _grounded_sam(config: AnnotateConfig) -> Segmenter:
    from .grounded_sam import GroundedSamSegmenter

    fallback = ClassicalSegmenter(config.labels.vocabulary, LabelPriors.load(config.classical.priors),
                                  config.classical.work_size, every_word=False)
    return GroundedSamSegmenter(config.labels.vocabulary, config.grounded_sam, fallback)


SEGMENTERS = Registry("labeller", [
    Backend("classical", _classical, summary="colour/position priors (offline)"),
    Backend("grounded-sam", _grounded_sam, requires=("torch", "transformers"), install="torch transformers",
            summary="Grounding DINO boxes refined by SAM; classical where nothing is detected"),
])


@lru_cache(maxsize=2)
def build_segmenter(config: AnnotateConfig) -> Segmenter:
    """The segmenter ``config.label_backend`` names (one per process and settings)."""
    return SEGMENTERS.build(config.label_backend, config)
