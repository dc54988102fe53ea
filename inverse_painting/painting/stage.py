"""The ``paint`` stage: paint every held-out target of a dataset split with a trained model.

One item per painting; its payload carries hashes of the target image and of the model
weights, so retraining or a changed target repaints it and nothing else is redone.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..pipeline import Item, ItemContext, ItemResult, atomic_dir
from ..pipeline.hashing import file_sha256
from ..pipeline.progress import item_progress

WEIGHTS = "diffusion_pytorch_model.safetensors"


@lru_cache(maxsize=4)
def split_targets(dataset: str, split: str) -> dict[str, Any]:
    """painting id -> its target image value (one per painting) of a split."""
    from ..training.data import load_pairs

    rows = load_pairs(dataset, split)
    first: dict[str, int] = {}
    for i, pid in enumerate(rows["painting_id"]):
        first.setdefault(pid, i)
    return {pid: rows[i]["target"] for pid, i in first.items()}


@lru_cache(maxsize=4)
def step_interval(dataset: str, setting: str | float) -> float:
    """Seconds per generated keyframe: a number, or ``auto`` for the median step duration of
    the train split (the paper's 20 s is the median of its real recordings)."""
    if str(setting) != "auto":
        return float(setting)
    import numpy as np

    from ..training.data import load_pairs

    return float(np.median(load_pairs(dataset, "train")["dt"]))


def target_image(dataset: str, split: str, painting_id: str):
    from ..training.data import to_rgb

    return to_rgb(split_targets(dataset, split)[painting_id])


def paint_items(dataset: str, split: str, model_dir: str) -> list[Item]:
    import io

    import numpy as np
    from PIL import Image

    model_sha = file_sha256(Path(model_dir) / WEIGHTS)[:16]
    items = []
    for pid, value in split_targets(dataset, split).items():
        img = np.asarray(Image.open(io.BytesIO(value["bytes"])) if isinstance(value, dict) else value)
        digest = hashlib.sha256(np.ascontiguousarray(img).tobytes()).hexdigest()[:16]
        items.append(Item(pid, {"painting_id": pid, "target_sha": digest, "model_sha": model_sha}))
    return items


@lru_cache(maxsize=1)
def _painter(model_dir: str, model_sha: str):
    from .loop import load_painter

    return load_painter(model_dir)


@lru_cache(maxsize=1)
def _distance(kind: str, lpips_weights: str):
    from ..perceptual.distance import load_distance

    return load_distance(kind, lpips_weights or "models/weights")


def paint_item(item: Item, ctx: ItemContext) -> ItemResult:
    from .loop import PaintSettings, paint
    from .outputs import write_outputs

    p = {**ctx.params, "interval": step_interval(str(ctx.params["dataset"]), ctx.params.get("interval", 20.0))}
    model = _painter(str(p["model"]), item.payload["model_sha"])
    target = target_image(str(p["dataset"]), str(p["split"]), item.payload["painting_id"])
    settings = PaintSettings.from_params(p)
    with item_progress(settings.max_frames, f"paint {item.id}", "keyframe") as bar:
        def on_step(step) -> None:
            bar.update(1)
            bar.set_postfix(distance=f"{step.distance:.3f}", refresh=False)

        result = paint(model, target, settings, _distance(str(p.get("distance") or "lpips"), str(p.get("lpips_weights") or "")), on_step)
    with atomic_dir(ctx.out_dir / item.id) as tmp:
        write_outputs(result, tmp, fps=float(p.get("video_fps", 2.0)))
    record = result.record()
    return ItemResult.ok([item.id], keyframes=record["keyframes"], stop_reason=record["stop_reason"],
                         s_per_keyframe=record["s_per_keyframe"], unet_passes=record["unet_passes"],
                         distance=record["distance"])
