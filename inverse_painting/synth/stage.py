"""The ``synth`` stage: images in, painting processes with exact ground truth out.

The stage's ``input`` names an image source (``sources.py``): sample stills, a folder of
images (or one image file), or a Hugging Face image dataset. Each item is decomposed into
strokes, ordered back to front and coarse to fine, rendered as a process and written with
``write_painting``; a source that knows its picture's true layer order (the sample world)
also gets its layering scored (``ground_truth_spearman`` in ``synth.json``).
"""

from __future__ import annotations

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


def synth_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function: decompose one image, render its process, write it all."""
    cfg: SynthConfig = ctx.config
    picture = image_source(cfg).load(item, cfg.size)
    work = working_image(picture.image, cfg.size)
    depth = load_depth_backend(cfg.depth_backend, cfg.depth_model).predict([work])[0]
    dec = decompose(work, depth, cfg)
    proc = render_process(dec, cfg.frames, cfg.seconds_per_stroke, threads=cfg.threads)
    stats = _stats(item.id, cfg, dec, proc, picture)
    with atomic_dir(ctx.out_dir / item.id) as tmp:
        files = write_painting(tmp, item.id, dec, proc, picture.provenance, stats, video_fps=cfg.video_fps,
                               gif=cfg.gif)
    info = {k: stats[k] for k in INFO_KEYS if k in stats}
    return ItemResult.ok([f"{item.id}/{f}" for f in files], **info, decompose_s=round(dec.seconds, 3))
