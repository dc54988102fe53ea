"""The canvas detectors and confirmations, by name; each is built from its own settings section of ``canvas``."""

from __future__ import annotations

from ..registry import Backend, Registry
from .detect import CanvasDetector, ClassicalCanvasDetector
from .finder import CanvasConfirmer
from .grounding_dino import GroundingDinoCanvasDetector, GroundingDinoConfirm

CANVAS_DETECTORS: Registry[CanvasDetector] = Registry("canvas detector", [
    Backend("classical", ClassicalCanvasDetector,
            summary="bright regions and edge contours, snapped to the edges, on every sampled frame"),
    Backend("grounding-dino", GroundingDinoCanvasDetector, requires=("transformers", "torch"),
            install="transformers torch",
            summary="Grounding DINO boxes for 'canvas. painting.' on a few frames per camera segment, refined"),
])

CANVAS_CONFIRMERS: Registry[CanvasConfirmer] = Registry("canvas confirmation", [
    Backend("grounding-dino", GroundingDinoConfirm, requires=("transformers", "torch"),
            install="transformers torch",
            summary="partial views kept only where a Grounding DINO canvas box covers them"),
])
