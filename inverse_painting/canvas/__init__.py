"""Canvas: find the painting in each sampled frame of a video, from whatever cue the footage gives.

Camera segments come from SIFT homographies (a cut starts a new one); per segment the
canvas is found seen whole (``classical`` edges, or ``grounding-dino`` boxes on a few
frames per segment), else as a partial view bounded by straight lines, else as a close-up
registered to a shot that shows an edge; talking heads and regions too small are no canvas,
never a guessed quad. Segments registered to each other by features on the canvas share one
rectified plane. Whole-canvas detectors are built by name from :data:`CANVAS_DETECTORS`,
confirmations from :data:`CANVAS_CONFIRMERS`; ``transformers`` is imported only when a
Grounding DINO model is loaded.
"""

from .cues import CuesConfig, FrameCanvas
from .detect import CanvasDetector, ClassicalCanvasConfig, ClassicalCanvasDetector, Detection
from .detectors import CANVAS_CONFIRMERS, CANVAS_DETECTORS
from .finder import CanvasFinder, CanvasResult, SegmentCue
from .geometry import quad_aspect, quad_iou, rectified_size, rectify, visible_polygon
from .grounding_dino import GroundingDinoCanvasConfig, GroundingDinoCanvasDetector, GroundingDinoConfirm
from .person import PersonShotConfig
from .planes import Plane, canvas_planes
from .segments import SegmentsConfig

__all__ = [
    "CANVAS_CONFIRMERS", "CANVAS_DETECTORS", "CanvasDetector", "CanvasFinder", "CanvasResult", "ClassicalCanvasConfig",
    "ClassicalCanvasDetector", "CuesConfig", "Detection", "FrameCanvas", "GroundingDinoCanvasConfig",
    "GroundingDinoCanvasDetector", "GroundingDinoConfirm", "PersonShotConfig", "Plane", "SegmentCue",
    "SegmentsConfig", "canvas_planes", "quad_aspect", "quad_iou", "rectified_size", "rectify", "visible_polygon",
]
