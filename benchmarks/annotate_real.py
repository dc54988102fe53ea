"""Annotation on a real painting time-lapse: masks, intervals and labels against human instructions.

Reads ../shared/data/real_sequence (10 cleaned keyframes + instructions.json) when present;
works in a temporary folder (the real images are never copied into the repository).
Prints a table per step and ends with one JSON line of the figures.

    python benchmarks/annotate_real.py [--data DIR] [--lpips-weights DIR] [--label-priors FILE]

Label agreement counts a step when the classical label is one of the words of its human
instruction (with a few synonyms); the sample-world layer check lives in tests/test_annotate.py.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inverse_painting.annotate.annotate import annotate_sequence  # noqa: E402
from inverse_painting.annotate.config import AnnotateConfig, ClassicalConfig  # noqa: E402
from inverse_painting.perceptual import weights_available  # noqa: E402
from inverse_painting.perceptual.masks import MaskSettings  # noqa: E402
from inverse_painting.records import Keyframe, PaintingSequence  # noqa: E402

# Words of the human instructions that mean a vocabulary class.
SYNONYMS = {"ground": "grass", "mountains": "mountain", "lake": "water", "river": "water", "tree": "trees"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "real_sequence")
    ap.add_argument("--lpips-weights", default=str(ROOT / "models" / "weights"),
                    help="the weights stage's folder (default models/weights)")
    ap.add_argument("--mask-backend", default="lpips", choices=("lpips", "lab"))
    ap.add_argument("--label-priors", default="", help="priors YAML of the classical labeller (default: packaged)")
    args = ap.parse_args()
    if not (args.data / "instructions.json").is_file():
        print(f"no real sequence at {args.data}; nothing to check")
        return
    human = json.loads((args.data / "instructions.json").read_text())
    files = [s["next"] for s in human["steps"]]  # keyframe 01 is dropped in the source, as there
    config = AnnotateConfig(masks=MaskSettings(backend=args.mask_backend, lpips_weights=args.lpips_weights),
                            label_backend="classical", classical=ClassicalConfig(priors=args.label_priors),
                            mask_sizes=(64,))
    with tempfile.TemporaryDirectory() as tmp:
        seq_dir = Path(tmp) / "real-example"
        (seq_dir / "keyframes").mkdir(parents=True)
        keyframes = []
        for i, name in enumerate(files):
            (seq_dir / "keyframes" / name).symlink_to(args.data / name)
            keyframes.append(Keyframe(i, float(re.search(r"_t(\d+)s", name).group(1)), f"keyframes/{name}"))
        PaintingSequence("real-example", "real", seq_dir, keyframes, split_hint="test").write()
        start = time.perf_counter()
        doc = annotate_sequence(PaintingSequence.read(seq_dir), Path(tmp) / "annotations", config).to_dict()
        seconds = time.perf_counter() - start
    vocab = set(doc["vocabulary"]) | {"details"}
    rows, hits, known_words, words_total = [], 0, 0, 0
    for step, ref in zip(doc["steps"], human["steps"]):
        words = [SYNONYMS.get(w, w) for w in re.findall(r"[a-z]+", ref["text"].lower())]
        words_total += len(words)
        known_words += sum(w in vocab for w in words)
        hit = step["text"] in words
        hits += hit
        rows.append((step["step"], ref["next"], step["dt"], step["changed_fraction"], step["text"], ref["text"], hit))
    print(f"masks: {doc['mask_backend']} (threshold {doc['mask_threshold']}); labels: {doc['label_backend']} "
          f"with priors {doc['label_priors']['source']}; LPIPS weights available: {weights_available(args.lpips_weights)}")
    print(f"{'step':>4} {'next':16} {'dt s':>6} {'changed':>8}  {'label':10} {'human':18} match")
    for k, name, dt, changed, label, ref, hit in rows:
        print(f"{k:>4} {name:16} {dt:6.1f} {changed:8.1%}  {label:10} {ref:18} {'yes' if hit else 'no'}")
    dts = [r[2] for r in rows[1:]]
    figures = {
        "steps": len(rows), "mask_backend": doc["mask_backend"], "label_backend": doc["label_backend"],
        "label_matches": hits, "label_match_rate": round(hits / len(rows), 3),
        "label_priors": doc["label_priors"]["source"], "label_priors_sha256": doc["label_priors"]["sha256"],
        "human_words_in_vocabulary": round(known_words / max(words_total, 1), 3),
        "dt_min_s": min(dts), "dt_max_s": max(dts), "dt_first_estimated": doc["steps"][0]["dt_estimated"],
        "changed_fraction_mean": round(sum(r[3] for r in rows) / len(rows), 4),
        "changed_fraction_min": min(r[3] for r in rows), "seconds": round(seconds, 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
