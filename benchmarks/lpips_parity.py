"""LPIPS parity: the project's spatial LPIPS against the Inverse Painting release's own maps.

With the weights stage's output (``models/weights``, or --weights DIR), computes
AlexNet-LPIPS v0.1 maps (``spatial=True``) between keyframes 03 -> 04 and 07 -> 08 of
../shared/data/real_sequence and compares them with the release's maps in
``official_lpips/`` (``clamp(lpips, 0, 1) * 255``, truncated, JPEG): mean |difference| in
[0, 1] units (goal <= 0.005) and IoU of the difference masks at alpha 0.2 (goal >= 0.95).
Last line: one JSON object.

    python benchmarks/lpips_parity.py [--weights models/weights] [--data ../shared/data/real_sequence]
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

PAIRS = (("03_t0053s.jpg", "04_t0072s.jpg"), ("07_t0139s.jpg", "08_t0156s.jpg"))
ALPHA = 0.2
GOALS = {"mean_abs_diff": 0.005, "mask_iou": 0.95}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=ROOT / "models" / "weights")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "real_sequence")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    official_dir = args.data / "official_lpips"
    if not official_dir.is_dir():
        print(f"no official maps at {official_dir}; nothing to compare")
        return

    import torch

    from inverse_painting.media.images import read_image
    from inverse_painting.weights import pretrained_lpips

    torch.set_num_threads(args.threads)
    model = pretrained_lpips(args.weights)
    rows = []
    for current, following in PAIRS:
        official_file = official_dir / f"lpips_{Path(current).stem}_to_{Path(following).stem}.jpg"
        official = read_image(official_file)[:, :, 0].astype(np.float32) / 255.0
        start = time.perf_counter()
        ours = model.distance_images(read_image(args.data / current), read_image(args.data / following),
                                     spatial=True)[0]
        seconds = time.perf_counter() - start
        # As the release stored it: clamped to [0, 1], times 255, truncated to 8 bits.
        ours_8bit = np.floor(np.clip(ours, 0, 1) * 255) / 255.0
        mask_ours, mask_official = ours > ALPHA, official > ALPHA
        union = np.logical_or(mask_ours, mask_official).sum()
        rows.append({"pair": f"{Path(current).stem} -> {Path(following).stem}",
                     "mean_abs_diff": float(np.abs(np.clip(ours, 0, 1) - official).mean()),
                     "mean_abs_diff_8bit": float(np.abs(ours_8bit - official).mean()),
                     "mask_iou": float(np.logical_and(mask_ours, mask_official).sum() / union) if union else 1.0,
                     "changed_ours": float(mask_ours.mean()), "changed_official": float(mask_official.mean()),
                     "seconds": seconds})
    print(f"{'pair':24} {'mean |diff|':>12} {'8-bit':>8} {'mask IoU':>9} {'changed ours':>13} {'official':>9} "
          f"{'s':>6}")
    for r in rows:
        print(f"{r['pair']:24} {r['mean_abs_diff']:12.4f} {r['mean_abs_diff_8bit']:8.4f} {r['mask_iou']:9.3f} "
              f"{r['changed_ours']:13.1%} {r['changed_official']:9.1%} {r['seconds']:6.2f}")
    figures = {key: round(float(np.mean([r[key] for r in rows])), 4)
               for key in ("mean_abs_diff", "mean_abs_diff_8bit", "mask_iou")}
    print(f"{'mean':24} {figures['mean_abs_diff']:12.4f} {figures['mean_abs_diff_8bit']:8.4f} "
          f"{figures['mask_iou']:9.3f}   goals: mean |diff| <= {GOALS['mean_abs_diff']}, IoU >= {GOALS['mask_iou']}")
    figures["pairs"] = [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows]
    figures["meets_goals"] = (figures["mean_abs_diff"] <= GOALS["mean_abs_diff"]
                              and figures["mask_iou"] >= GOALS["mask_iou"])
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
