"""A small pairs dataset in the published schema, made from the sample world's exact states.

For tests, benchmarks and quick trials that must not wait for the ingestion and annotation
stages: keyframes at random stroke counts, masks from exact pixel differences (the outstanding
mask too: pixels more than 24 levels from the target, a stand-in for the LPIPS one), labels from
the sample world's layer names, saved as Hub-layout parquet shards that ``load_pairs`` and
``datasets.load_dataset(folder)`` both read.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from pathlib import Path
from typing import Iterable

import numpy as np
from PIL import Image

SECONDS_PER_STROKE = 0.25


def _png(array: np.ndarray) -> dict:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return {"bytes": buf.getvalue(), "path": None}


def sample_painting_rows(seed: int, steps: int = 8, size: tuple[int, int] = (128, 96)) -> list[dict]:
    """The pair rows of one sample painting painted in ``steps`` steps from a white canvas."""
    from .painting import make_landscape
    from .painting import PaintingCanvas

    land = make_landscape(seed, size)
    layer_of = [s.layer for s in land.strokes]
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, land.n_strokes), size=steps - 1, replace=False))
    counts = [0, *cuts.tolist(), land.n_strokes]
    canvas = PaintingCanvas(land)
    target = land.final()
    states = [canvas.image.copy()]
    for c in counts[1:]:
        states.append(canvas.advance(c).copy())
    rows = []
    for k in range(steps):
        before, after = states[k], states[k + 1]
        mask = (np.abs(after.astype(np.int16) - before).max(axis=2) > 0).astype(np.uint8) * 255
        left = (np.abs(target.astype(np.int16) - before).max(axis=2) > 24).astype(np.uint8) * 255
        painted = Counter(layer_of[counts[k]:counts[k + 1]]).most_common(1)[0][0]
        rows.append({
            "painting_id": f"sample-landscape-{seed:04d}", "step": k, "current": _png(before), "next": _png(after),
            "target": _png(target), "dt": float((counts[k + 1] - counts[k]) * SECONDS_PER_STROKE),
            "mask": _png(mask), "stroke_mask": None, "outstanding_mask": _png(left), "painted_mask": _png(mask),
            "text": land.layers[painted].name,
            "source_url": f"sample://landscape/{seed}",
            "licence": "CC0-1.0", "origin": "real",
        })
    return rows


def write_sample_pairs_dataset(out: str | os.PathLike, splits: dict[str, Iterable[int]], steps: int = 8,
                               size: tuple[int, int] = (128, 96), config: str = "real") -> Path:
    """Write ``{split: seeds}`` as ``out/data/<config>/<split>-00000-of-00001.parquet`` + card."""
    import datasets

    from ..records.dataset import features

    out = Path(out)
    lines = ["---", "configs:", f"- config_name: {config}", "  data_files:"]
    for split, seeds in splits.items():
        rows = [r for seed in seeds for r in sample_painting_rows(seed, steps, size)]
        table = {k: [r[k] for r in rows] for k in features()}
        path = out / "data" / config / f"{split}-00000-of-00001.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        datasets.Dataset.from_dict(table, features=features()).to_parquet(str(path))
        lines += [f"  - split: {split}", f"    path: data/{config}/{split}-*"]
    lines += ["---", "", "Sample-world painting pairs (generated).", ""]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")
    return out
