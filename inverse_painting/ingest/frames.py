"""Sample timestamped frames from a fetched video: ``<out>/<id>/frames/*.jpg`` + ``frames.json``."""

from __future__ import annotations

import json
from pathlib import Path

from ..media.images import write_image
from ..media.video import UnreadableVideo, sample_frames
from ..pipeline import Item, ItemContext, ItemResult, NoItems, atomic_dir, atomic_write_json
from ..pipeline.progress import item_progress

INDEX_NAME = "frames.json"
# What a dataset needs to know of a video's origin; carried through canvas and clean.
PROVENANCE_KEYS = ("source_url", "licence", "uploader", "title", "split_hint", "genre", "medium", "painter")


def fetched_items(raw_dir: str | Path) -> list[Item]:
    """Items for every successfully fetched video under ``raw_dir`` (those with an info.json)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise NoItems(f"{raw_dir}: no such folder (expected the fetch outputs: <id>/info.json + video)")
    items = []
    for info_path in sorted(raw_dir.glob("*/info.json")):
        info = json.loads(info_path.read_text(encoding="utf-8"))
        video = info_path.parent / info["video"]
        stat = video.stat()
        # The payload carries the video's size and mtime so a re-fetched video is re-sampled.
        items.append(Item(info_path.parent.name, {"video": str(video.resolve()), "bytes": stat.st_size,
                                                   "mtime_ns": stat.st_mtime_ns,
                                                   "source": {k: info.get(k, "") for k in PROVENANCE_KEYS}}))
    if not items:
        raise NoItems(f"{raw_dir}: no fetched videos (expected <id>/info.json from `fetch`)")
    return items


def load_frames_index(frames_dir: str | Path) -> dict:
    return json.loads((Path(frames_dir) / INDEX_NAME).read_text(encoding="utf-8"))


def frames_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function for the ``frames`` stage."""
    rate = float(ctx.params["rate"])
    backend = ctx.params.get("backend", "auto")
    quality = int(ctx.params.get("jpeg_quality", 95))
    dest = ctx.out_dir / item.id
    rows = []
    with atomic_dir(dest) as tmp, item_progress(None, f"frames {item.id}", "frame") as bar:
        for k, frame in enumerate(sample_frames(item.payload["video"], rate, backend)):
            name = f"frames/{k:06d}.jpg"
            write_image(tmp / name, frame.image, quality=quality)
            rows.append({"k": k, "index": frame.index, "t": round(frame.t, 6), "file": name})
            bar.update(1)
        if not rows:
            raise UnreadableVideo(f"{item.payload['video']}: no frames could be decoded")
        h, w = frame.image.shape[:2]
        atomic_write_json(tmp / INDEX_NAME, {"video_id": item.id, "rate": rate, "width": w, "height": h,
                                             "source": item.payload.get("source", {}), "frames": rows})
    return ItemResult.ok([f"{item.id}/{INDEX_NAME}"], frames=len(rows), duration_s=rows[-1]["t"])
