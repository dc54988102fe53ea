"""The ``synth`` stage: images in, painting processes with exact ground truth out.

Inputs (``input``):

- ``sample://stills?seeds=100-102&width=384`` (or ``?count=3&first=100``): finished sample
  paintings generated on the fly; their known layer order is used to score the layering;
- a folder of images (or one image file);
- ``hf://<dataset id or local dataset folder>``: a Hugging Face image dataset, read with
  ``datasets.load_dataset`` (``dataset_split``, ``dataset_column``, ``limit``); its images
  are materialised once under ``<out>/_inputs/`` so items stay small and resumable.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np

from ..media.images import read_image, write_image
from ..pipeline import Item, ItemContext, ItemResult, NoItems, atomic_dir
from ..pipeline.provenance import local_source
from ..sample.uri import parse_seeds
from .config import SynthConfig

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}
INPUTS_DIR = "_inputs"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")[:80] or "image"


def sample_items(spec: str) -> list[Item]:
    u = urlparse(spec)
    if u.netloc != "stills":
        raise ValueError(f"{spec!r}: expected sample://stills?seeds=100-102&width=384")
    q = {k: v[-1] for k, v in parse_qs(u.query).items()}
    unknown = set(q) - {"seeds", "count", "first", "width"}
    if unknown:
        raise ValueError(f"{spec!r}: unknown option(s) {sorted(unknown)} (known: seeds, count, first, width)")
    if "seeds" in q:
        seeds = parse_seeds(q["seeds"])
    else:
        first = int(q.get("first", 100))
        seeds = list(range(first, first + int(q.get("count", 3))))
    width = int(q.get("width", 512))
    return [Item(f"sample-still-{s:04d}", {"sample_seed": s, "width": width}) for s in seeds]


def folder_items(path: Path) -> list[Item]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES
                                                 and INPUTS_DIR not in p.parts)
    items, seen = [], set()
    for f in files:
        base = _slug(f.stem)
        item_id, k = base, 1
        while item_id in seen:
            k += 1
            item_id = f"{base}-{k}"
        seen.add(item_id)
        stat = f.stat()
        items.append(Item(item_id, {"path": str(f.resolve()), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}))
    return items


def dataset_items(dataset: str, out_dir: Path, split: str = "train", column: str = "image",
                  limit: int = 0) -> list[Item]:
    """Materialise a Hugging Face image dataset's images as PNG files and list them."""
    from datasets import load_dataset

    ds = load_dataset(dataset, split=split)
    if column not in ds.column_names:
        raise ValueError(f"{dataset}: no column {column!r} (columns: {ds.column_names})")
    n = len(ds) if limit <= 0 else min(limit, len(ds))
    prefix = _slug(dataset.rstrip("/").split("/")[-1] if Path(dataset).exists() else dataset.replace("/", "-"))
    items = []
    for i in range(n):
        item_id = f"{prefix}-{split}-{i:05d}"
        path = out_dir / INPUTS_DIR / f"{item_id}.png"
        if not path.exists():
            image = ds[i][column]
            write_image(path, np.asarray(image.convert("RGB")))
        items.append(Item(item_id, {"path": str(path.resolve()), "dataset": dataset, "split": split, "row": i,
                                    "bytes": path.stat().st_size}))
    return items


def synth_items(params: dict[str, Any]) -> list[Item]:
    """The items of the stage for its ``input`` (see the module docstring)."""
    spec = str(params["input"])
    if spec.startswith("sample://"):
        return sample_items(spec)
    if spec.startswith("hf://"):
        return dataset_items(spec[len("hf://"):], Path(params["out"]), params.get("dataset_split", "train"),
                             params.get("dataset_column", "image"), int(params.get("limit", 0) or 0))
    path = Path(spec)
    if not path.exists():
        raise NoItems(f"synth input {spec!r}: no such file or folder (or use sample:// or hf://)")
    items = folder_items(path)
    if not items:
        raise NoItems(f"synth input {spec}: no images (looked for {', '.join(sorted(IMAGE_SUFFIXES))})")
    limit = int(params.get("limit", 0) or 0)
    return items[:limit] if limit > 0 else items


def load_item_image(item: Item, size: int | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """The item's image and its provenance fields for ``sequence.json``; with ``size`` (the
    working long side), a large JPEG is decoded at reduced scale, no smaller than needed."""
    p = item.payload
    if "sample_seed" in p:
        from ..sample import generate_still

        return generate_still(int(p["sample_seed"]), int(p["width"])), {
            "source_url": f"sample://stills?seeds={p['sample_seed']}&width={p['width']}",
            "licence": "generated (sample world)", "uploader": "inverse-painting sample world",
            "title": f"sample landscape {p['sample_seed']}"}
    if "dataset" in p:  # a local dataset folder is named by its folder name, never its path
        name = Path(p["dataset"]).name if Path(p["dataset"]).exists() else p["dataset"]
        source = f"hf://{name}#{p['split']}/{p['row']}"
    else:
        source = local_source(p["path"])
    return read_image(p["path"], min_side=size), {"source_url": source, "licence": "", "uploader": "", "title": item.id}


def synth_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function: decompose one image, render its process, write it all."""
    from .decompose import decompose
    from .depth import load_depth_backend
    from .evaluate import order_depth_spearman, sample_layer_rank
    from .decompose import working_image
    from .outputs import write_painting
    from .process import render_process

    cfg = SynthConfig.from_mapping(ctx.params)
    image, provenance = load_item_image(item, cfg.size)
    work = working_image(image, cfg.size)
    started = time.perf_counter()
    depth = load_depth_backend(cfg.depth_backend, cfg.depth_model).predict([work])[0]
    depth_s = time.perf_counter() - started
    dec = decompose(work, depth, cfg)
    started = time.perf_counter()
    proc = render_process(dec, cfg.frames, cfg.seconds_per_stroke, threads=cfg.threads)
    render_s = time.perf_counter() - started
    stats: dict[str, Any] = {
        "painting_id": item.id, "psnr": round(dec.psnr, 3), "strokes": len(dec.strokes),
        "keyframes": len(proc.frames), "size": list(dec.size), "depth_backend": cfg.depth_backend,
        "depth_spearman": round(order_depth_spearman(proc.first_painted, 1 - dec.depth_map), 4),
        # Timings go to the ledger only: synth.json must be byte-identical when an item is redone.
        "groups": [{k: v for k, v in g.items() if k != "seconds"} for g in dec.groups], "config": cfg.to_dict(),
    }
    seconds = {"depth": round(depth_s, 3), "decompose": round(dec.seconds, 3), "render": round(render_s, 3)}
    if "sample_seed" in item.payload:  # the sample world knows its true back-to-front order
        import cv2

        h, w = dec.size
        rank = sample_layer_rank(int(item.payload["sample_seed"]), (image.shape[1], image.shape[0]))
        rank = cv2.resize(rank.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
        stats["ground_truth_spearman"] = round(order_depth_spearman(proc.first_painted, rank), 4)
    with atomic_dir(ctx.out_dir / item.id) as tmp:
        files = write_painting(tmp, item.id, dec, proc, provenance, stats,
                               video_fps=float(ctx.params.get("video_fps", 4)),
                               gif=bool(ctx.params.get("gif", True)))
    info = {k: stats[k] for k in ("psnr", "strokes", "keyframes", "depth_spearman") if k in stats}
    if "ground_truth_spearman" in stats:
        info["ground_truth_spearman"] = stats["ground_truth_spearman"]
    info["decompose_s"] = seconds["decompose"]
    return ItemResult.ok([f"{item.id}/{f}" for f in files], **info)
