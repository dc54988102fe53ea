"""The paper's metrics between a real painting process and a generated one.

- LPIPS: every real keyframe against the generated keyframe nearest in time, averaged.
- IoU: every generated difference mask against its best-matching real one, averaged.
- DDC: dynamic time warping between the two distance-to-target curves, each a list of
  points (minutes, distance), with Euclidean point cost (the summed cost of the best path).
- DTS: |real duration - generated duration| in minutes.

Both sides' masks come from one difference-mask function (annotate's ``DifferenceMasker``),
so IoU compares the painting orders, not two mask estimators.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .sequences import ProcessSequence


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 0, b > 0
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def dtw(a: np.ndarray, b: np.ndarray) -> float:
    """Dynamic time warping cost between point sequences (n, d) and (m, d), Euclidean cost."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    cost = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1)
    acc = np.full((len(a) + 1, len(b) + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            acc[i, j] = cost[i - 1, j - 1] + min(acc[i - 1, j], acc[i, j - 1], acc[i - 1, j - 1])
    return float(acc[-1, -1])


def distance_curve(seq: ProcessSequence, target: np.ndarray, distance) -> np.ndarray:
    """(n, 2) points: minutes since the blank canvas, distance of that frame to ``target``."""
    d = distance(seq.frames, [target] * len(seq.frames))
    return np.stack([np.asarray(seq.times) / 60.0, d], axis=1)


def nearest_in_time(times: list[float], t: float) -> int:
    return int(np.argmin(np.abs(np.asarray(times) - t)))


@dataclass
class SequenceMetrics:
    painting_id: str
    frame_distance: float  # LPIPS (or the named stand-in) real frame vs nearest generated
    iou: float
    ddc: float
    dts_min: float
    generated_keyframes: int
    real_keyframes: int
    real_curve: list[list[float]]
    generated_curve: list[list[float]]

    def scores(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("real_curve"), d.pop("generated_curve")
        return d


def score_sequence(real: ProcessSequence, generated: ProcessSequence, distance, masker) -> SequenceMetrics:
    """All per-painting metrics; ``generated`` is resized to ``real``'s frame size first."""
    h, w = real.frames[0].shape[:2]
    generated = generated.resized((w, h))
    gen_idx = [nearest_in_time(generated.times, t) for t in real.times[1:]]
    frame_d = distance(real.frames[1:], [generated.frames[i] for i in gen_idx])
    real_masks = masker.masks(real.frames[1:], real.frames[:-1])
    gen_masks = masker.masks(generated.frames[1:], generated.frames[:-1])
    ious = [max(mask_iou(g, r) for r in real_masks) for g in gen_masks]
    real_curve = distance_curve(real, real.target, distance)
    gen_curve = distance_curve(generated, real.target, distance)
    return SequenceMetrics(real.painting_id, float(np.mean(frame_d)), float(np.mean(ious)) if ious else 0.0,
                           dtw(real_curve, gen_curve), abs(real.duration_s - generated.duration_s) / 60.0,
                           len(generated.frames) - 1, len(real.frames) - 1,
                           np.round(real_curve, 5).tolist(), np.round(gen_curve, 5).tolist())
