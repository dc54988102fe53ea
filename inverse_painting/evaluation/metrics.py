"""The paper's metrics between a real painting process and a generated one.

- LPIPS: every real keyframe after the blank canvas against the generated keyframe nearest
  in time (the earlier one on an exact tie; real frames after the generated end meet the
  last generated frame), averaged.
- IoU: every generated difference mask against its best-matching real one, averaged
  (a precision: it does not ask whether every real step was painted; see ``mask_recall``).
- DDC: dynamic time warping between the two distance-to-target curves, each a list of
  points (minutes, distance), Euclidean point cost. ``ddc_sum`` is the summed cost of the
  best path (the paper's form; it grows with the number of keyframes), ``ddc_mean`` that
  sum over the path's length (the mean matched-point cost).
- DTS: |real duration - generated duration| in minutes.

Both sides' masks come from one difference-mask function (annotate's ``DifferenceMasker``),
so IoU compares the regions each step changed, as one estimator sees them; it says nothing
about the order of the steps (``diagnostics.order_agreement`` does).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from .diagnostics import first_done_times, keyframes_after, order_agreement, step_areas
from .sequences import ProcessSequence


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 0, b > 0
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def mean_best_iou(queries: Sequence[np.ndarray], candidates: Sequence[np.ndarray]) -> float:
    """Mean over ``queries`` of each one's best IoU with any of ``candidates`` (0 when either is empty).

    Generated masks as queries against the real ones is the paper's IoU; real masks as
    queries against the generated ones is the recall the paper's IoU lacks."""
    if len(queries) == 0 or len(candidates) == 0:
        return 0.0
    return float(np.mean([max(mask_iou(q, c) for c in candidates) for q in queries]))


@dataclass(frozen=True)
class WarpingCost:
    """The best DTW path between two point sequences: its summed cost and how many pairs it matches."""

    total: float
    path_length: int

    @property
    def mean(self) -> float:
        return self.total / self.path_length


def dtw_path(a: np.ndarray, b: np.ndarray) -> WarpingCost:
    """Dynamic time warping between point sequences (n, d) and (m, d) with Euclidean point cost.

    Of several best paths, the backtrack prefers the diagonal step, then the step that
    repeats a point of ``b``; only ``path_length`` depends on that choice."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    cost = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1)
    acc = np.full((len(a) + 1, len(b) + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            acc[i, j] = cost[i - 1, j - 1] + min(acc[i - 1, j], acc[i, j - 1], acc[i - 1, j - 1])
    i, j, length = len(a), len(b), 1
    while (i, j) != (1, 1):
        steps = [(i - 1, j - 1), (i - 1, j), (i, j - 1)]  # the order breaks ties
        i, j = min(steps, key=lambda s: acc[s])
        length += 1
    return WarpingCost(float(acc[-1, -1]), length)


def dtw(a: np.ndarray, b: np.ndarray) -> float:
    """The summed DTW cost of the best path (``dtw_path(a, b).total``)."""
    return dtw_path(a, b).total


def distance_curve(seq: ProcessSequence, target: np.ndarray, distance) -> np.ndarray:
    """(n, 2) points: minutes since the blank canvas, distance of that frame to ``target``."""
    d = distance(seq.frames, [target] * len(seq.frames))
    return np.stack([np.asarray(seq.times) / 60.0, d], axis=1)


def nearest_in_time(times: Sequence[float], t: float) -> int:
    """Index of the time nearest to ``t``; the earlier one on an exact tie (argmin keeps the first)."""
    return int(np.argmin(np.abs(np.asarray(times, np.float64) - t)))


@dataclass
class SequenceMetrics:
    painting_id: str
    # the paper's metrics
    frame_distance: float  # LPIPS (or the named stand-in) real frame vs nearest generated
    iou: float
    ddc_sum: float
    dts_min: float
    # diagnostics beside them
    mask_recall: float
    ddc_mean: float
    step_area_mean: float
    step_area_max: float
    generated_keyframes: int
    keyframes_after_real_end: int
    order_agreement: float
    real_keyframes: int
    real_curve: list[list[float]]
    generated_curve: list[list[float]]

    def scores(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("real_curve"), d.pop("generated_curve")
        return d


@dataclass(frozen=True)
class RealSide:
    """What every method's score needs of one real process: its step masks, its distance curve
    to its target and its first-done time map; computed once however many methods are scored."""

    masks: np.ndarray
    curve: np.ndarray
    done_times: np.ndarray

    @classmethod
    def of(cls, real: ProcessSequence, distance, masker) -> "RealSide":
        return cls(masker.masks(real.frames[1:], real.frames[:-1]), distance_curve(real, real.target, distance),
                   first_done_times(real, real.target, masker))


def score_sequence(real: ProcessSequence, generated: ProcessSequence, distance, masker,
                   real_side: RealSide | None = None) -> SequenceMetrics:
    """All per-painting metrics; ``generated`` is resized to ``real``'s frame size first
    (``real_side``: ``RealSide.of(real, distance, masker)`` when the caller has it already)."""
    h, w = real.frames[0].shape[:2]
    generated = generated.resized((w, h))
    side = real_side or RealSide.of(real, distance, masker)
    gen_idx = [nearest_in_time(generated.times, t) for t in real.times[1:]]
    frame_d = distance(real.frames[1:], [generated.frames[i] for i in gen_idx])
    gen_masks = masker.masks(generated.frames[1:], generated.frames[:-1])
    gen_curve = distance_curve(generated, real.target, distance)
    warp = dtw_path(side.curve, gen_curve)
    gen_areas = step_areas(gen_masks)
    return SequenceMetrics(
        real.painting_id, float(np.mean(frame_d)), mean_best_iou(gen_masks, side.masks), warp.total,
        abs(real.duration_s - generated.duration_s) / 60.0,
        mask_recall=mean_best_iou(side.masks, gen_masks), ddc_mean=warp.mean,
        step_area_mean=float(gen_areas.mean()), step_area_max=float(gen_areas.max()),
        generated_keyframes=len(generated.frames) - 1,
        keyframes_after_real_end=keyframes_after(generated.times, real.duration_s),
        order_agreement=order_agreement(real, generated, masker, side.done_times),
        real_keyframes=len(real.frames) - 1,
        real_curve=np.round(side.curve, 5).tolist(), generated_curve=np.round(gen_curve, 5).tolist())
