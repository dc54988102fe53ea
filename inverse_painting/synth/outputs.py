"""Writing one synthetic painting: sequence, keyframes, masks, labels, strokes, video, sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..media.images import write_gif, write_image
from ..pipeline import atomic_path, atomic_write_json
from ..records import SEQUENCE_NAME, Keyframe, PaintingSequence
from .decompose import Decomposition
from .process import PaintingProcess
from .regions import colour_name, layer_names

# Per-step truth (stroke masks, layer, colour regions), named in sequence.json as ``step_truth``.
TRUTH_NAME = "regions.json"


def strokes_table(dec: Decomposition, proc: PaintingProcess):
    """One row per stroke in painting order: geometry, colour, grouping and timing."""
    import pandas as pd

    names = layer_names(int(dec.layer.max()) + 1 if len(dec.layer) else 1)
    table = {
        "stroke": np.arange(len(dec.strokes), dtype=np.int32),
        "frame": proc.stroke_frame.astype(np.int32),
        "t_start": proc.stroke_start.astype(np.float32),
        "t_end": proc.stroke_end.astype(np.float32),
        "layer": dec.layer.astype(np.int32),
        "layer_name": [names[i] for i in dec.layer],
        "pass": dec.pass_index.astype(np.int32),
        "region": dec.region.astype(np.int32),
        "depth": dec.depth.astype(np.float32),
    }
    table.update({k: np.asarray(v, np.float32) for k, v in dec.strokes.to_columns().items()})
    return pd.DataFrame(table)


def write_strokes(path: Path, dec: Decomposition, proc: PaintingProcess) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = strokes_table(dec, proc)
    table = pa.Table.from_pandas(df, preserve_index=False)
    h, w = dec.size
    meta = {**(table.schema.metadata or {}), b"canvas_width": str(w).encode(), b"canvas_height": str(h).encode(),
            b"softness": str(dec.softness).encode(), b"coordinates": b"pixels, x right, y down, pixel centres at +0.5"}
    with atomic_path(path) as tmp:
        pq.write_table(table.replace_schema_metadata(meta), tmp)
    return path


def write_video(path: Path, frames: list[np.ndarray], fps: float, hold_s: float = 1.5) -> Path:
    from ..media import VideoWriter

    h, w = frames[0].shape[:2]
    with VideoWriter(path, (w, h), fps) as vw:
        vw.write(np.full_like(frames[0], 255))
        for f in frames:
            vw.write(f)
        for _ in range(max(0, int(round(hold_s * fps)) - 1)):
            vw.write(frames[-1])
    return path


def _labelled(img: np.ndarray, text: str, width: int) -> np.ndarray:
    h, w = img.shape[:2]
    tile = cv2.resize(img, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    bar = np.full((18, width, 3), 255, np.uint8)
    cv2.putText(bar, text, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (20, 20, 20), 1, cv2.LINE_AA)
    return np.concatenate([bar, tile], 0)


def contact_sheet(dec: Decomposition, proc: PaintingProcess, columns: int = 5, tile_width: int = 200) -> np.ndarray:
    """Source, depth, paint-time map and evenly chosen keyframes on one sheet."""
    depth_vis = cv2.applyColorMap((255 * (1 - dec.depth_map)).astype(np.uint8), cv2.COLORMAP_VIRIDIS)[..., ::-1]
    first = proc.first_painted_frame.astype(np.float32)
    time_vis = cv2.applyColorMap((255 * first / max(first.max(), 1)).clip(0, 255).astype(np.uint8),
                                 cv2.COLORMAP_PLASMA)[..., ::-1]
    tiles = [_labelled(dec.target, "source", tile_width), _labelled(depth_vis, "depth (bright = near)", tile_width),
             _labelled(time_vis, "first painted (dark = early)", tile_width)]
    n_pick = columns * 2 - len(tiles) + columns
    picks = np.unique(np.linspace(0, len(proc.frames) - 1, min(n_pick, len(proc.frames))).round().astype(int))
    for k in picks:
        tiles.append(_labelled(proc.frames[k], f"{k}: {proc.stroke_counts[k]} strokes, {proc.times[k]:.0f} s",
                               tile_width))
    rows = []
    blank = np.full_like(tiles[0], 255)
    for r in range(0, len(tiles), columns):
        row = tiles[r:r + columns] + [blank] * (columns - len(tiles[r:r + columns]))
        rows.append(np.concatenate(row, 1))
    return np.concatenate(rows, 0)


def write_painting(dest: Path, painting_id: str, dec: Decomposition, proc: PaintingProcess,
                   provenance: dict[str, Any], stats: dict[str, Any], *, video_fps: float = 4.0,
                   gif: bool = True) -> list[str]:
    """Write everything for one painting into ``dest``; returns the files written (relative)."""
    h, w = dec.size
    keyframes, step_rows = [], []
    for k, (frame, mask, t, step) in enumerate(zip(proc.frames, proc.masks, proc.times, proc.steps)):
        write_image(dest / f"keyframes/{k:03d}.png", frame)
        write_image(dest / f"masks/{k:03d}.png", mask.astype(np.uint8) * 255)
        keyframes.append(Keyframe(k, t, f"keyframes/{k:03d}.png"))
        step_rows.append({"index": k, "t": t, "mask": f"masks/{k:03d}.png", **step})
    # The process starts on a white canvas at t = 0, so step 0's interval is known too.
    PaintingSequence(painting_id, "synthetic", dest, keyframes, width=w, height=h,
                     source_url=provenance.get("source_url", ""), licence=provenance.get("licence", ""),
                     uploader=provenance.get("uploader", ""), title=provenance.get("title", painting_id),
                     split_hint=provenance.get("split_hint", "auto"), start_t=0.0, step_truth=TRUTH_NAME).write(dest)
    n_layers = int(dec.layer_map.max()) + 1
    atomic_write_json(dest / TRUTH_NAME, {
        "layer_names": layer_names(n_layers),
        "layer_map": "layers.png", "region_map": "regions.png",
        "regions": [{"id": i, "rgb": [int(round(float(c))) for c in rgb], "name": colour_name(rgb)}
                    for i, rgb in enumerate(dec.region_colours)],
        "steps": step_rows,
    })
    write_image(dest / "layers.png", dec.layer_map.astype(np.uint8))
    write_image(dest / "regions.png", dec.region_map.astype(np.uint8))
    write_image(dest / "depth.png", (255 * (1 - dec.depth_map)).round().astype(np.uint8))
    write_image(dest / "source.png", dec.target)
    write_strokes(dest / "strokes.parquet", dec, proc)
    write_video(dest / "process.mp4", proc.frames, video_fps)
    files = [SEQUENCE_NAME, TRUTH_NAME, "strokes.parquet", "process.mp4", "contact_sheet.jpg", "synth.json"]
    if gif:
        write_gif(dest / "process.gif", proc.frames, video_fps, max_side=256, last_ms=1500, optimize=True)
        files.append("process.gif")
    write_image(dest / "contact_sheet.jpg", contact_sheet(dec, proc), quality=90)
    atomic_write_json(dest / "synth.json", stats)
    return files
