"""Canvas: find the painting in each sampled frame, keep it consistent per camera segment,
and rectify it to an upright image of the canvas's aspect ratio.

Backends (``classical``, ``grounding-dino``) share one interface (:class:`CanvasDetector`);
``transformers`` is imported only when the Grounding DINO backend is built.
"""

from .detect import CanvasDetector, ClassicalCanvasDetector, Detection, make_canvas_detector
from .geometry import quad_aspect, quad_iou, rectified_size, rectify
from .track import CanvasTrack, TrackConfig, track_canvas

__all__ = [
    "CanvasDetector", "CanvasTrack", "ClassicalCanvasDetector", "Detection", "TrackConfig", "make_canvas_detector",
    "quad_aspect", "quad_iou", "rectified_size", "rectify", "track_canvas",
]
