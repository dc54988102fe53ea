"""Perceptual distances shared by annotate, synth, paint and evaluate.

``lpips`` holds AlexNet-LPIPS (v0.1) in plain torch; importing this package does not import
torch (the module is loaded on first attribute access).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["LPIPS", "LPIPSWeights", "LpipsUnavailable", "images_to_tensor", "load_lpips", "resolve_weights",
           "weights_available"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module(".lpips", __name__), name)
    raise AttributeError(name)
