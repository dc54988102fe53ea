"""Diagnostics reported beside the paper's metrics, each seeing what one of them cannot.

- per-step changed area: the fraction of the canvas each step's difference mask covers
  (an instant jump is one step of almost the whole canvas);
- keyframes after the real end: generated frames later than the real process's last one,
  which the nearest-in-time LPIPS never compares with anything;
- order agreement: Spearman correlation between the real and the generated first-done
  time maps (when each pixel first came within the change threshold of the target).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .sequences import ProcessSequence

NEVER_DONE = 2.0  # first-done time of a pixel that never reaches the target: after every real time (<= 1)


def step_areas(masks: np.ndarray) -> np.ndarray:
    """(N,) fraction of pixels set in each of N masks; a single 0 when there are none."""
    masks = np.asarray(masks)
    if len(masks) == 0:
        return np.zeros(1)
    return (masks.reshape(len(masks), -1) > 0).mean(axis=1)


def keyframes_after(times: Sequence[float], end_s: float) -> int:
    """How many keyframes come strictly after ``end_s`` seconds."""
    return int((np.asarray(times, np.float64) > end_s).sum())


def first_done_times(seq: ProcessSequence, target: np.ndarray, masker) -> np.ndarray:
    """(H, W) time at which each pixel first came within ``masker``'s change threshold of
    ``target``, as a fraction of the sequence's duration (0 = the blank canvas already
    matches it); ``NEVER_DONE`` where no frame does."""
    far = masker.distance_maps(seq.frames, [target] * len(seq.frames)) > masker.threshold  # (N, H, W)
    done = ~far
    first = np.argmax(done, axis=0)  # the first True; 0 also where there is none, fixed below
    times = np.asarray(seq.times, np.float64) / max(seq.duration_s, 1e-9)
    out = times[first]
    out[~done.any(axis=0)] = NEVER_DONE
    return out


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman correlation with average ranks for ties; 0 when either side is constant
    (a map in which everything happens at once has no order to agree with)."""
    from scipy.stats import rankdata

    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if a.size < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(np.corrcoef(rankdata(a), rankdata(b))[0, 1])


def order_agreement(real: ProcessSequence, generated: ProcessSequence, masker,
                    real_times: np.ndarray | None = None) -> float:
    """Spearman between the generated and the real first-done time maps (both against the
    real target), over the pixels the real process had to paint (not done at its blank
    canvas): 1 is the real order, 0 no relation (or no order at all), -1 the reverse
    (``real_times``: the real map, when the caller has it already)."""
    if real_times is None:
        real_times = first_done_times(real, real.target, masker)
    generated_times = first_done_times(generated, real.target, masker)
    painted = real_times > 0
    return rank_correlation(generated_times[painted], real_times[painted])
