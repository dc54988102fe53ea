"""Training the compact painting model on the built dataset splits (accelerate, dvclive).

Light to import; torch, diffusers and accelerate load when a name below is first used. The
dataset is read through :mod:`inverse_painting.records.dataset`.
"""

from __future__ import annotations

from ..models.lazy import lazy_exports

_EXPORTS = {
    "TrainConfig": ".config",
    "build_model": ".config",
    "TrainResult": ".trainer",
    "train": ".trainer",
    "PairsData": ".data",
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
