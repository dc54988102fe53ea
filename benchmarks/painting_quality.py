"""Painting quality: the painter beside its baselines, on the project's own evaluation.

Trains the quality configuration (``QUALITY``: a larger renderer and mask generator, 1100
steps; the data comes from ``--dataset``, see README "Quality configuration") unless
``--model`` names a trained painting pipeline, then paints

- the validation split of ``--dataset`` and the real sequence (``--real-sequence``), scored
  by ``inverse_painting.evaluation.evaluate_source`` (official LPIPS, IoU of D(., ., 0.2)
  masks, DDC, DTS) for the model, the stroke process and the cross-fade;
- held-out sample paintings (seeds 900-904, never trained on): keyframes until the stop, the
  changed area of every step, and the Spearman correlation of the time map (the step that
  last changed each pixel) with the true back-to-front layer order;
- the real paintings in ``--paintings``: keyframes until the stop and the step areas.

Protocol (printed and in the JSON): the baselines take their frame count (mean steps per
painting) and interval (median step) from the train split of ``--dataset``, the painter's
own training data when it was trained on that dataset; the real sequence uses 20 s. Contact
sheets, time maps and time-lapses go to ``--out``. Last line: one JSON object.

    python benchmarks/painting_quality.py [--model models/painter] [--threads 2] [--out reports/painting_quality]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HELD_OUT = (900, 901, 902, 903, 904)  # refused by the sequences stage: never trained on
QUALITY = {"renderer_channels": (32, 64, 96, 96), "mask_channels": (16, 32, 64, 64), "steps": 1100}
METHODS = ("model", "stroke_process", "crossfade")


def train_quality(dataset: str, out: Path, threads: int) -> tuple[str, float]:
    """Train the quality configuration on ``dataset`` into ``out``; (folder, seconds)."""
    import yaml

    from dataclasses import replace

    from inverse_painting.config import parse_config
    from inverse_painting.training.config import TrainConfig
    from inverse_painting.training.trainer import train

    params = yaml.safe_load((ROOT / "params.yaml").read_text())["train"]
    cfg = replace(parse_config(TrainConfig, params, "train"), dataset=dataset, out=str(out), live_dir=None,
                  threads=threads, **QUALITY)
    result = train(cfg)
    return str(out), float(result.seconds)


def method_table(pipe, dataset: str, real_sequence: str, out: Path, max_frames: int) -> tuple[list[dict], dict]:
    """Model, stroke process and cross-fade on the validation split and the real sequence."""
    from inverse_painting.evaluation.baselines import baseline_methods
    from inverse_painting.evaluation.evaluate import evaluate_source
    from inverse_painting.evaluation.sequences import sequence_from_folder, sequence_from_result, sequences_from_rows
    from inverse_painting.evaluation.stage import baseline_frame_count
    from inverse_painting.painting.outputs import write_outputs
    from inverse_painting.painting.stage import step_interval
    from inverse_painting.perceptual.distance import load_distance
    from inverse_painting.perceptual.masks import DifferenceMasker, MaskSettings
    from inverse_painting.records.dataset import load_pairs

    weights = str(ROOT / "models" / "weights")
    distance = load_distance("lpips", weights)
    masker = DifferenceMasker.build(MaskSettings(backend="lpips", lpips_weights=weights, alpha=0.2))
    interval, n_frames = step_interval(dataset, "auto"), baseline_frame_count(dataset, "auto")
    protocol = {"baselines_from": f"the train split of {dataset} (mean steps per painting, median step)",
                "baseline_frames": n_frames, "validation_interval_s": interval, "real_sequence_interval_s": 20.0,
                "painter_trained_on": dict(pipe.config.training)}
    sources = [("validation", sequences_from_rows(load_pairs(dataset, "validation")), interval)]
    if Path(real_sequence).is_dir():
        sources.append(("real_sequence", [sequence_from_folder(real_sequence)], 20.0))
    rows, keyframes = [], {}
    for source, reals, dt in sources:
        def model(task, source=source, dt=dt):
            result = pipe(task.target, interval=dt, max_frames=max_frames)
            write_outputs(result, out / f"{source}_{task.painting_id}", fps=2.0)
            areas = step_areas(result.frames, masker)
            keyframes[f"{source}/{task.painting_id}"] = {"keyframes": len(result.steps), "stopped": result.stopped,
                                                         "stop_reason": result.stop_reason,
                                                         "step_areas": [round(float(a), 3) for a in areas]}
            return sequence_from_result(task.painting_id, result)

        methods = {"model": model, **{k: v for k, v in baseline_methods(n_frames, dt).items() if k in METHODS}}
        ev = evaluate_source(source, reals, methods, distance, masker, 256)
        rows += [_row(source, name, m) for name, m in ev.methods.items()]
        protocol[f"{source}_real"] = ev.real
    return rows, {**protocol, "model_keyframes": keyframes}


def _row(source: str, name: str, m: dict) -> dict:
    if m.get("status") not in ("ok", "incomplete"):
        return {"source": source, "method": name, "status": m.get("status")}
    p, d = m["paper"], m["diagnostics"]
    return {"source": source, "method": name, "lpips": p["frame_distance"], "iou": p["iou"], "ddc": p["ddc_sum"],
            "dts": p["dts_min"], "step_area_mean": d["step_area_mean"], "step_area_max": d["step_area_max"],
            "keyframes": d["generated_keyframes"], "order_agreement": d["order_agreement"]}


def step_areas(frames: list[np.ndarray], masker) -> np.ndarray:
    """Share of the canvas each step changed, D(after, before, 0.2) at long side 256."""
    from inverse_painting.perceptual.masks import fit_long_side

    small = [fit_long_side(f, 256) for f in frames]
    return (masker.masks(small[1:], small[:-1]) > 0).reshape(len(small) - 1, -1).mean(1)


def held_out(pipe, masker, out: Path, max_frames: int) -> list[dict]:
    """Held-out sample paintings: keyframes until the stop, step areas, time map vs layer order."""
    import cv2

    from inverse_painting.painting.outputs import write_outputs
    from inverse_painting.sample.stills import layer_rank
    from inverse_painting.sample.video import still_landscape
    from inverse_painting.synth.evaluate import order_depth_spearman

    rows = []
    for seed in HELD_OUT:
        landscape = still_landscape(seed, 512)
        r = pipe(landscape.final(), max_frames=max_frames)
        write_outputs(r, out / f"still_{seed}", fps=2.0)
        h, w = r.frames[0].shape[:2]
        rank = cv2.resize(layer_rank(landscape).astype(np.float32), (w, h), interpolation=cv2.INTER_NEAREST)
        time_map = r.time_map()
        areas = step_areas(r.frames, masker)
        rows.append({"seed": seed, "keyframes": len(r.steps), "stopped": r.stopped, "stop_reason": r.stop_reason,
                     "step_areas": [round(float(a), 3) for a in areas],
                     "max_area_after_first": round(float(areas[1:].max()) if len(areas) > 1 else 0.0, 3),
                     "final_lpips": _last_painted(r),
                     "spearman": round(order_depth_spearman(np.where(time_map > 0, time_map, -1), rank), 3)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def _last_painted(result) -> float:
    """The distance to the target of the last keyframe the model painted (before the finish)."""
    painted = [s.distance for s in result.steps if s.mask_source != "finish"]
    return round(painted[-1], 4) if painted else 1.0


def paintings(pipe, masker, folder: str, out: Path, max_frames: int) -> list[dict]:
    from inverse_painting.media import read_image
    from inverse_painting.painting.outputs import write_outputs

    rows = []
    for path in sorted(Path(folder).iterdir()) if Path(folder).is_dir() else []:
        r = pipe(read_image(path), max_frames=max_frames)
        write_outputs(r, out / f"painting_{path.stem}", fps=2.0)
        areas = step_areas(r.frames, masker)
        rows.append({"painting": path.stem, "keyframes": len(r.steps), "stopped": r.stopped,
                     "stop_reason": r.stop_reason, "step_areas": [round(float(a), 3) for a in areas],
                     "final_lpips": _last_painted(r),
                     "s_per_keyframe": round(r.seconds / max(1, len(r.steps)), 3),
                     "unet_passes_per_keyframe": round(r.unet_passes / max(1, len(r.steps)), 2)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def print_table(rows: list[dict]) -> None:
    print("| source | method | LPIPS | IoU | DDC | DTS | step area mean / max | keyframes |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "lpips" in r:
            print(f"| {r['source']} | {r['method']} | {r['lpips']:.3f} | {r['iou']:.3f} | {r['ddc']:.2f} | "
                  f"{r['dts']:.2f} | {r['step_area_mean']:.2f} / {r['step_area_max']:.2f} | {r['keyframes']:.0f} |")
        else:
            print(f"| {r['source']} | {r['method']} | {r.get('status')} | | | | | |")


def verdict(rows: list[dict]) -> dict:
    """Per source: whether the model beats both baselines on each of LPIPS, IoU, DDC, DTS."""
    out = {}
    for source in sorted({r["source"] for r in rows}):
        by = {r["method"]: r for r in rows if r["source"] == source and "lpips" in r}
        if "model" not in by:
            continue
        others = [m for k, m in by.items() if k != "model"]
        out[source] = {"lpips": all(by["model"]["lpips"] < o["lpips"] for o in others),
                       "iou": all(by["model"]["iou"] > o["iou"] for o in others),
                       "ddc": all(by["model"]["ddc"] < o["ddc"] for o in others),
                       "dts": all(by["model"]["dts"] < o["dts"] for o in others)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="", help="a trained painting pipeline (default: train the quality one)")
    ap.add_argument("--dataset", default="data/dataset")
    ap.add_argument("--real-sequence", default="data/real_sequence")
    ap.add_argument("--paintings", default=str(ROOT.parent / "shared" / "data" / "real_paintings"))
    ap.add_argument("--out", default="reports/painting_quality")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-frames", type=int, default=30)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a painting setting for every painting (PaintSettings name, e.g. finish=false)")
    args = ap.parse_args()

    import torch

    from inverse_painting.painting import PaintingPipeline
    from inverse_painting.perceptual.masks import DifferenceMasker, MaskSettings

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    trained_s = None
    model = args.model
    if not model:
        model, trained_s = train_quality(args.dataset, out / "model", args.threads)
    pipe = PaintingPipeline.load(model)
    overrides = {k: json.loads(v.lower()) if v.lower() in ("true", "false") else json.loads(v)
                 for k, v in (s.split("=", 1) for s in args.set)}
    if overrides:
        pipe.register_to_config(defaults={**pipe.config.defaults, **overrides})
    masker = DifferenceMasker.build(MaskSettings(backend="lpips", lpips_weights=str(ROOT / "models" / "weights")))
    started = time.perf_counter()
    rows, protocol = method_table(pipe, args.dataset, args.real_sequence, out, args.max_frames)
    print_table(rows)
    stills = held_out(pipe, masker, out, args.max_frames)
    real = paintings(pipe, masker, args.paintings, out, args.max_frames)
    figures = {"model": model, "training_seconds": trained_s, "settings": overrides, "protocol": protocol,
               "table": rows, "beats_both_baselines": verdict(rows), "held_out": stills, "real_paintings": real,
               "held_out_stopped": sum(s["stopped"] for s in stills), "held_out_spearman_mean":
               round(float(np.mean([s["spearman"] for s in stills])), 3),
               "max_step_area_after_first": max([s["max_area_after_first"] for s in stills] or [0.0]),
               "seconds": round(time.perf_counter() - started, 1), "contact_sheets": str(out)}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
