"""Ingestion throughput against decode-only, through the stages' own code, on one thread.

Generates sample recordings (standard and harder world, 720p, ``--fps``; cached under --work)
through the fetch stage, then per video: decode-only (every frame, the frames stage's reader)
and ingest = frames (decode, 1 frame/s with its companions, JPEGs) + canvas + clean with the
real-footage detectors on (camera segments, cues, registration; the fused occluder detector
with MediaPipe when its weights are there). Prints seconds per stage, frames per second of
video and the ratio ingest / decode-only throughput (goal >= 0.5). Last line: one JSON object.

    python benchmarks/ingest.py [--seeds 901,902] [--hard-seeds 901] [--duration 60] [--fps 30]
        [--weights models/weights] [--work .cache/benchmarks/ingest]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from real_footage import configs, ingest, sample_inputs  # noqa: E402  (sets one thread for OpenCV and BLAS)

from footage_scoring import frame_decisions  # noqa: E402


def decode_only(video: Path) -> tuple[int, float]:
    from inverse_painting.media.video import open_video

    start = time.perf_counter()
    _, frames = open_video(video)
    n = sum(1 for _ in frames)
    return n, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="901,902")
    parser.add_argument("--hard-seeds", default="901")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--weights", default=str(ROOT / "models" / "weights"), help="the weights stage's folder")
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "benchmarks" / "ingest")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    work = args.work
    for stale in ("frames", "canvas", "keyframes"):  # timings need fresh items; generated videos stay cached
        shutil.rmtree(work / stale, ignore_errors=True)
    seeds = [int(s) for s in args.seeds.split(",") if s]
    hard = [int(s) for s in args.hard_seeds.split(",") if s]
    ids = sample_inputs(work, seeds, hard, args.duration, fps=args.fps)
    mediapipe = (Path(args.weights) / "mediapipe").is_dir()  # the weights stage's MediaPipe folder
    frames_cfg, canvas_cfg, clean_cfg = configs(work, args.weights, mediapipe)
    staged = ingest(frames_cfg, canvas_cfg)
    rows, totals = [], {"frames": 0, "decode_s": 0.0, "ingest_s": 0.0}
    for vid in ids:
        n, decode_s = decode_only(work / "raw" / vid / "video.mp4")
        _, clean_s = frame_decisions(work / "canvas" / vid, work / "frames" / vid, clean_cfg)
        ingest_s = staged[vid] + clean_s
        rows.append((vid, n, decode_s, staged[vid], clean_s, ingest_s))
        totals["frames"] += n
        totals["decode_s"] += decode_s
        totals["ingest_s"] += ingest_s
    print(f"{'video':<34} {'frames':>6} {'decode s':>8} {'frames+canvas s':>15} {'clean s':>7} "
          f"{'ingest s':>8} {'ratio':>6}")
    for vid, n, d, fc, c, i in rows:
        print(f"{vid:<34} {n:>6} {d:>8.1f} {fc:>15.1f} {c:>7.1f} {i:>8.1f} {d / i:>6.2f}")
    figures = {
        "videos": len(rows), "fps": args.fps, "mediapipe": mediapipe,
        "decode_fps": round(totals["frames"] / totals["decode_s"], 1),
        "ingest_fps": round(totals["frames"] / totals["ingest_s"], 1),
        "ratio": round(totals["decode_s"] / totals["ingest_s"], 3),
        "ingest_s_per_video_minute": round(totals["ingest_s"] / (len(rows) * args.duration / 60), 1),
    }
    print(f"decode-only {figures['decode_fps']} frames/s, ingest {figures['ingest_fps']} frames/s: ratio "
          f"{figures['ratio']} (goal >= 0.5); {figures['ingest_s_per_video_minute']} s per minute of video")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
