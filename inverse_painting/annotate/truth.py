"""Exact per-step truth from a sequence's producer: which pixels each step painted, and what.

A ``sequence.json`` may name a ``step_truth`` file (synth writes ``regions.json``). Its
``steps`` list holds, per keyframe ``index`` (the keyframe the step ends at): ``mask``, a
0/255 PNG of the pixels the step's strokes covered; ``layer`` and ``layer_name``, the depth
layer that most of the step's strokes belong to (far to near); ``regions``, colour names of
the regions it painted; ``label``, the producer's own description (layer and colours).
Annotation keeps this instead of estimating it from keyframe differences.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..media.images import read_image
from ..records import PaintingSequence, SequenceError

# Where the instruction of a step with exact truth comes from (steps.json ``text_source``).
TRUTH_TEXT_SOURCE = "synth-layer"
_REQUIRED = ("index", "mask", "layer", "layer_name")


@dataclass(frozen=True)
class StepTruth:
    keyframe: int  # index of the keyframe the step ends at
    stroke_mask: Path  # 0/255 PNG: the pixels the step's strokes covered
    layer: int  # depth layer most of the step's strokes belong to, 0 = farthest
    layer_name: str  # "far background" ... "foreground"
    regions: tuple[str, ...]  # colour names of the regions painted, most strokes first
    description: str  # the producer's own label, e.g. "background, blue and grey"
    strokes: tuple[int, int] | None = None  # stroke range [start, stop) in the producer's stroke table

    @property
    def text(self) -> str:
        """The step's instruction: its depth layer. A handful of layer names is a vocabulary a
        model can learn; layer x colour names would split it into dozens of rare classes
        (the colours stay in ``record()``)."""
        return self.layer_name

    def record(self) -> dict[str, Any]:
        """What steps.json keeps of the truth besides the stroke mask and the text."""
        return {"layer": self.layer, "layer_name": self.layer_name, "regions": list(self.regions),
                "description": self.description, "strokes": list(self.strokes) if self.strokes else None}

    def read_mask(self, shape: tuple[int, ...]) -> np.ndarray:
        """The stroke mask as (H, W) uint8 0/255; it must be the keyframes' size."""
        mask = read_image(self.stroke_mask)[..., 0]
        if mask.shape != tuple(shape[:2]):
            raise SequenceError(f"{self.stroke_mask}: stroke mask is {mask.shape[1]}x{mask.shape[0]}, "
                                f"keyframes are {shape[1]}x{shape[0]}")
        return np.where(mask > 127, 255, 0).astype(np.uint8)


def load_step_truth(seq: PaintingSequence) -> dict[int, StepTruth]:
    """The sequence's step truth by keyframe index; empty when the sequence names none."""
    if not seq.step_truth:
        return {}
    path = seq.root / seq.step_truth
    try:
        steps = json.loads(path.read_text(encoding="utf-8"))["steps"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SequenceError(f"{path}: unreadable step truth ({exc!r})") from exc
    truths = {}
    for row in steps:
        missing = [k for k in _REQUIRED if k not in row]
        if missing:
            raise SequenceError(f"{path}: a step lacks {missing}")
        mask = seq.root / str(row["mask"])
        if not mask.is_file():
            raise SequenceError(f"{path}: missing stroke mask {row['mask']!r}")
        strokes = row.get("strokes")
        truths[int(row["index"])] = StepTruth(
            int(row["index"]), mask, int(row["layer"]), str(row["layer_name"]),
            tuple(str(r) for r in row.get("regions") or ()), str(row.get("label") or row["layer_name"]),
            (int(strokes[0]), int(strokes[1])) if strokes else None)
    return truths
