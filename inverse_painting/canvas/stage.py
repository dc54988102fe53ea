"""The ``canvas`` stage: sampled frames -> per-frame quads + rectified canvas frames.

Writes ``<out>/<id>/rectified/<k>.png`` and the :class:`~inverse_painting.records.CanvasIndex`
(``canvas.json``): each frame's canvas warped upright to ``width`` x (width / aspect) with a
``margin`` of surroundings on every side (the clean stage looks there for arms and brushes
coming in from outside). Items name their frames folder relative to ``frames`` and carry the
content hash of its ``frames.json``, so a copied checkout finds its items done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np

from ..config import Execution
from ..media.images import read_image, write_image
from ..pipeline import Item, ItemContext, ItemResult, NoItems, atomic_dir
from ..pipeline.hashing import file_sha256
from ..records import CANVAS_NAME, FRAMES_NAME, NO_CANVAS, CanvasFrameRow, CanvasIndex, CanvasSegment, FrameIndex
from .detect import ClassicalCanvasConfig
from .detectors import CANVAS_DETECTORS
from .geometry import rectified_size, rectify
from .grounding_dino import GroundingDinoCanvasConfig
from .track import CanvasTrack, TrackConfig, track_canvas


@dataclass(frozen=True)
class CanvasConfig(Execution):
    frames: str = "data/frames"  # the frames outputs
    out: str = "data/canvas"
    backend: Literal["classical", "grounding-dino"] = "classical"  # canvas detector (its settings: below)
    classical: ClassicalCanvasConfig = field(default_factory=ClassicalCanvasConfig)
    grounding_dino: GroundingDinoCanvasConfig = field(default_factory=GroundingDinoCanvasConfig)
    motion_threshold: float = 0.006  # camera moved: frame corners shift by more than this share of the width
    batch_size: int = 4  # frames per detector call
    width: int = 512  # rectified canvas width; height from the canvas aspect ratio
    margin: float = 0.15  # surroundings kept around the rectified canvas (share of width)

    def detector_settings(self) -> Any:
        """The chosen detector's own settings (the section named like it)."""
        return getattr(self, self.backend.replace("-", "_"))


def frames_items(frames_dir: str | Path) -> list[Item]:
    """One item per sampled video under ``frames_dir`` (those with a frames.json)."""
    items = [Item(index.parent.name, {"frames": index.parent.name, "sha256": file_sha256(index)[:16]})
             for index in sorted(Path(frames_dir).glob(f"*/{FRAMES_NAME}"))]
    if not items:
        raise NoItems(f"{frames_dir}: no sampled videos (expected <id>/frames.json from `frames`)")
    return items


def canvas_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function for the ``canvas`` stage."""
    cfg: CanvasConfig = ctx.config
    frames_dir = Path(cfg.frames) / item.payload["frames"]
    index = FrameIndex.read(frames_dir)

    def load(pos: int) -> np.ndarray:
        return read_image(frames_dir / index.frames[pos].file)

    detector = CANVAS_DETECTORS.build(cfg.backend, cfg.detector_settings())
    tracking = TrackConfig(motion_threshold=cfg.motion_threshold, detect_batch=cfg.batch_size)
    track = track_canvas(load, len(index.frames), detector, tracking)
    aspect = track.aspect()
    if aspect is None:
        return ItemResult.skipped("no_canvas", f"{NO_CANVAS} in any of {len(index.frames)} frames",
                                  frames=len(index.frames))
    size = rectified_size(aspect, cfg.width)
    margin = int(round(cfg.margin * size[0]))
    record = CanvasIndex(item.id, cfg.backend, size[0], size[1], margin,
                         [margin, margin, margin + size[0], margin + size[1]], round(aspect, 5),
                         list(track.frame_size), _segments(index, track), index.source)
    with atomic_dir(ctx.out_dir / item.id) as tmp:
        record.frames = _rectify_frames(index, track, load, tmp, size, margin)
        record.write(tmp)
    return ItemResult.ok([f"{item.id}/{CANVAS_NAME}"], frames=len(index.frames),
                         with_canvas=len(record.with_canvas()), segments=len(record.segments),
                         width=size[0], height=size[1])


def _segments(index: FrameIndex, track: CanvasTrack) -> list[CanvasSegment]:
    rows = index.frames
    return [CanvasSegment(s.segment, rows[s.first].t, rows[s.last].t, s.last - s.first + 1, s.source, s.detections,
                          round(s.score, 4)) for s in track.segments]


def _rectify_frames(index: FrameIndex, track: CanvasTrack, load: Callable[[int], np.ndarray], folder: Path,
                    size: tuple[int, int], margin: int) -> list[CanvasFrameRow]:
    """Write every frame's rectified canvas into ``folder``; one row per sampled frame."""
    out = []
    for row, frame in zip(index.frames, track.frames):
        quad, name, reason = None, None, NO_CANVAS
        if frame.quad is not None:
            name, reason = f"rectified/{row.k:06d}.png", ""
            write_image(folder / name, rectify(load(frame.position), frame.quad, size, margin))
            quad = np.round(frame.quad, 3).tolist()
        out.append(CanvasFrameRow(row.k, row.t, row.index, row.file, frame.segment, frame.moving, frame.detected,
                                  round(frame.score, 4), quad, name, reason))
    return out
