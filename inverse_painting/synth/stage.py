"""The ``synth`` stage: images in, painting processes with exact ground truth out.

The stage's ``input`` names an image source (``sources.py``): sample stills, a folder of
images (or one image file), or a Hugging Face image dataset. Each item is decomposed into
strokes, ordered back to front and coarse to fine, rendered as a process and written with
``write_painting``; a source that knows its picture's true layer order (the sample world)
also gets its layering scored (``ground_truth_spearman`` in ``synth.json``).
"""

from __future__ import annotations

import hashlib
from typing import Any

import cv2
import numpy as np

from ..pipeline import Item, ItemContext, ItemResult, atomic_dir
from .config import SynthConfig
from .decompose import Decomposition, decompose, working_image
from .depth import load_depth_backend
from .evaluate import order_depth_spearman
from .inputs import Picture
from .outputs import write_painting
from .process import PaintingProcess, render_process
from .recut import recut
from .sources import image_source

INFO_KEYS = ("psnr", "strokes", "keyframes", "depth_spearman", "ground_truth_spearman")


def synth_items(config: SynthConfig) -> list[Item]:
    """The items of the stage: one per image of its ``input``."""
    return image_source(config).items()


def _stats(item_id: str, cfg: SynthConfig, dec: Decomposition, proc: PaintingProcess,
           picture: Picture) -> dict[str, Any]:
    """``synth.json``: scores, groups and settings (timings stay out: a redone item writes the same bytes)."""
    stats: dict[str, Any] = {
        "painting_id": item_id, "psnr": round(dec.psnr, 3), "strokes": len(dec.strokes),
        "keyframes": len(proc.frames), "size": list(dec.size), "depth_backend": cfg.depth_backend,
        "depth_spearman": round(order_depth_spearman(proc.first_painted, 1 - dec.depth_map), 4),
        "groups": [{k: v for k, v in g.items() if k != "seconds"} for g in dec.groups],
        "config": cfg.process_settings(),
    }
    if picture.layer_rank is not None:  # the source knows the true back-to-front order
        h, w = dec.size
        rank = cv2.resize(picture.layer_rank().astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
        stats["ground_truth_spearman"] = round(order_depth_spearman(proc.first_painted, rank), 4)
    return stats


def recolour(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A colour variant of ``image`` (hue shift, saturation and contrast change): targets beyond
    a source's own palette."""
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-18, 18)) % 180
    hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(0.7, 1.4), 0, 255)
    out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    out = (out - out.mean()) * rng.uniform(0.85, 1.2) + out.mean()
    return np.clip(out, 0, 255).astype(np.uint8)


def _item_seed(item_id: str, seed: int) -> int:
    return int(hashlib.sha256(f"{seed}:{item_id}".encode()).hexdigest()[:8], 16)


def _work_image(item: Item, cfg: SynthConfig, picture: Picture) -> np.ndarray:
    """The working canvas of an item, recoloured for a seeded ``recolour_share`` of the items."""
    work = working_image(picture.image, cfg.size)
    rng = np.random.default_rng(_item_seed(item.id, cfg.seed))
    return recolour(work, rng) if rng.random() < cfg.recolour_share else work


def synth_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function: decompose one image, render its process (re-cut when asked), write it all."""
    cfg: SynthConfig = ctx.config
    picture = image_source(cfg).load(item, cfg.size)
    work = _work_image(item, cfg, picture)
    depth = load_depth_backend(cfg.depth_backend, cfg.depth_model).predict([work])[0]
    dec = decompose(work, depth, cfg)
    proc = render_process(dec, cfg.frames, cfg.seconds_per_stroke, threads=cfg.threads)
    if cfg.keyframe_gap_s:
        proc = recut(proc, cfg.keyframe_gap_s, _item_seed(item.id, cfg.seed), cfg.min_visible_change)
    stats = _stats(item.id, cfg, dec, proc, picture)
    with atomic_dir(ctx.out_dir / item.id) as tmp:
        files = write_painting(tmp, item.id, dec, proc, picture.provenance, stats, video_fps=cfg.video_fps,
                               gif=cfg.gif)
    info = {k: stats[k] for k in INFO_KEYS if k in stats}
    return ItemResult.ok([f"{item.id}/{f}" for f in files], **info, decompose_s=round(dec.seconds, 3))
