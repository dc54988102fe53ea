"""Training the compact painting model on the built dataset splits (accelerate, dvclive).

Light to import; torch, diffusers and accelerate load when a name below is first used.
"""

from __future__ import annotations

from ..models.lazy import lazy_exports

_EXPORTS = {
    "TrainConfig": ".trainer",
    "train": ".trainer",
    "PairsData": ".data",
    "load_pairs": ".data",
    "dataset_configs": ".data",
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
