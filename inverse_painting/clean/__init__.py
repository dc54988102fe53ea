"""Clean: drop (or fill) frames where hands, arms or brushes cover the canvas, then pick
keyframes that show real, monotone progress, one sequence per canvas plane; every rejected
frame gets a code and a reason.

Occluder detectors (``fused``, ``classical``, ``grounding-dino``) share one interface
(:class:`OccluderDetector`) and are built by name from :data:`OCCLUDER_DETECTORS`.
"""

from .detectors import OCCLUDER_DETECTORS
from .fused import FusedOccluderConfig, FusedOccluderDetector
from .grounding_dino import GroundingDinoOccluderConfig, GroundingDinoOccluderDetector
from .keyframes import FrameVerdict, KeyframeConfig, select_keyframes
from .occluders import ClassicalOccluderConfig, ClassicalOccluderDetector, Occlusion
from .views import OccluderDetector, PlaneViews

__all__ = [
    "OCCLUDER_DETECTORS", "ClassicalOccluderConfig", "ClassicalOccluderDetector", "FrameVerdict",
    "FusedOccluderConfig", "FusedOccluderDetector", "GroundingDinoOccluderConfig", "GroundingDinoOccluderDetector",
    "KeyframeConfig", "Occlusion", "OccluderDetector", "PlaneViews", "select_keyframes",
]
