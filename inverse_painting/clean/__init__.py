"""Clean: drop (or fill) frames where hands, arms or brushes cover the canvas, then pick
keyframes that show real, monotone progress; every rejected frame gets a code and a reason.

Occluder detectors (``classical``, ``grounding-dino``) share one interface
(:class:`OccluderDetector`) and are built by name from :data:`OCCLUDER_DETECTORS`.
"""

from .detectors import OCCLUDER_DETECTORS
from .grounding_dino import GroundingDinoOccluderConfig, GroundingDinoOccluderDetector
from .keyframes import FrameVerdict, KeyframeConfig, select_keyframes
from .occluders import ClassicalOccluderConfig, ClassicalOccluderDetector, Occlusion, OccluderDetector

__all__ = [
    "OCCLUDER_DETECTORS", "ClassicalOccluderConfig", "ClassicalOccluderDetector", "FrameVerdict",
    "GroundingDinoOccluderConfig", "GroundingDinoOccluderDetector", "KeyframeConfig", "Occlusion", "OccluderDetector",
    "select_keyframes",
]
