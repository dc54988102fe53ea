"""The ``clean`` stage item: rectified frames -> ``sequence.json`` + ``keyframes/NNN.png``.

Frames without a canvas, with a hand or brush over it, duplicates and frames that barely
change are rejected, each with its reason; the kept keyframes (lossless PNG, canvas only,
lighting-normalised) form the painting sequence described in ARCHITECTURE.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..media.images import read_image, write_image
from ..pipeline import Item, ItemContext, ItemResult, NoItems, atomic_dir, atomic_write_json
from .keyframes import KeyframeConfig, select_keyframes
from .occluders import analysis_frames, make_occluder_detector

SEQUENCE_NAME = "sequence.json"
OCCLUDER_KEYS = ("window", "deviation", "min_skin_px", "min_cross_px", "reach_px", "model", "prompt", "box_threshold",
                 "text_threshold", "device", "batch_size")


def canvas_items(canvas_dir: str | Path) -> list[Item]:
    """One item per video the canvas stage rectified (those with a canvas.json)."""
    items = []
    for index in sorted(Path(canvas_dir).glob("*/canvas.json")):
        stat = index.stat()
        items.append(Item(index.parent.name, {"canvas": str(index.parent.resolve()), "mtime_ns": stat.st_mtime_ns,
                                              "bytes": stat.st_size}))
    if not items:
        raise NoItems(f"{canvas_dir}: no rectified videos (expected <id>/canvas.json from `canvas`)")
    return items


def fill_from(frame: np.ndarray, mask: np.ndarray, clean: np.ndarray, grow: int = 9) -> np.ndarray:
    """``frame`` with the (dilated) ``mask`` pixels taken from the earlier clean frame."""
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((grow, grow), np.uint8)).astype(bool)
    out = frame.copy()
    out[grown] = clean[grown]
    return out


def clean_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function for the ``clean`` stage."""
    p = ctx.params
    canvas_dir = Path(item.payload["canvas"])
    index = json.loads((canvas_dir / "canvas.json").read_text(encoding="utf-8"))
    rows = index["frames"]
    rejected: list[dict[str, Any]] = [{"t": r["t"], "frame": r["k"], "reason": r["reason"] or "no canvas"}
                                      for r in rows if r["file"] is None]
    present = [r for r in rows if r["file"] is not None]
    if not present:
        return ItemResult.skipped("no canvas in any frame")

    def load(i: int) -> np.ndarray:
        return read_image(canvas_dir / present[i]["file"])

    frames = analysis_frames(load, len(present), tuple(index["canvas_box"]), int(p.get("analysis_width", 200)))
    fill = str(p.get("occluded", "drop")) == "fill"
    options = {k: p[k] for k in OCCLUDER_KEYS if k in p}
    if fill:
        options["reach_px"] = 0  # filling copies pixels: only those really covered, not their surroundings
    detector = make_occluder_detector(str(p.get("backend", "classical")), **options)
    occlusions = detector.detect(frames, load)
    min_fraction = float(p.get("min_occluder_fraction", 0.0005))
    x0, y0, x1, y1 = index["canvas_box"]

    views, times, sources, filled = [], [], [], {}
    last_clean = None
    for i, (row, occ) in enumerate(zip(present, occlusions)):
        if occ.fraction >= min_fraction:
            if fill and last_clean is not None and occ.mask is not None:
                small_mask = cv2.resize(occ.mask.astype(np.uint8), frames.small.shape[2:0:-1],
                                        interpolation=cv2.INTER_NEAREST)
                view = fill_from(frames.small[i], small_mask, frames.small[last_clean], grow=3)
                filled[i] = last_clean
            else:
                rejected.append({"t": row["t"], "frame": row["k"],
                                 "reason": f"hand or brush over the canvas ({occ.fraction:.1%} of it)"})
                continue
        else:
            view, last_clean = frames.small[i], i
        ys, xs = np.nonzero(frames.inside)
        views.append(view[ys.min():ys.max() + 1, xs.min():xs.max() + 1])
        times.append(float(row["t"]))
        sources.append(i)
    if not views:  # nothing clean to keep: an empty sequence would only fail downstream
        return ItemResult.skipped(f"every frame occluded: a hand or brush covers the canvas in all {len(present)} "
                                  "frames that show it", occluded=len(present))
    config = KeyframeConfig(**{k: float(p[k]) for k in ("pixel_change", "min_change", "duplicate_change",
                                                          "regress_tolerance") if k in p})
    verdicts = select_keyframes(views, times, config)
    info = index.get("source") or {}  # the video's provenance, carried from fetch through frames and canvas
    keyframes = []
    with atomic_dir(ctx.out_dir / item.id) as tmp:
        for v in verdicts:
            i = sources[v.position]
            row = present[i]
            if not v.kept:
                rejected.append({"t": row["t"], "frame": row["k"], "reason": v.reason})
                continue
            image = load(i).astype(np.float32) * frames.gains[i][None, None, :]
            image = np.clip(image, 0, 255).astype(np.uint8)
            if i in filled:
                clean = np.clip(load(filled[i]).astype(np.float32) * frames.gains[filled[i]], 0, 255).astype(np.uint8)
                image = fill_from(image, occlusions[i].mask, clean)
            name = f"keyframes/{len(keyframes):03d}.png"
            write_image(tmp / name, image[y0:y1, x0:x1])
            dt = round(row["t"] - keyframes[-1]["t"], 6) if keyframes else 0.0
            keyframes.append({"index": len(keyframes), "t": row["t"], "file": name, "dt": dt, "frame": row["k"],
                              "filled": i in filled})
        rejected.sort(key=lambda r: r["t"])
        sequence = {
            "painting_id": item.id, "origin": "real", "source_url": info.get("source_url", ""),
            "licence": info.get("licence", ""), "uploader": info.get("uploader", ""), "title": info.get("title", ""),
            "split_hint": info.get("split_hint", "auto"), "width": x1 - x0, "height": y1 - y0,
            "keyframes": keyframes, "rejected": rejected,
            "occluder_backend": detector.name, "canvas_backend": index.get("backend", ""),
        }
        atomic_write_json(tmp / SEQUENCE_NAME, sequence)
    reasons: dict[str, int] = {}
    for r in rejected:
        key = r["reason"].split(" (")[0].split(" at t=")[0].split(" of the ")[0]
        reasons[key] = reasons.get(key, 0) + 1
    return ItemResult.ok([f"{item.id}/{SEQUENCE_NAME}"], keyframes=len(keyframes), rejected=len(rejected),
                         occluded=sum(o.fraction >= min_fraction for o in occlusions), reasons=reasons)
