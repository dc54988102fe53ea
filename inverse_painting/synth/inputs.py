"""What synth asks of an image source: its items, and per item the picture to decompose.

An image source (``sources.py`` lists them by name) turns the stage's ``input`` into items
whose payloads name their image relative to a folder of the stage plus its content hash, and
loads an item's :class:`Picture`: the RGB image, its provenance for ``sequence.json`` and,
where the source knows it, the true back-to-front layer rank that scores the layering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

from ..pipeline import Item


@dataclass(frozen=True)
class Picture:
    image: np.ndarray  # (H, W, 3) uint8 RGB
    provenance: dict[str, str] = field(default_factory=dict)  # source_url, licence, uploader, title
    # Ground truth, when the source has it: (H, W) int layer index at the image's size, counted
    # back to front (a depth rank); synth.json then reports ``ground_truth_spearman``.
    layer_rank: Callable[[], np.ndarray] | None = None


class ImageSource(Protocol):
    name: str

    def items(self) -> list[Item]:
        """One item per image (ids are stable: they name the output folders)."""

    def load(self, item: Item, size: int | None = None) -> Picture:
        """The item's picture; with ``size`` (the working long side) a large JPEG may be
        decoded at reduced scale, never smaller than needed."""
