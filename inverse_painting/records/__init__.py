"""Typed records handed from stage to stage: one writer and one reader each.

| record | file | writer | readers |
|---|---|---|---|
| :class:`RawInfo` | ``data/raw/<id>/info.json`` | fetch | frames |
| :class:`FrameIndex` | ``data/frames/<id>/frames.json`` | frames | canvas |
| :class:`CanvasIndex` | ``data/canvas/<id>/canvas.json`` | canvas | clean |
| :class:`PaintingSequence` | ``<keyframes or synth>/<id>/sequence.json`` | clean, synth | annotate |
| :class:`StepsDoc` | ``data/annotations/<id>/steps.json`` | annotate | build, preview |
| dataset rows (:func:`features`) | ``data/dataset/data/<config>/<split>-*.parquet`` | build | train, paint, evaluate |
"""

from .canvas import CANVAS_NAME, CUES, NO_CANVAS, CanvasFrameRow, CanvasIndex, CanvasPlane, CanvasSegment
from .dataset import (CONFIGS, IMAGE_COLUMNS, SPLITS, dataset_configs, dataset_fingerprint, features, load_pairs,
                      shard_path, split_targets, to_rgb)
from .frames import FRAMES_NAME, FrameIndex, SampledFrameRow
from .io import RecordError, read_json, write_json
from .raw import INFO_NAME, PROVENANCE_KEYS, RawInfo
from .sequence import SEQUENCE_NAME, Keyframe, PaintingSequence, Rejection, SequenceError, find_sequences
from .steps import BLANK_NAME, STEPS_NAME, StepRecord, StepsDoc

__all__ = [
    "BLANK_NAME", "CANVAS_NAME", "CONFIGS", "CUES", "FRAMES_NAME", "IMAGE_COLUMNS", "INFO_NAME", "NO_CANVAS",
    "PROVENANCE_KEYS", "SEQUENCE_NAME", "SPLITS", "STEPS_NAME", "CanvasFrameRow", "CanvasIndex", "CanvasPlane", "CanvasSegment",
    "FrameIndex", "Keyframe", "PaintingSequence", "RawInfo", "RecordError", "Rejection", "SampledFrameRow",
    "SequenceError", "StepRecord", "StepsDoc", "dataset_configs", "dataset_fingerprint", "features", "find_sequences",
    "load_pairs", "read_json", "shard_path", "split_targets", "to_rgb", "write_json",
]
