"""Painting speed: seconds per keyframe at 256 and 512 px, and UNet passes per keyframe.

Paints through ``PaintingPipeline`` with the default model architecture of params.yaml
``train`` (weights do not change the cost: a freshly initialised model is timed unless
--model names a trained pipeline), the default sampler (DDIM, 4 steps, no guidance), on the
threads given (default 2, like the CI machine). A size is the canvas's long side (the
keyframes' size); the renderer works at the model's resolution and the step is composited at
the canvas size, with the outstanding mask and the visibility judged by the official LPIPS at
long side 256. The stop rules are switched off, so every run paints exactly --keyframes
keyframes. Goal: <= 1 s per 256 px keyframe on 2 CPU cores. Last line: one JSON object.

    python benchmarks/paint.py [--model models/painter] [--threads 2] [--keyframes 6] [--sizes 256,512]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="", help="trained painting pipeline (default: a fresh default-size model)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keyframes", type=int, default=6)
    ap.add_argument("--sizes", default="256,512")
    ap.add_argument("--sampler-steps", type=int, default=4)
    args = ap.parse_args()

    import torch
    import yaml

    from inverse_painting.config import parse_config
    from inverse_painting.models.sampler import make_scheduler
    from inverse_painting.painting import PaintingPipeline
    from inverse_painting.sample import make_landscape
    from inverse_painting.training.config import TrainConfig, build_model

    torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.model:
        pipe = PaintingPipeline.load(args.model, device)
    else:
        params = yaml.safe_load((ROOT / "params.yaml").read_text())["train"]
        torch.manual_seed(0)
        model = build_model(parse_config(TrainConfig, params, "train"), ["sky", "mountain", "water", "trees", "grass"])
        pipe = PaintingPipeline(model.eval(), make_scheduler(model.config)).to(device)
    target = make_landscape(11, (512, 384)).final()
    figures: dict[str, float | int | str] = {"device": device if device == "cuda" else f"cpu x{args.threads} threads",
                                            "renderer_resolution": int(pipe.model.config.resolution),
                                            "load_average_1min": round(os.getloadavg()[0], 2)}
    lpips = str(ROOT / "models" / "weights")
    never_stop = dict(stop_outstanding=-1.0, stop_lpips=-1.0, stop_fallback=-1.0, min_gain=-1.0, min_left_gain=-1.0,
                      min_visible=0.0, finish=False, sampler_steps=args.sampler_steps, lpips_weights=lpips)
    print(f"{'size':>6s} {'keyframes':>9s} {'s/keyframe':>11s} {'UNet passes/keyframe':>21s}")
    for size in [int(s) for s in args.sizes.split(",")]:
        pipe(target, interval=20.0, max_frames=1, max_output_side=size, **never_stop)  # warm-up
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        result = pipe(target, interval=20.0, max_frames=args.keyframes, max_output_side=size, **never_stop)
        seconds = (time.perf_counter() - start) / len(result.steps)
        passes = result.unet_passes / len(result.steps)
        print(f"{size:6d} {len(result.steps):9d} {seconds:11.3f} {passes:21.1f}")
        figures[f"s_per_keyframe_{size}"] = round(seconds, 4)
        figures["unet_passes_per_keyframe"] = passes
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
