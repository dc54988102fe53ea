"""The occluder detectors, by name; each is built from its own settings section of ``clean``."""

from __future__ import annotations

from ..registry import Backend, Registry
from .fused import FusedOccluderDetector
from .grounding_dino import GroundingDinoOccluderDetector
from .occluders import ClassicalOccluderDetector
from .views import OccluderDetector

OCCLUDER_DETECTORS: Registry[OccluderDetector] = Registry("occluder detector", [
    Backend("fused", FusedOccluderDetector,  # MediaPipe's runtime is checked when its models load
            summary="transient per steady segment, MediaPipe hands and persons, edge crossings, motion"),
    Backend("classical", ClassicalOccluderDetector,
            summary="transient regions that are skin-coloured or reach in from outside the canvas"),
    Backend("grounding-dino", GroundingDinoOccluderDetector, requires=("transformers", "torch"),
            install="transformers torch", summary="Grounding DINO boxes for 'hand. arm. paintbrush.'"),
])
