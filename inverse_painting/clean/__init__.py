"""Clean: drop (or fill) frames where hands, arms or brushes cover the canvas, then pick
keyframes that show real, monotone progress; every rejected frame gets a reason."""

from .keyframes import FrameVerdict, KeyframeConfig, select_keyframes
from .occluders import ClassicalOccluderDetector, Occlusion, OccluderDetector, make_occluder_detector

__all__ = [
    "ClassicalOccluderDetector", "FrameVerdict", "KeyframeConfig", "Occlusion", "OccluderDetector",
    "make_occluder_detector", "select_keyframes",
]
