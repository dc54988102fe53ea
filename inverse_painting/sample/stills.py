"""The sample world as an image source of synth: ``sample://stills?seeds=100-102&width=384``.

Finished sample paintings, generated from their seeds; each knows the back-to-front order its
layers were painted in, which synth uses to score its layering (``ground_truth_spearman``).
"""

from __future__ import annotations

import numpy as np

from ..pipeline import Item
from ..synth.inputs import Picture
from .painting import Landscape, make_landscape
from .uri import StillsURI, parse_stills_uri
from .video import still_landscape


def layer_rank(landscape: Landscape) -> np.ndarray:
    """(H, W) back-to-front layer index of a landscape (the topmost layer at each pixel).

    The sample world paints its layers back to front, so the index is a depth rank.
    """
    w, h = landscape.size
    rank = np.zeros((h, w), np.int32)
    for index, layer in enumerate(landscape.layers):
        rank[layer.mask] = index
    return rank


def sample_layer_rank(seed: int, size: tuple[int, int]) -> np.ndarray:
    """:func:`layer_rank` of the landscape of ``seed`` at ``size`` (width, height)."""
    return layer_rank(make_landscape(seed, size))


class SampleStills:
    """Synth's ``sample`` image source: one item per seed of the URI."""

    name = "sample"

    def __init__(self, uri: str):
        self.uri = parse_stills_uri(uri)

    def items(self) -> list[Item]:
        return [Item(StillsURI.item_id(seed), {"seed": seed, "width": self.uri.width}) for seed in self.uri.seeds]

    def load(self, item: Item, size: int | None = None) -> Picture:
        seed, width = int(item.payload["seed"]), int(item.payload["width"])
        landscape = still_landscape(seed, width)
        provenance = {"source_url": StillsURI.of(seed, width), "licence": "generated (sample world)",
                      "uploader": "inverse-painting sample world", "title": f"sample landscape {seed}"}
        return Picture(landscape.final(), provenance, layer_rank=lambda: layer_rank(landscape))
