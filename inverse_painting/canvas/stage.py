"""The ``canvas`` stage item: sampled frames -> per-frame quads + rectified canvas frames.

Writes ``<out>/<id>/canvas.json`` and ``rectified/<k>.png``: each frame's canvas warped
upright to ``width`` x (width / aspect) with a ``margin`` of surroundings on every side
(the clean stage looks there for arms and brushes coming in from outside).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..media.images import read_image, write_image
from ..pipeline import Item, ItemContext, ItemResult, NoItems, atomic_dir, atomic_write_json
from .detect import make_canvas_detector
from .geometry import rectified_size, rectify
from .track import TrackConfig, track_canvas

INDEX_NAME = "canvas.json"
NO_CANVAS = "no canvas"
DETECTOR_KEYS = ("model", "prompt", "box_threshold", "text_threshold", "device", "min_score")


def frames_items(frames_dir: str | Path) -> list[Item]:
    """One item per sampled video under ``frames_dir`` (those with a frames.json)."""
    items = []
    for index in sorted(Path(frames_dir).glob("*/frames.json")):
        stat = index.stat()
        items.append(Item(index.parent.name, {"frames": str(index.parent.resolve()), "mtime_ns": stat.st_mtime_ns,
                                              "bytes": stat.st_size}))
    if not items:
        raise NoItems(f"{frames_dir}: no sampled videos (expected <id>/frames.json from `frames`)")
    return items


def canvas_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function for the ``canvas`` stage."""
    p = ctx.params
    frames_dir = Path(item.payload["frames"])
    frames_index = json.loads((frames_dir / "frames.json").read_text(encoding="utf-8"))
    rows = frames_index["frames"]

    def load(pos: int) -> np.ndarray:
        return read_image(frames_dir / rows[pos]["file"])

    backend = str(p.get("backend", "classical"))
    detector = make_canvas_detector(backend, **{k: p[k] for k in DETECTOR_KEYS if k in p})
    config = TrackConfig(motion_threshold=float(p.get("motion_threshold", TrackConfig.motion_threshold)),
                         detect_batch=int(p.get("batch_size", TrackConfig.detect_batch)))
    track = track_canvas(load, len(rows), detector, config)
    aspect = track.aspect()
    if aspect is None:
        return ItemResult.skipped(f"{NO_CANVAS} in any of {len(rows)} frames")
    size = rectified_size(aspect, int(p.get("width", 512)))
    margin = int(round(float(p.get("margin", 0.15)) * size[0]))
    out_rows = []
    with atomic_dir(ctx.out_dir / item.id) as tmp:
        for row, frame in zip(rows, track.frames):
            rec = {"k": row["k"], "t": row["t"], "index": row["index"], "source": row["file"],
                   "segment": frame.segment, "moving": frame.moving, "detected": frame.detected,
                   "score": round(frame.score, 4), "quad": None, "file": None, "reason": NO_CANVAS}
            if frame.quad is not None:
                name = f"rectified/{row['k']:06d}.png"
                write_image(tmp / name, rectify(load(frame.position), frame.quad, size, margin))
                rec.update(quad=np.round(frame.quad, 3).tolist(), file=name, reason="")
            out_rows.append(rec)
        segments = [{"segment": s.segment, "start_t": rows[s.first]["t"], "end_t": rows[s.last]["t"],
                     "frames": s.last - s.first + 1, "source": s.source, "detections": s.detections,
                     "score": round(s.score, 4)} for s in track.segments]
        atomic_write_json(tmp / INDEX_NAME, {
            "video_id": item.id, "backend": backend, "width": size[0], "height": size[1], "margin": margin,
            "canvas_box": [margin, margin, margin + size[0], margin + size[1]], "aspect": round(aspect, 5),
            "frame_size": list(track.frame_size), "segments": segments, "source": frames_index.get("source", {}),
            "frames": out_rows})
    with_canvas = sum(r["file"] is not None for r in out_rows)
    return ItemResult.ok([f"{item.id}/{INDEX_NAME}"], frames=len(rows), with_canvas=with_canvas,
                         segments=len(segments), width=size[0], height=size[1])
