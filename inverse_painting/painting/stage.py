"""The ``paint`` stage: paint every held-out target of a dataset split with a trained model.

One item per painting; its payload carries content hashes of the target image and of the
model weights (no paths), so retraining or a changed target repaints it and nothing else is
redone, and a moved checkout finds its items done.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from ..config import Execution
from ..models.sampler import SamplerName
from ..perceptual.distance import DistanceName
from ..perceptual.official import DEFAULT_WEIGHTS
from ..pipeline import Item, ItemContext, ItemResult, atomic_dir
from ..pipeline.hashing import file_sha256
from ..pipeline.progress import item_progress
from ..records.dataset import load_pairs, split_targets, to_rgb
from .loop import PaintSettings

WEIGHTS = "diffusion_pytorch_model.safetensors"
LOOP = PaintSettings()  # the loop's defaults: the one place they are written
# The loop settings the stage config carries (interval is resolved first: "auto" reads the train split).
LOOP_KEYS = ("max_frames", "thresholds", "min_mask_area", "max_mask_iou", "stop_lpips", "stop_fallback",
             "min_change", "patience", "sampler", "sampler_steps", "guidance", "seed", "max_output_side")


@dataclass(frozen=True)
class PaintConfig(Execution):
    """The ``paint`` section of params.yaml."""

    workers: int = 1
    dataset: str = "data/dataset"
    split: str = "validation"  # held-out targets
    model: str = "models/painter"
    out: str = "data/paint"
    interval: float | Literal["auto"] = "auto"  # seconds per keyframe; auto: median step of the train split
    max_frames: int = LOOP.max_frames
    thresholds: tuple[float, ...] = LOOP.thresholds
    min_mask_area: float = LOOP.min_mask_area
    max_mask_iou: float = LOOP.max_mask_iou
    stop_lpips: float = LOOP.stop_lpips
    stop_fallback: float = LOOP.stop_fallback
    min_change: float = LOOP.min_change
    patience: int = LOOP.patience
    sampler: SamplerName = LOOP.sampler
    sampler_steps: int = LOOP.sampler_steps
    guidance: float = LOOP.guidance
    seed: int = LOOP.seed
    max_output_side: int = LOOP.max_output_side
    distance: DistanceName = "lpips"  # of the stop test: lpips | delta-e (the named stand-in)
    lpips_weights: str = DEFAULT_WEIGHTS
    video_fps: float = 2.0

    def settings(self, interval: float) -> PaintSettings:
        """The loop's settings at ``interval`` seconds per keyframe."""
        return PaintSettings(interval=interval, **{k: getattr(self, k) for k in LOOP_KEYS})


@lru_cache(maxsize=4)
def step_interval(dataset: str, setting: str | float) -> float:
    """Seconds per generated keyframe: a number, or ``auto`` for the median step duration of
    the train split (the paper's 20 s is the median of its real recordings)."""
    if str(setting) != "auto":
        return float(setting)
    import numpy as np

    return float(np.median(load_pairs(dataset, "train")["dt"]))


_split_targets = lru_cache(maxsize=4)(split_targets)


def paint_items(dataset: str, split: str, model_dir: str) -> list[Item]:
    """One item per painting of ``split``: its id, and content hashes of its target and of the model."""
    import io

    import numpy as np
    from PIL import Image

    model_sha = file_sha256(Path(model_dir) / WEIGHTS)[:16]
    items = []
    for pid, value in _split_targets(dataset, split).items():
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

    return load_distance(kind, lpips_weights or DEFAULT_WEIGHTS)


def paint_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function for the ``paint`` stage."""
    from .loop import paint
    from .outputs import write_outputs

    cfg: PaintConfig = ctx.config
    settings = cfg.settings(step_interval(cfg.dataset, cfg.interval))
    model = _painter(cfg.model, item.payload["model_sha"])
    target = to_rgb(_split_targets(cfg.dataset, cfg.split)[item.payload["painting_id"]])
    with item_progress(settings.max_frames, f"paint {item.id}", "keyframe") as bar:
        def on_step(step) -> None:
            bar.update(1)
            bar.set_postfix(distance=f"{step.distance:.3f}", refresh=False)

        result = paint(model, target, settings, _distance(cfg.distance, cfg.lpips_weights), on_step)
    with atomic_dir(ctx.out_dir / item.id) as tmp:
        write_outputs(result, tmp, fps=cfg.video_fps)
    record = result.record()
    return ItemResult.ok([item.id], keyframes=record["keyframes"], stop_reason=record["stop_reason"],
                         s_per_keyframe=record["s_per_keyframe"], unet_passes=record["unet_passes"],
                         distance=record["distance"])
