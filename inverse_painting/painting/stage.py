"""The ``paint`` stage: paint every held-out target of a dataset split with a trained model.

One item per painting; its payload carries content hashes of the target image and of the
painting pipeline (model weights and ``model_index.json``: the area rule), no paths, so
retraining or a changed target repaints it and nothing else is redone, and a moved checkout
finds its items done. Every painting goes through ``PaintingPipeline``.
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

LOOP = PaintSettings()  # the loop's defaults: the one place they are written
# The loop settings the stage config carries (interval is resolved first: "auto" reads the train split).
LOOP_KEYS = ("max_frames", "sampler", "sampler_steps", "guidance", "seed", "max_output_side", "stop_outstanding",
             "stop_lpips", "stop_fallback", "patience", "min_gain", "min_left_gain", "min_visible", "stall_seconds",
             "detail_tau", "grow", "alpha", "judge_long_side", "finish")


@dataclass(frozen=True)
class PaintConfig(Execution):
    """The ``paint`` section of params.yaml."""

    workers: int = 1
    dataset: str = "data/dataset"
    split: str = "validation"  # held-out targets
    model: str = "models/painter"
    out: str = "data/paint"
    interval: float | Literal["auto"] = "auto"  # seconds per keyframe; auto: median step of the train split
    max_frames: int = LOOP.max_frames  # keyframes at most, the finishing one included
    sampler: SamplerName = LOOP.sampler
    sampler_steps: int = LOOP.sampler_steps
    guidance: float = LOOP.guidance
    seed: int = LOOP.seed
    max_output_side: int = LOOP.max_output_side
    stop_outstanding: float = LOOP.stop_outstanding  # stop: outstanding share of the canvas below this ...
    stop_lpips: float = LOOP.stop_lpips  # ... or LPIPS to the target below this ...
    stop_fallback: float = LOOP.stop_fallback  # ... (the stop value with distance: delta-e)
    patience: int = LOOP.patience  # ... or no progress over patience + 1 keyframes
    min_gain: float = LOOP.min_gain
    min_left_gain: float = LOOP.min_left_gain
    min_visible: float = LOOP.min_visible  # a step that shows less of its paint is merged into the next keyframe
    stall_seconds: float = LOOP.stall_seconds
    detail_tau: float = LOOP.detail_tau
    grow: float = LOOP.grow
    alpha: float = LOOP.alpha
    judge_long_side: int = LOOP.judge_long_side
    finish: bool = LOOP.finish  # the last keyframe is the finished painting
    distance: DistanceName = "lpips"  # of the stop test: lpips | delta-e (the named stand-in)
    lpips_weights: str = DEFAULT_WEIGHTS
    video_fps: float = 2.0

    def settings(self, interval: float) -> dict:
        """The loop's settings at ``interval`` seconds per keyframe, as ``PaintingPipeline`` takes them."""
        return {"interval": interval, **{k: getattr(self, k) for k in LOOP_KEYS}}


@lru_cache(maxsize=4)
def step_interval(dataset: str, setting: str | float) -> float:
    """Seconds per generated keyframe: a number, or ``auto`` for the median step duration of
    the train split (the paper's 20 s is the median of its real recordings)."""
    if str(setting) != "auto":
        return float(setting)
    import numpy as np

    return float(np.median(load_pairs(dataset, "train")["dt"]))


_split_targets = lru_cache(maxsize=4)(split_targets)


def pipeline_sha(model_dir: str) -> str:
    """Content hash of what a painting is painted with: the model weights and ``model_index.json``."""
    from .loop import check_painter
    from .pipeline import MODEL_WEIGHTS

    folder = check_painter(model_dir)
    return hashlib.sha256((file_sha256(folder / MODEL_WEIGHTS) + file_sha256(folder / "model_index.json")).encode()
                          ).hexdigest()[:16]


def paint_items(dataset: str, split: str, model_dir: str) -> list[Item]:
    """One item per painting of ``split``: its id, and content hashes of its target and of the pipeline."""
    import io

    import numpy as np
    from PIL import Image

    model_sha = pipeline_sha(model_dir)
    items = []
    for pid, value in _split_targets(dataset, split).items():
        img = np.asarray(Image.open(io.BytesIO(value["bytes"])) if isinstance(value, dict) else value)
        digest = hashlib.sha256(np.ascontiguousarray(img).tobytes()).hexdigest()[:16]
        items.append(Item(pid, {"painting_id": pid, "target_sha": digest, "model_sha": model_sha}))
    return items


@lru_cache(maxsize=1)
def painter(model_dir: str, model_sha: str = ""):
    """The painting pipeline in ``model_dir`` (one load per process and pipeline hash)."""
    from .pipeline import PaintingPipeline

    return PaintingPipeline.load(model_dir)


def paint_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function for the ``paint`` stage."""
    from .outputs import write_outputs

    cfg: PaintConfig = ctx.config
    settings = cfg.settings(step_interval(cfg.dataset, cfg.interval))
    pipe = painter(cfg.model, item.payload["model_sha"])
    target = to_rgb(_split_targets(cfg.dataset, cfg.split)[item.payload["painting_id"]])
    with item_progress(settings["max_frames"], f"paint {item.id}", "keyframe") as bar:
        def on_step(step) -> None:
            bar.update(1)
            bar.set_postfix(distance=f"{step.distance:.3f}", refresh=False)

        result = pipe(target, on_step=on_step, distance=cfg.distance, lpips_weights=cfg.lpips_weights, **settings)
    with atomic_dir(ctx.out_dir / item.id) as tmp:
        write_outputs(result, tmp, fps=cfg.video_fps)
    record = result.record()
    return ItemResult.ok([item.id], keyframes=record["keyframes"], stop_reason=record["stop_reason"],
                         stopped=record["stopped"], s_per_keyframe=record["s_per_keyframe"],
                         unet_passes=record["unet_passes"], distance=record["distance"])
