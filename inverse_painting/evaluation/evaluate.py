"""Evaluate methods (the model, baselines) against real painting processes of one source.

A method is a function ``real sequence -> generated sequence`` (it sees the real target, and
nothing else is meant to be used); ``BaselineUnavailable`` turns a method into an
"unavailable" row instead of an error. All sequences are compared at one size (the real
target's aspect, long side ``eval_long_side``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .baselines import BaselineUnavailable
from .fid import fid_status
from .metrics import SequenceMetrics, score_sequence
from .sequences import ProcessSequence

log = logging.getLogger(__name__)
Method = Callable[[ProcessSequence], ProcessSequence]
SCORES = ("frame_distance", "iou", "ddc", "dts_min")


@dataclass
class SourceEvaluation:
    source: str
    distance: str
    methods: dict[str, dict[str, Any]]
    per_painting: list[dict[str, Any]] = field(default_factory=list)
    curves: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # painting -> name -> (n, 2)


def eval_size(image: np.ndarray, long_side: int) -> tuple[int, int]:
    h, w = image.shape[:2]
    scale = long_side / max(h, w)
    return max(1, int(round(w * scale))), max(1, int(round(h * scale)))


def evaluate_source(source: str, reals: list[ProcessSequence], methods: dict[str, Method], distance, masker,
                    eval_long_side: int = 256, fid_inception: str | None = None) -> SourceEvaluation:
    """Score every method on every real sequence; summarise per method (means over paintings)."""
    results: dict[str, list[SequenceMetrics]] = {name: [] for name in methods}
    unavailable: dict[str, str] = {}
    failures: dict[str, list[str]] = {name: [] for name in methods}
    frames: dict[str, list[np.ndarray]] = {name: [] for name in methods}
    real_frames: list[np.ndarray] = []
    out = SourceEvaluation(source, distance.name, {})
    for real in reals:
        real = real.resized(eval_size(real.target, eval_long_side))
        real_frames += real.frames[1:]
        curves: dict[str, np.ndarray] = {}
        for name, make in methods.items():
            if name in unavailable:
                continue
            try:
                generated = make(real)
                metrics = score_sequence(real, generated, distance, masker)
            except BaselineUnavailable as exc:
                unavailable[name] = str(exc)
                continue
            except Exception as exc:  # noqa: BLE001 - one painting must not sink the table
                log.warning("%s on %s/%s failed: %s", name, source, real.painting_id, exc)
                failures[name].append(f"{real.painting_id}: {type(exc).__name__}: {exc}")
                continue
            results[name].append(metrics)
            frames[name] += generated.resized((real.target.shape[1], real.target.shape[0])).frames[1:]
            curves.setdefault("real", np.asarray(metrics.real_curve))
            curves[name] = np.asarray(metrics.generated_curve)
            out.per_painting.append({"method": name, **metrics.scores()})
        out.curves[real.painting_id] = curves
    for name in methods:
        if name in unavailable:
            out.methods[name] = {"status": "unavailable", "reason": unavailable[name]}
            continue
        rows = results[name]
        summary: dict[str, Any] = {"status": "ok" if rows else "failed", "paintings": len(rows)}
        for key in SCORES:
            summary[key] = round(float(np.mean([getattr(r, key) for r in rows])), 5) if rows else None
        summary["lpips"] = summary["frame_distance"] if distance.is_lpips else (
            f"unavailable: no official LPIPS weights (frame_distance is {distance.name})")
        summary["mean_keyframes"] = round(float(np.mean([r.generated_keyframes for r in rows])), 2) if rows else None
        summary["fid"] = fid_status(real_frames, frames[name], fid_inception) if rows else None
        if failures[name]:
            summary["failures"] = failures[name]
        out.methods[name] = summary
    return out
