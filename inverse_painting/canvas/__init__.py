"""Canvas: find the painting in each sampled frame, keep it consistent per camera segment,
and rectify it to an upright image of the canvas's aspect ratio.

Backends (``classical``, ``grounding-dino``) share one interface (:class:`CanvasDetector`) and
are built by name from :data:`CANVAS_DETECTORS`, each from its own settings; ``transformers``
is imported only when the Grounding DINO model is loaded.
"""

from .detect import CanvasDetector, ClassicalCanvasConfig, ClassicalCanvasDetector, Detection
from .detectors import CANVAS_DETECTORS
from .geometry import quad_aspect, quad_iou, rectified_size, rectify
from .grounding_dino import GroundingDinoCanvasConfig, GroundingDinoCanvasDetector
from .track import CanvasTrack, TrackConfig, track_canvas

__all__ = [
    "CANVAS_DETECTORS", "CanvasDetector", "CanvasTrack", "ClassicalCanvasConfig", "ClassicalCanvasDetector",
    "Detection", "GroundingDinoCanvasConfig", "GroundingDinoCanvasDetector", "TrackConfig", "quad_aspect",
    "quad_iou", "rectified_size", "rectify", "track_canvas",
]
