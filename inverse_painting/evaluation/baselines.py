"""Baselines evaluated beside the model, on the same targets and interval.

They bracket the model: ``instant`` (blank, then the target, one step) is what a metric
that ignores the process rewards; the cross-fade paints everything a little at every
step; the stroke process paints like a person might. Each sees only the target: its frame
count and interval are passed in by the stage, which takes them from the train split or
from params, never from the painting being evaluated.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..registry import Backend, Registry
from .sequences import ProcessSequence


class BaselineUnavailable(RuntimeError):
    """The baseline cannot run here (its implementation is not importable)."""


def blank_like(target: np.ndarray, blank_rgb: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    blank = np.empty_like(target)
    blank[:] = blank_rgb
    return blank


def crossfade(painting_id: str, target: np.ndarray, n_frames: int, interval: float,
              blank_rgb: tuple[int, int, int] = (255, 255, 255)) -> ProcessSequence:
    """A linear cross-fade from the blank canvas to the target in ``n_frames`` steps."""
    blank = blank_like(target, blank_rgb)
    frames = [np.round(blank * (1 - a) + target.astype(np.float32) * a).astype(np.uint8)
              for a in np.linspace(0.0, 1.0, n_frames + 1)]
    return ProcessSequence(painting_id, frames, [k * interval for k in range(n_frames + 1)], target)


def instant(painting_id: str, target: np.ndarray, interval: float,
            blank_rgb: tuple[int, int, int] = (255, 255, 255)) -> ProcessSequence:
    """The blank canvas, then the finished target one ``interval`` later: no process at all."""
    return ProcessSequence(painting_id, [blank_like(target, blank_rgb), target.copy()], [0.0, float(interval)],
                           target)


def stroke_process_baseline(painting_id: str, target: np.ndarray, n_frames: int, interval: float,
                            blank_rgb: tuple[int, int, int] = (255, 255, 255)) -> ProcessSequence:
    """The synthetic stroke process (``inverse_painting.synth.stroke_process``) as a baseline."""
    try:
        from ..synth import stroke_process
    except ImportError as exc:
        raise BaselineUnavailable(f"inverse_painting.synth.stroke_process is not importable ({exc})") from None
    frames = [np.asarray(f, np.uint8) for f in stroke_process(target, n_frames)]
    if not frames:
        raise BaselineUnavailable("stroke_process returned no frames")
    blank = blank_like(target, blank_rgb)
    if not np.array_equal(frames[0], blank):  # the process starts from the blank canvas
        frames = [blank, *frames]
    return ProcessSequence(painting_id, frames, [k * interval for k in range(len(frames))], target)


Baseline = Callable[[Any], ProcessSequence]  # a method: PaintingTask -> generated process


def _crossfade(n_frames: int, interval: float) -> Baseline:
    return lambda task: crossfade(task.painting_id, task.target, n_frames, interval)


def _stroke_process(n_frames: int, interval: float) -> Baseline:
    return lambda task: stroke_process_baseline(task.painting_id, task.target, n_frames, interval)


def _instant(n_frames: int, interval: float) -> Baseline:
    return lambda task: instant(task.painting_id, task.target, interval)


BASELINES = Registry("baseline", [
    Backend("crossfade", _crossfade, summary="linear blend from the blank canvas to the target"),
    Backend("stroke_process", _stroke_process, summary="the synthetic stroke process (synth.stroke_process)"),
    Backend("instant", _instant, summary="the blank canvas, then the target one interval later"),
])


def baseline_methods(n_frames: int, interval: float) -> dict[str, Baseline]:
    """Every baseline, in report order, at ``n_frames`` steps of ``interval`` seconds."""
    return {name: BASELINES.build(name, n_frames, interval) for name in BASELINES.names()}
