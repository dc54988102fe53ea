"""Palm detection (``palm_detection_full.tflite``): SSD anchors, box decoding, weighted NMS.

The numbers are those of MediaPipe's ``palm_detection_cpu.pbtxt``: a 192x192 letterboxed
input in [0, 1]; 2016 SSD anchors (strides 8, 16, 16, 16, fixed size); per anchor 18
regressors (box centre x, y, width, height, then 7 keypoints x, y, all in input pixels
relative to the anchor) and a score logit, clipped to +-100 and put through a sigmoid;
scores under 0.5 are dropped; weighted non-maximum suppression at IoU 0.3 averages the
boxes and keypoints of each cluster by score.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from .runtime import SquareRect, TfliteModel, check_rgb

INPUT_SIZE = 192
NUM_ANCHORS = 2016
NUM_KEYPOINTS = 7
WRIST, MIDDLE_FINGER_MCP = 0, 2     # the keypoints the hand crop is aligned with


@dataclass(frozen=True)
class AnchorOptions:
    """MediaPipe's SsdAnchorsCalculatorOptions (defaults: palm_detection_full)."""

    input_size: int = INPUT_SIZE
    strides: tuple[int, ...] = (8, 16, 16, 16)
    min_scale: float = 0.1484375
    max_scale: float = 0.75
    offset: float = 0.5
    aspect_ratios: tuple[float, ...] = (1.0,)
    interpolated_scale_aspect_ratio: float = 1.0
    fixed_anchor_size: bool = True


def _scale(options: AnchorOptions, index: int) -> float:
    layers = len(options.strides)
    if layers == 1:
        return (options.min_scale + options.max_scale) / 2
    return options.min_scale + (options.max_scale - options.min_scale) * index / (layers - 1)


def ssd_anchors(options: AnchorOptions = AnchorOptions()) -> np.ndarray:
    """(N, 4) anchors as (x_centre, y_centre, width, height) in [0, 1], in the model's output order.

    As MediaPipe's SsdAnchorsCalculator: layers sharing a stride share one feature map, each
    contributing an anchor per aspect ratio plus one interpolated-scale anchor per cell.
    """
    anchors = []
    layer = 0
    layers = len(options.strides)
    while layer < layers:
        sizes = []
        last = layer
        while last < layers and options.strides[last] == options.strides[layer]:
            scale = _scale(options, last)
            sizes += [(scale * math.sqrt(r), scale / math.sqrt(r)) for r in options.aspect_ratios]
            if options.interpolated_scale_aspect_ratio > 0:
                following = 1.0 if last == layers - 1 else _scale(options, last + 1)
                r = options.interpolated_scale_aspect_ratio
                joint = math.sqrt(scale * following)
                sizes.append((joint * math.sqrt(r), joint / math.sqrt(r)))
            last += 1
        cells = math.ceil(options.input_size / options.strides[layer])
        for y in range(cells):
            for x in range(cells):
                for w, h in sizes:
                    if options.fixed_anchor_size:
                        w = h = 1.0
                    anchors.append(((x + options.offset) / cells, (y + options.offset) / cells, w, h))
        layer = last
    return np.asarray(anchors, dtype=np.float32)


@dataclass(frozen=True)
class PalmDetection:
    """A palm in image pixels: box (x0, y0, x1, y1), 7 keypoints (x, y) and its score."""

    box: tuple[float, float, float, float]
    keypoints: np.ndarray
    score: float


def decode(raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray, min_score: float = 0.5,
           input_size: int = INPUT_SIZE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw model outputs -> (boxes (K, 4) x0 y0 x1 y1, keypoints (K, 7, 2), scores (K,)) in [0, 1].

    Only anchors scoring at least ``min_score`` are kept.
    """
    scores = 1.0 / (1.0 + np.exp(-np.clip(raw_scores.reshape(-1), -100.0, 100.0)))
    keep = scores >= min_score
    raw, anchor, scores = raw_boxes[keep].astype(np.float64), anchors[keep].astype(np.float64), scores[keep]
    centre = raw[:, 0:2] / input_size * anchor[:, 2:4] + anchor[:, 0:2]
    size = raw[:, 2:4] / input_size * anchor[:, 2:4]
    boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    points = raw[:, 4:4 + 2 * NUM_KEYPOINTS].reshape(-1, NUM_KEYPOINTS, 2)
    keypoints = points / input_size * anchor[:, None, 2:4] + anchor[:, None, 0:2]
    return boxes, keypoints, scores


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one (x0, y0, x1, y1) box with each of ``boxes``."""
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def weighted_nms(boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, threshold: float = 0.3,
                 weighted: bool = True) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Best-first clusters of boxes overlapping by IoU > ``threshold``.

    ``weighted`` (MediaPipe's WEIGHTED algorithm): each cluster's box and keypoints are the
    score-weighted mean of its members, its score that of the best; otherwise plain NMS
    keeps the best member as it is.
    """
    order = np.argsort(-scores, kind="stable")
    out = []
    while order.size:
        best = order[0]
        overlap = iou(boxes[best], boxes[order]) > threshold
        overlap[0] = True
        members, order = order[overlap], order[~overlap]
        if weighted:
            w = scores[members][:, None]
            box = (boxes[members] * w).sum(0) / w.sum()
            points = (keypoints[members] * w[:, :, None]).sum(0) / w.sum()
        else:
            box, points = boxes[best], keypoints[best]
        out.append((box, points, float(scores[best])))
    return out


class PalmDetector:
    """``detect(rgb) -> [PalmDetection]`` with MediaPipe's full-range palm model."""

    def __init__(self, path: str | os.PathLike, min_score: float = 0.5, nms_threshold: float = 0.3,
                 weighted_nms: bool = True, num_threads: int = 1) -> None:
        self.model = TfliteModel(path, num_threads)
        self.model.expect((1, INPUT_SIZE, INPUT_SIZE, 3), [(1, NUM_ANCHORS, 18), (1, NUM_ANCHORS, 1)])
        self.anchors = ssd_anchors()
        self.min_score, self.nms_threshold, self.weighted = min_score, nms_threshold, weighted_nms

    def detect(self, image: np.ndarray) -> list[PalmDetection]:
        height, width = check_rgb(image).shape[:2]
        rect = SquareRect.whole_image(width, height)
        raw_boxes, raw_scores = self.model.run(rect.tensor(image, INPUT_SIZE))
        boxes, keypoints, scores = decode(raw_boxes, raw_scores, self.anchors, self.min_score)
        palms = []
        for box, points, score in weighted_nms(boxes, keypoints, scores, self.nms_threshold, self.weighted):
            corners = rect.to_image(box.reshape(2, 2))  # no rotation: corners stay corners
            palms.append(PalmDetection(tuple(float(v) for v in corners.reshape(-1)), rect.to_image(points), score))
        return palms
