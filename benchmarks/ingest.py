"""Ingestion speed and accuracy on freshly generated 720p sample videos.

Decode-only frames/s (sequential decode of every frame) vs decode + canvas + clean frames/s
(the same decode, 1 frame/s sampled, canvas tracked and rectified, occluders found,
keyframes selected), both counted in video frames; plus quad IoU and occluded-frame
recall/precision against the ground truth. Last line: one JSON object.

    python benchmarks/ingest.py [--seeds 901,902] [--duration 60]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from inverse_painting.canvas import ClassicalCanvasDetector, quad_iou, rectified_size, rectify, track_canvas
from inverse_painting.clean import ClassicalOccluderDetector, select_keyframes
from inverse_painting.clean.occluders import analysis_frames
from inverse_painting.media.video import open_video, sample_frames
from inverse_painting.sample import SampleSpec, generate_sample_video

MIN_OCCLUDER_FRACTION = 0.0005


def decode_only(video: Path) -> tuple[int, float]:
    start = time.perf_counter()
    _, frames = open_video(video)
    n = sum(1 for _ in frames)
    return n, time.perf_counter() - start


def ingest(video: Path) -> tuple[dict, float]:
    """Decode, sample 1 frame/s, track and rectify the canvas, find occluders, pick keyframes."""
    start = time.perf_counter()
    sampled = list(sample_frames(video, 1.0))
    track = track_canvas(lambda k: sampled[k].image, len(sampled), ClassicalCanvasDetector())
    size = rectified_size(track.aspect(), 512)
    margin = int(round(0.15 * size[0]))
    present = [f for f in track.frames if f.quad is not None]
    rectified = [rectify(sampled[f.position].image, f.quad, size, margin) for f in present]
    box = (margin, margin, margin + size[0], margin + size[1])
    frames = analysis_frames(lambda k: rectified[k], len(rectified), box)
    occlusions = ClassicalOccluderDetector().detect(frames, lambda k: rectified[k])
    clear = [i for i, o in enumerate(occlusions) if o.fraction < MIN_OCCLUDER_FRACTION]
    verdicts = select_keyframes([frames.canvas(i) for i in clear], [sampled[present[i].position].t for i in clear])
    elapsed = time.perf_counter() - start
    result = {"times": [s.t for s in sampled], "indices": [s.index for s in sampled],
              "quads": {f.position: f.quad for f in present},
              "occluded": {present[i].position: o.fraction >= MIN_OCCLUDER_FRACTION for i, o in enumerate(occlusions)},
              "keyframes": sum(v.kept for v in verdicts)}
    return result, elapsed


def score(result: dict, gt: dict) -> dict:
    ious, tp, fp, fn = [], 0, 0, 0
    for pos, index in enumerate(result["indices"]):
        truth = gt["frames"][index]
        if truth["quad"] is None:
            continue
        quad = result["quads"].get(pos)
        ious.append(0.0 if quad is None else quad_iou(quad, np.array(truth["quad"])))
        flagged = result["occluded"].get(pos, False)
        tp += truth["occluded"] and flagged
        fn += truth["occluded"] and not flagged
        fp += flagged and not truth["occluded"]
    return {"ious": ious, "tp": tp, "fp": fp, "fn": fn}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="901,902,903")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--fps", type=float, default=10.0)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    rows, ious, tp, fp, fn = [], [], 0, 0, 0
    decode_frames = decode_s = ingest_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            folder = Path(tmp) / f"sample-{seed}"
            gt = generate_sample_video(folder, SampleSpec(seed=seed, duration_s=args.duration, fps=args.fps))
            n, t_decode = decode_only(folder / "video.mp4")
            result, t_ingest = ingest(folder / "video.mp4")
            s = score(result, gt)
            ious += s["ious"]
            tp, fp, fn = tp + s["tp"], fp + s["fp"], fn + s["fn"]
            decode_frames += n
            decode_s += t_decode
            ingest_s += t_ingest
            rows.append((seed, n, n / t_decode, n / t_ingest, float(np.mean(s["ious"])), s["tp"], s["fp"], s["fn"],
                         result["keyframes"]))
    print(f"{'seed':>5} {'frames':>6} {'decode fps':>10} {'ingest fps':>10} {'quad IoU':>8} {'tp':>3} {'fp':>3} "
          f"{'fn':>3} {'keyframes':>9}")
    for seed, n, dfps, ifps, iou, a, b, c, k in rows:
        print(f"{seed:>5} {n:>6} {dfps:>10.1f} {ifps:>10.1f} {iou:>8.4f} {a:>3} {b:>3} {c:>3} {k:>9}")
    figures = {
        "decode_fps": round(decode_frames / decode_s, 1),
        "ingest_fps": round(decode_frames / ingest_s, 1),
        "ratio": round(decode_s / ingest_s, 3),
        "quad_iou": round(float(np.mean(ious)), 4),
        "occluded_recall": round(tp / max(tp + fn, 1), 4),
        "occluded_precision": round(tp / max(tp + fp, 1), 4),
    }
    print(f"decode-only {figures['decode_fps']} frames/s, decode+canvas+clean {figures['ingest_fps']} frames/s "
          f"(ratio {figures['ratio']}, goal >= 0.5); quad IoU {figures['quad_iou']}; occluded frames recall "
          f"{figures['occluded_recall']}, precision {figures['occluded_precision']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
