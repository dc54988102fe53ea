"""MediaPipe's hand and person models on the LiteRT interpreter, without the mediapipe package.

The ``weights`` stage puts three ``.tflite`` files of ``mediapipe==0.10.21`` (Apache-2.0)
in ``models/weights/mediapipe/``; this package runs them the way MediaPipe's legacy graphs
do, in numpy + OpenCV around ``ai_edge_litert`` (the package would pin numpy<2):

- :class:`PalmDetector` (``palm.py``): 192x192 letterboxed input, 2016 SSD anchors x 18
  regressors + score, sigmoid, weighted (or plain) NMS -> palm boxes and 7 keypoints.
- :class:`HandLandmarker` / :class:`HandTracker` (``hands.py``): palm -> rotated square
  crop -> 224x224 -> 21 landmarks (x, y, z), hand presence and handedness.
- :class:`SelfieSegmenter` (``segmentation.py``): 256x256 -> person probability map at
  full image size (sleeved arms count as person).

Everything takes RGB uint8 images and answers in image pixels. ``ai_edge_litert`` is
imported only when a model is built; without it :class:`LiteRtMissing` says what to
install. :func:`load_hand_tracker` / :func:`load_segmenter` build them from a weights
folder. Measured on real footage, these are useful signals for hands over a canvas, not a
detector on their own (a hand whose palm is out of frame is missed).
"""

from __future__ import annotations

import os
from pathlib import Path

from .hands import Hand, HandLandmarker, HandTracker, hand_rect
from .palm import AnchorOptions, PalmDetection, PalmDetector, decode, ssd_anchors, weighted_nms
from .runtime import LiteRtMissing, SquareRect, TfliteModel
from .segmentation import SelfieSegmenter

__all__ = ["AnchorOptions", "Hand", "HandLandmarker", "HandTracker", "LiteRtMissing", "PalmDetection", "PalmDetector",
           "SelfieSegmenter", "SquareRect", "TfliteModel", "decode", "hand_rect", "load_hand_tracker",
           "load_segmenter", "ssd_anchors", "weighted_nms"]


def load_hand_tracker(weights_dir: str | os.PathLike = Path("models/weights"), **kwargs) -> HandTracker:
    """Palm detection + hand landmarks from the weights stage's folder."""
    from ..weights import mediapipe_file

    return HandTracker(mediapipe_file("palm_detection_full.tflite", weights_dir),
                       mediapipe_file("hand_landmark_full.tflite", weights_dir), **kwargs)


def load_segmenter(weights_dir: str | os.PathLike = Path("models/weights"), **kwargs) -> SelfieSegmenter:
    """Selfie segmentation from the weights stage's folder."""
    from ..weights import mediapipe_file

    return SelfieSegmenter(mediapipe_file("selfie_segmentation.tflite", weights_dir), **kwargs)
