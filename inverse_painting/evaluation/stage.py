"""The ``evaluate`` stage body: validation split (model from the paint stage's outputs) and,
when present, a folder of real keyframes (painted here), each beside the two baselines."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any


from ..pipeline import atomic_write_json
from .baselines import crossfade, stroke_process_baseline
from .evaluate import SourceEvaluation, evaluate_source
from .sequences import ProcessSequence, sequence_from_folder, sequence_from_paint, sequence_from_result, sequences_from_rows

log = logging.getLogger(__name__)


def baseline_frame_count(dataset: str, setting: Any) -> int:
    """``auto``: the mean number of steps per painting of the train split (never the held-out one)."""
    if setting not in (None, "auto"):
        return int(setting)
    from ..training.data import load_pairs

    ids = load_pairs(dataset, "train")["painting_id"]
    return max(1, int(round(len(ids) / max(1, len(set(ids))))))


def _methods(model_method, n_frames: int, interval: float) -> dict:
    return {
        "model": model_method,
        "crossfade": lambda real: crossfade(real.painting_id, real.target, n_frames, interval),
        "stroke_process": lambda real: stroke_process_baseline(real.painting_id, real.target, n_frames, interval),
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
    from ..annotate.masks import DifferenceMasker
    from ..painting.distance import load_distance
    from ..painting.loop import PaintSettings, load_painter, paint
    from ..painting.outputs import write_outputs
    from ..training.data import load_pairs

    from ..painting.stage import step_interval

    p = {**p, "interval": step_interval(str(p["dataset"]), p["interval"])}
    out_dir = Path(p["out"])
    distance = load_distance(p)
    masker = DifferenceMasker.from_params(p)
    interval = float(p["interval"])
    n_frames = baseline_frame_count(p["dataset"], p.get("baseline_frames", "auto"))
    report: dict[str, Any] = {"distance": distance.name, "mask_backend": masker.backend, "interval_s": interval,
                              "baseline_frames": n_frames}

    painter: dict[str, Any] = {}

    def paint_live(real: ProcessSequence, folder: Path, settings: dict[str, Any] | None = None) -> ProcessSequence:
        if "model" not in painter:
            painter["model"] = load_painter(p["model"])
        result = paint(painter["model"], real.target, PaintSettings.from_params(settings or p), distance)
        write_outputs(result, folder, fps=2.0)
        return sequence_from_result(real.painting_id, result)

    def from_paint_stage(real: ProcessSequence) -> ProcessSequence:
        """The paint stage's run for this painting; painted here when that run is missing."""
        folder = Path(p.get("paint") or out_dir / "painted") / real.painting_id
        if (folder / "paint.json").is_file():
            return sequence_from_paint(folder, real.target)
        return paint_live(real, out_dir / "painted" / real.painting_id)

    reals = sequences_from_rows(load_pairs(p["dataset"], p["split"]))
    ev = evaluate_source(p["split"], reals, _methods(from_paint_stage, n_frames, interval), distance, masker,
                         int(p["eval_long_side"]), p.get("fid_inception"))
    report[p["split"]] = {"paintings": len(reals), "methods": ev.methods}
    write_curves(ev, out_dir, Path(p["curves"]))
    rows = list(ev.per_painting)

    folder = Path(p.get("real_sequence") or "")
    if p.get("real_sequence") and folder.is_dir():
        real_seq = sequence_from_folder(folder)
        real_p = {**p, "interval": float(p.get("real_sequence_interval") or interval)}
        methods = _methods(lambda real: paint_live(real, out_dir / "real_sequence", real_p), n_frames,
                           real_p["interval"])
        ev = evaluate_source("real_sequence", [real_seq], methods, distance, masker, int(p["eval_long_side"]),
                             p.get("fid_inception"))
        report["real_sequence"] = {"paintings": 1, "folder": str(folder), "interval_s": real_p["interval"],
                                   "methods": ev.methods}
        write_curves(ev, out_dir, Path(p["curves"]))
        rows += [{"source": "real_sequence", **r} for r in ev.per_painting]
    else:
        report["real_sequence"] = {"status": "absent", "folder": str(folder)}
    atomic_write_json(out_dir / "per_painting.json", rows)
    atomic_write_json(report_path, report)
    return report


def table(report: dict[str, Any]) -> str:
    """The report as a readable table: one row per (source, method)."""
    lines = [f"{'source':15s} {'method':15s} {'frame_dist':>10s} {'IoU':>6s} {'DDC':>7s} {'DTS min':>8s}  FID"]
    for source, block in report.items():
        if not isinstance(block, dict) or "methods" not in block:
            continue
        for name, m in block["methods"].items():
            if m.get("status") != "ok":
                lines.append(f"{source:15s} {name:15s} {m.get('status')}: {m.get('reason', m.get('failures', ''))}"[:160])
                continue
            fid = m["fid"] if isinstance(m["fid"], float) else "unavailable"
            lines.append(f"{source:15s} {name:15s} {m['frame_distance']:10.4f} {m['iou']:6.3f} {m['ddc']:7.3f} "
                         f"{m['dts_min']:8.2f}  {fid}")
    return "\n".join(lines)


__all__ = ["baseline_frame_count", "run_evaluation", "table", "write_curves"]
