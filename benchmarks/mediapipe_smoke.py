"""MediaPipe hand and person models on real stills: what they find and how long a call takes.

Runs palm detection, hand landmarks and selfie segmentation (``inverse_painting.mediapipe_models``,
files from the weights stage) on the two stills of ../shared/data/real_footage/stills, prints
boxes, scores and mask coverage with milliseconds per call (median of --repeat calls, one
thread), and writes an overlay per still (palm boxes green, hand crops blue, landmarks red,
person mask magenta) to --out. Last line: one JSON object.

    python benchmarks/mediapipe_smoke.py [--weights models/weights] [--out /tmp/inverse-painting-mediapipe-smoke]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STILLS = ROOT.parent / "shared" / "data" / "real_footage" / "stills"
# MediaPipe's hand skeleton: wrist to each finger tip.
FINGERS = ((0, 1, 2, 3, 4), (0, 5, 6, 7, 8), (0, 9, 10, 11, 12), (0, 13, 14, 15, 16), (0, 17, 18, 19, 20))


def timed(fn, repeat: int):
    result, times = None, []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return result, statistics.median(times)


def overlay(image, palms, hands, mask, path: Path, max_side: int = 1280) -> Path:
    import cv2
    import numpy as np

    from inverse_painting.media.images import write_image

    out = image.copy()
    tint = np.array([255, 0, 255], dtype=np.float32)
    person = mask > 0.5
    out[person] = (0.6 * out[person] + 0.4 * tint).astype(np.uint8)
    thick = max(2, round(max(image.shape[:2]) / 400))
    for palm in palms:
        x0, y0, x1, y1 = (round(v) for v in palm.box)
        cv2.rectangle(out, (x0, y0), (x1, y1), (0, 220, 0), thick)
        cv2.putText(out, f"palm {palm.score:.2f}", (x0, max(20, y0 + 30 * thick)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.6 * thick, (0, 220, 0), thick)
    for hand in hands:
        corners = hand.rect.to_image(np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float))
        cv2.polylines(out, [corners.round().astype(np.int32)], True, (40, 80, 255), thick)
        points = hand.landmarks[:, :2].round().astype(np.int32)
        for finger in FINGERS:
            cv2.polylines(out, [points[list(finger)]], False, (255, 40, 40), thick)
        for x, y in points:
            cv2.circle(out, (int(x), int(y)), thick * 2, (255, 255, 0), -1)
    scale = min(1.0, max_side / max(out.shape[:2]))
    if scale < 1.0:
        out = cv2.resize(out, (round(out.shape[1] * scale), round(out.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    return write_image(path, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=ROOT / "models" / "weights")
    ap.add_argument("--stills", type=Path, default=STILLS)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "inverse-painting-mediapipe-smoke")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from inverse_painting.media.images import read_image
    from inverse_painting.mediapipe_models import hand_rect, load_hand_tracker, load_segmenter

    stills = sorted(p for p in args.stills.glob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    if not stills:
        print(f"no stills in {args.stills}; nothing to check")
        return
    tracker = load_hand_tracker(args.weights)
    segmenter = load_segmenter(args.weights)
    rows, figures = [], {"stills": []}
    for path in stills:
        image = read_image(path)
        palms, palm_ms = timed(lambda: tracker.palms.detect(image), args.repeat)
        crops = [hand_rect(p) for p in palms[: tracker.max_hands]]
        hands, landmark_ms = [], 0.0
        for palm, crop in zip(palms, crops):
            hand, ms = timed(lambda: tracker.landmarker.landmarks(image, crop, palm), args.repeat)
            landmark_ms += ms
            if hand.presence >= tracker.min_presence:
                hands.append(hand)
        mask, segment_ms = timed(lambda: segmenter.probability(image), args.repeat)
        picture = overlay(image, palms, hands, mask, args.out / f"{path.stem}_overlay.png")
        record = {
            "still": path.name, "size": [image.shape[1], image.shape[0]],
            "palms": [{"box": [round(v) for v in p.box], "score": round(p.score, 3)} for p in palms],
            "hands": [{"box": [round(v) for v in h.box()], "presence": round(h.presence, 3),
                       "handedness": h.handedness, "handedness_score": round(h.handedness_score, 3)} for h in hands],
            "person_coverage": round(float((mask > 0.5).mean()), 4),
            "palm_ms": round(palm_ms, 1), "landmark_ms_per_hand": round(landmark_ms / max(len(crops), 1), 1),
            "segment_ms": round(segment_ms, 1), "overlay": str(picture),
        }
        figures["stills"].append(record)
        rows.append(record)
    print(f"{'still':44} {'size':>10} {'palms (score)':>16} {'hands (presence)':>18} {'person':>7} "
          f"{'palm ms':>8} {'lmk ms':>7} {'seg ms':>7}")
    for r in rows:
        palms = ", ".join(f"{p['score']:.2f}" for p in r["palms"]) or "-"
        hands = ", ".join(f"{h['presence']:.2f} {h['handedness']}" for h in r["hands"]) or "-"
        print(f"{r['still']:44} {'x'.join(map(str, r['size'])):>10} {palms:>16} {hands:>18} "
              f"{r['person_coverage']:7.1%} {r['palm_ms']:8.1f} {r['landmark_ms_per_hand']:7.1f} {r['segment_ms']:7.1f}")
        for p in r["palms"]:
            print(f"    palm box {p['box']}")
        for h in r["hands"]:
            print(f"    hand box {h['box']}")
    print(f"overlays: {args.out}")
    figures.update({
        "palms_found": sum(len(r["palms"]) for r in rows), "hands_found": sum(len(r["hands"]) for r in rows),
        "palm_ms": round(statistics.mean(r["palm_ms"] for r in rows), 1),
        "segment_ms": round(statistics.mean(r["segment_ms"] for r in rows), 1),
    })
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
