"""The ``evaluate`` stage body: validation split (model from the paint stage's outputs) and,
when present, a folder of real keyframes (painted here), each beside three baselines."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..painting.stage import step_interval
from ..perceptual.official import DEFAULT_WEIGHTS
from ..pipeline import atomic_write_json
from ..records.dataset import load_pairs
from .baselines import baseline_methods
from .config import EvaluateConfig
from .evaluate import Method, PaintingTask, SourceEvaluation, evaluate_source
from .report import CONVENTIONS
from .sequences import ProcessSequence, sequence_from_folder, sequence_from_paint, sequence_from_result, sequences_from_rows

log = logging.getLogger(__name__)


def baseline_frame_count(dataset: str, setting: int | str) -> int:
    """``auto``: the mean number of steps per painting of the train split (never the held-out one)."""
    if setting not in (None, "auto"):
        return int(setting)
    ids = load_pairs(dataset, "train")["painting_id"]
    return max(1, int(round(len(ids) / max(1, len(set(ids))))))


def baselines_record(cfg: EvaluateConfig, n_frames: int, interval: float) -> dict[str, Any]:
    """Where each baseline's frame count and interval come from (the train split or params,
    never the evaluated painting); ``cfg`` holds the settings as given (``auto`` or a number)."""
    auto_frames = cfg.baseline_frames in (None, "auto")
    auto_interval = str(cfg.interval) == "auto"
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


class _Evaluation:
    """One evaluation run: its distance and masker, the painter (loaded when first needed) and
    the per-painting rows of every source."""

    def __init__(self, cfg: EvaluateConfig):
        from ..perceptual.distance import load_distance
        from ..perceptual.masks import DifferenceMasker

        self.cfg = cfg
        self.out_dir = Path(cfg.out)
        self.interval = step_interval(cfg.dataset, cfg.interval)
        self.distance = load_distance(cfg.distance, cfg.lpips_weights or DEFAULT_WEIGHTS)
        self.masker = DifferenceMasker.build(cfg.mask_settings())
        self.n_frames = baseline_frame_count(cfg.dataset, cfg.baseline_frames)
        self.rows: list[dict[str, Any]] = []
        self._painter = None

    def methods(self, model: Method, interval: float) -> dict[str, Method]:
        """The model and every baseline, in report order."""
        return {"model": model, **baseline_methods(self.n_frames, interval)}

    def paint_live(self, task: PaintingTask, folder: Path, interval: float) -> ProcessSequence:
        """Paint ``task``'s target here (``PaintingPipeline``), writing the run to ``folder``."""
        from ..painting.outputs import write_outputs
        from ..painting.stage import painter

        if self._painter is None:
            self._painter = painter(self.cfg.model)
        result = self._painter(task.target, **self.cfg.paint_settings(interval))
        write_outputs(result, folder, fps=2.0)
        return sequence_from_result(task.painting_id, result)

    def from_paint_stage(self, task: PaintingTask) -> ProcessSequence:
        """The paint stage's run for this painting; painted here when that run is missing."""
        folder = Path(self.cfg.paint or self.out_dir / "painted") / task.painting_id
        if (folder / "paint.json").is_file():
            return sequence_from_paint(folder, task.target)
        return self.paint_live(task, self.out_dir / "painted" / task.painting_id, self.interval)

    def evaluate(self, source: str, reals: list[ProcessSequence], methods: dict[str, Method]) -> SourceEvaluation:
        """Score ``methods`` on ``reals``; write their curves; keep their per-painting rows."""
        ev = evaluate_source(source, reals, methods, self.distance, self.masker, self.cfg.eval_long_side,
                             self.cfg.fid())
        write_curves(ev, self.out_dir, Path(self.cfg.curves))
        self.rows.extend({"source": source, **r} for r in ev.per_painting)
        return ev

    def split(self) -> dict[str, Any]:
        """The report block of the dataset split: the model from the paint stage's outputs."""
        reals = sequences_from_rows(load_pairs(self.cfg.dataset, self.cfg.split))
        ev = self.evaluate(self.cfg.split, reals, self.methods(self.from_paint_stage, self.interval))
        return {"paintings": len(reals), "real": ev.real, "methods": ev.methods}

    def real_sequence(self) -> dict[str, Any]:
        """The report block of the real keyframe folder (painted here), or why it is absent."""
        folder = Path(self.cfg.real_sequence or "")
        if not (self.cfg.real_sequence and folder.is_dir()):
            return {"status": "absent", "folder": str(folder)}
        interval = float(self.cfg.real_sequence_interval or self.interval)

        def model(task: PaintingTask) -> ProcessSequence:
            return self.paint_live(task, self.out_dir / "real_sequence", interval)

        ev = self.evaluate("real_sequence", [sequence_from_folder(folder)], self.methods(model, interval))
        return {"paintings": 1, "folder": str(folder), "interval_s": interval, "real": ev.real, "methods": ev.methods}


def run_evaluation(cfg: EvaluateConfig, report_path: str | Path = "reports/evaluate.json") -> dict[str, Any]:
    """Evaluate the split and the real sequence; write ``per_painting.json`` and the report."""
    run = _Evaluation(cfg)
    report: dict[str, Any] = {"distance": run.distance.name, "mask_backend": run.masker.backend,
                              "interval_s": run.interval, "baseline_frames": run.n_frames,
                              "baselines": baselines_record(cfg, run.n_frames, run.interval),
                              "conventions": CONVENTIONS}
    report[cfg.split] = run.split()
    report["real_sequence"] = run.real_sequence()
    atomic_write_json(run.out_dir / "per_painting.json", run.rows)
    atomic_write_json(report_path, report)
    return report


__all__ = ["EvaluateConfig", "baseline_frame_count", "run_evaluation", "write_curves"]
