"""The canvas detectors, by name; each is built from its own settings section of ``canvas``."""

from __future__ import annotations

from ..registry import Backend, Registry
from .detect import CanvasDetector, ClassicalCanvasDetector
from .grounding_dino import GroundingDinoCanvasDetector

CANVAS_DETECTORS: Registry[CanvasDetector] = Registry("canvas detector", [
    Backend("classical", ClassicalCanvasDetector, summary="bright regions and edge contours, snapped to the edges"),
    Backend("grounding-dino", GroundingDinoCanvasDetector, requires=("transformers", "torch"),
            install="transformers torch", summary="Grounding DINO boxes for 'canvas. painting.', refined"),
])
