"""Evaluate methods (the model, baselines) against real painting processes of one source.

A method is a function ``PaintingTask -> generated sequence``: it is handed the painting's
id and finished target only, so it cannot borrow the real process's times or frame count.
``BaselineUnavailable`` turns a method into an "unavailable" row instead of an error. Any
other error, or a result of fewer than two frames, is a failure on that painting: it is
counted and its reason kept, and a method with failures is "incomplete" (its means are over
the paintings it was scored on, ``scored`` of ``paintings``). All sequences are compared at
one size (the real target's aspect, long side ``eval_long_side``). Every mean is over
paintings (each painting weighs the same, however many frames it has).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .baselines import BaselineUnavailable
from .diagnostics import step_areas
from .fid import FidConfig, FidScorer
from .metrics import RealSide, SequenceMetrics, score_sequence
from .sequences import ProcessSequence

log = logging.getLogger(__name__)

PAPER_METRICS = ("frame_distance", "iou", "ddc_sum", "dts_min")
DIAGNOSTICS = ("mask_recall", "ddc_mean", "step_area_mean", "step_area_max", "generated_keyframes",
               "keyframes_after_real_end", "order_agreement")


@dataclass(frozen=True)
class PaintingTask:
    """What a method may see of a real painting: which one it is and the finished target."""

    painting_id: str
    target: np.ndarray


Method = Callable[[PaintingTask], ProcessSequence]


@dataclass
class MethodRun:
    """One method's results over a source's paintings, as they come in."""

    scored: list[SequenceMetrics] = field(default_factory=list)
    fid: list[float | str] = field(default_factory=list)  # one per scored painting (or why not)
    failures: list[str] = field(default_factory=list)  # "painting: error" per failed painting
    unavailable: str | None = None


@dataclass
class SourceEvaluation:
    source: str
    distance: str
    methods: dict[str, dict[str, Any]]
    real: dict[str, Any] = field(default_factory=dict)  # the real processes' own keyframes, durations, areas
    per_painting: list[dict[str, Any]] = field(default_factory=list)
    curves: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # painting -> name -> (n, 2)


def eval_size(image: np.ndarray, long_side: int) -> tuple[int, int]:
    h, w = image.shape[:2]
    scale = long_side / max(h, w)
    return max(1, int(round(w * scale))), max(1, int(round(h * scale)))


def checked_sequence(generated: Any) -> ProcessSequence:
    """``generated`` when it is a process of >= 2 frames with one time each, else ValueError."""
    if not isinstance(generated, ProcessSequence):
        raise ValueError(f"a method must return a ProcessSequence, not {type(generated).__name__}")
    if len(generated.frames) < 2 or len(generated.frames) != len(generated.times):
        raise ValueError(f"fewer than 2 frames ({len(generated.frames)} frames, {len(generated.times)} times)")
    return generated


def mean_over_paintings(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 5) if values else None


def fid_over_paintings(values: list[float | str], unavailable_reason: str | None) -> float | str | None:
    """The mean of per-painting FIDs, only when every scored painting has one."""
    if unavailable_reason:
        return unavailable_reason
    missing = [v for v in values if isinstance(v, str)]
    if missing:
        return f"unavailable on {len(missing)} of {len(values)} paintings ({missing[0]})"
    return mean_over_paintings([float(v) for v in values])


def summarise(run: MethodRun, paintings: int, distance, fid: FidScorer) -> dict[str, Any]:
    """A method's row: status, counts, failure reasons, and means over the scored paintings."""
    if run.unavailable:
        return {"status": "unavailable", "reason": run.unavailable}
    rows, scored = run.scored, len(run.scored)
    paper: dict[str, Any] = {key: mean_over_paintings([getattr(r, key) for r in rows]) for key in PAPER_METRICS}
    paper["lpips"] = paper["frame_distance"] if distance.is_lpips else (
        f"unavailable: no official LPIPS weights (frame_distance is {distance.name})")
    paper["fid_per_painting"] = fid_over_paintings(run.fid, fid.unavailable_reason) if rows else None
    diagnostics = {key: mean_over_paintings([getattr(r, key) for r in rows]) for key in DIAGNOSTICS}
    return {"status": "failed" if not scored else ("ok" if scored == paintings else "incomplete"),
            "paintings": paintings, "scored": scored, "failures": len(run.failures),
            "failure_reasons": list(run.failures), "paper": paper, "diagnostics": diagnostics}


def real_reference(reals: list[ProcessSequence], step_masks: list[np.ndarray]) -> dict[str, Any]:
    """The real processes' own keyframe counts, durations and per-step changed areas (means
    over paintings; ``step_masks``: each process's step masks), the yardstick for the generated
    ones' diagnostics."""
    areas = [step_areas(masks) for masks in step_masks]
    return {"paintings": len(reals),
            "keyframes": mean_over_paintings([len(r.frames) - 1 for r in reals]),
            "duration_min": mean_over_paintings([r.duration_s / 60.0 for r in reals]),
            "step_area_mean": mean_over_paintings([a.mean() for a in areas]),
            "step_area_max": mean_over_paintings([a.max() for a in areas])}


def evaluate_source(source: str, reals: list[ProcessSequence], methods: dict[str, Method], distance, masker,
                    eval_long_side: int = 256, fid: FidConfig = FidConfig()) -> SourceEvaluation:
    """Score every method on every real sequence; summarise per method (means over paintings)."""
    runs = {name: MethodRun() for name in methods}
    scorer = FidScorer(fid)
    out = SourceEvaluation(source, distance.name, {})
    reals = [real.resized(eval_size(real.target, eval_long_side)) for real in reals]
    sides = []
    for real in reals:
        size = (real.target.shape[1], real.target.shape[0])
        side = RealSide.of(real, distance, masker)  # the same for every method
        sides.append(side)
        curves: dict[str, np.ndarray] = {}
        for name, make in methods.items():
            run = runs[name]
            if run.unavailable:
                continue
            try:  # each method gets its own copy of the target: one drawing on it cannot change the next one's
                generated = checked_sequence(make(PaintingTask(real.painting_id, real.target.copy()))).resized(size)
                metrics = score_sequence(real, generated, distance, masker, side)
            except BaselineUnavailable as exc:
                run.unavailable = str(exc)
                continue
            except Exception as exc:  # noqa: BLE001 - counted and shown; one painting must not sink the table
                log.warning("%s on %s/%s failed: %s", name, source, real.painting_id, exc)
                run.failures.append(f"{real.painting_id}: {type(exc).__name__}: {exc}")
                continue
            run.scored.append(metrics)
            run.fid.append(scorer(real.frames[1:], generated.frames[1:]))
            curves.setdefault("real", np.asarray(metrics.real_curve))
            curves[name] = np.asarray(metrics.generated_curve)
            out.per_painting.append({"method": name, **metrics.scores(), "fid": run.fid[-1]})
        out.curves[real.painting_id] = curves
    out.methods = {name: summarise(run, len(reals), distance, scorer) for name, run in runs.items()}
    out.real = real_reference(reals, [side.masks for side in sides])
    return out
