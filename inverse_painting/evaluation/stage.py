"""The ``evaluate`` stage body: validation split (model from the paint stage's outputs) and,
when present, a folder of real keyframes (painted here), each beside three baselines."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any


from ..pipeline import atomic_write_json
from .baselines import crossfade, instant, stroke_process_baseline
from .evaluate import PaintingTask, SourceEvaluation, evaluate_source
from .report import CONVENTIONS, table
from .sequences import ProcessSequence, sequence_from_folder, sequence_from_paint, sequence_from_result, sequences_from_rows

log = logging.getLogger(__name__)


def baseline_frame_count(dataset: str, setting: Any) -> int:
    """``auto``: the mean number of steps per painting of the train split (never the held-out one)."""
    if setting not in (None, "auto"):
        return int(setting)
    from ..training.data import load_pairs

    ids = load_pairs(dataset, "train")["painting_id"]
    return max(1, int(round(len(ids) / max(1, len(set(ids))))))


def baselines_record(p: dict[str, Any], n_frames: int, interval: float) -> dict[str, Any]:
    """Where each baseline's frame count and interval come from (the train split or params,
    never the evaluated painting); ``p`` holds the settings as given (``auto`` or a number)."""
    auto_frames = p.get("baseline_frames", "auto") in (None, "auto")
    auto_interval = str(p["interval"]) == "auto"
    return {
        "frames": n_frames,
        "frames_from": "mean steps per painting of the train split" if auto_frames else "evaluate.baseline_frames",
        "interval_s": interval,
        "interval_from": "median step duration of the train split" if auto_interval else "evaluate.interval",
        "real_sequence_interval_from": "evaluate.real_sequence_interval (the split's interval when empty)",
        "crossfade": f"linear blend from the blank canvas to the target in {n_frames} steps of the interval",
        "stroke_process": f"the synthetic stroke process (synth.stroke_process) in {n_frames} steps of the interval",
        "instant": "the blank canvas, then the target one interval later (a single step)",
    }


def _methods(model_method, n_frames: int, interval: float) -> dict:
    return {
        "model": model_method,
        "crossfade": lambda task: crossfade(task.painting_id, task.target, n_frames, interval),
        "stroke_process": lambda task: stroke_process_baseline(task.painting_id, task.target, n_frames, interval),
        "instant": lambda task: instant(task.painting_id, task.target, interval),
    }


def write_curves(ev: SourceEvaluation, folder: Path, csv_folder: Path) -> list[Path]:
    """One PNG per painting (all methods) and one CSV per method for DVC plots."""
    from ..media import write_image
    from ..pipeline import atomic_write_text
    from .plots import curves_image

    written = []
    by_method: dict[str, list[str]] = {}
    for pid, curves in ev.curves.items():
        written.append(write_image(folder / f"curves_{ev.source}_{pid}.png",
                                   curves_image(curves, f"{ev.source} / {pid}: distance to target ({ev.distance})")))
        for name, c in curves.items():
            by_method.setdefault(name, []).extend(f"{x:.4f},{y:.5f},{pid}" for x, y in c)
    for name, lines in by_method.items():
        written.append(atomic_write_text(csv_folder / f"{ev.source}_{name}.csv",
                                         "minutes,distance,painting_id\n" + "\n".join(lines) + "\n"))
    return written


def run_evaluation(p: dict[str, Any], report_path: str | Path = "reports/evaluate.json") -> dict[str, Any]:
    from ..perceptual.distance import load_distance
    from ..perceptual.masks import DifferenceMasker, MaskSettings
    from ..painting.loop import PaintSettings, load_painter, paint
    from ..painting.outputs import write_outputs
    from ..training.data import load_pairs

    from ..painting.stage import step_interval

    given = dict(p)  # "auto" or numbers, as the params say: where the baselines' settings come from
    p = {**p, "interval": step_interval(str(p["dataset"]), p["interval"])}
    out_dir = Path(p["out"])
    distance = load_distance(str(p.get("distance") or "lpips"), str(p.get("lpips_weights") or "models/weights"))
    masker = DifferenceMasker.build(MaskSettings(
        backend=p.get("mask_backend", "lpips"), lpips_weights=p.get("lpips_weights") or "models/weights",
        alpha=float(p.get("alpha", 0.2)), lab_threshold=float(p.get("lab_threshold", 10.0)),
        lab_blur_sigma=float(p.get("lab_blur_sigma", 1.5))))
    interval = float(p["interval"])
    n_frames = baseline_frame_count(p["dataset"], p.get("baseline_frames", "auto"))
    report: dict[str, Any] = {"distance": distance.name, "mask_backend": masker.backend, "interval_s": interval,
                              "baseline_frames": n_frames, "baselines": baselines_record(given, n_frames, interval),
                              "conventions": CONVENTIONS}

    painter: dict[str, Any] = {}

    def paint_live(task: PaintingTask, folder: Path, settings: dict[str, Any] | None = None) -> ProcessSequence:
        if "model" not in painter:
            painter["model"] = load_painter(p["model"])
        result = paint(painter["model"], task.target, PaintSettings.from_params(settings or p), distance)
        write_outputs(result, folder, fps=2.0)
        return sequence_from_result(task.painting_id, result)

    def from_paint_stage(task: PaintingTask) -> ProcessSequence:
        """The paint stage's run for this painting; painted here when that run is missing."""
        folder = Path(p.get("paint") or out_dir / "painted") / task.painting_id
        if (folder / "paint.json").is_file():
            return sequence_from_paint(folder, task.target)
        return paint_live(task, out_dir / "painted" / task.painting_id)

    rows: list[dict[str, Any]] = []

    def evaluate(source: str, reals: list[ProcessSequence], methods: dict) -> SourceEvaluation:
        ev = evaluate_source(source, reals, methods, distance, masker, int(p["eval_long_side"]), p.get("fid_inception"))
        write_curves(ev, out_dir, Path(p["curves"]))
        rows.extend({"source": source, **r} for r in ev.per_painting)
        return ev

    reals = sequences_from_rows(load_pairs(p["dataset"], p["split"]))
    ev = evaluate(p["split"], reals, _methods(from_paint_stage, n_frames, interval))
    report[p["split"]] = {"paintings": len(reals), "real": ev.real, "methods": ev.methods}

    folder = Path(p.get("real_sequence") or "")
    if p.get("real_sequence") and folder.is_dir():
        real_p = {**p, "interval": float(p.get("real_sequence_interval") or interval)}
        methods = _methods(lambda task: paint_live(task, out_dir / "real_sequence", real_p), n_frames,
                           real_p["interval"])
        ev = evaluate("real_sequence", [sequence_from_folder(folder)], methods)
        report["real_sequence"] = {"paintings": 1, "folder": str(folder), "interval_s": real_p["interval"],
                                   "real": ev.real, "methods": ev.methods}
    else:
        report["real_sequence"] = {"status": "absent", "folder": str(folder)}
    atomic_write_json(out_dir / "per_painting.json", rows)
    atomic_write_json(report_path, report)
    return report


__all__ = ["baseline_frame_count", "run_evaluation", "table", "write_curves"]
