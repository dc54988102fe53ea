"""The ``canvas`` stage: sampled frames -> per-frame canvas (or none, with the reason) + rectified frames.

Writes ``<out>/<id>/rectified/<k>.png`` and the :class:`~inverse_painting.records.CanvasIndex`
(``canvas.json``): camera segments with the cue that decided each, the canvas planes
(segments registered to each other share one), and per frame its quad, cue, seen sides and
the homography into its plane. Each frame is warped into its plane with a ``margin`` of
surroundings on every side (the clean stage looks there for arms and brushes coming in).
Items name their frames folder relative to ``frames`` and carry the content hash of its
``frames.json``, so a copied checkout finds its items done.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np

from ..config import Execution
from ..media.images import frame_cache_size, read_image, write_image
from ..pipeline import Item, ItemContext, ItemResult, NoItems, atomic_dir
from ..pipeline.hashing import file_sha256
from ..records import (CANVAS_NAME, FRAMES_NAME, NO_CANVAS, CanvasFrameRow, CanvasIndex, CanvasPlane, CanvasSegment,
                       FrameIndex)
from .cues import CuesConfig
from .detect import ClassicalCanvasConfig
from .detectors import CANVAS_CONFIRMERS, CANVAS_DETECTORS
from .finder import CanvasFinder, CanvasResult
from .geometry import warp_to_plane
from .grounding_dino import GroundingDinoCanvasConfig
from .person import PersonShotConfig, PersonShots
from .planes import Plane, canvas_planes
from .segments import SegmentsConfig


@dataclass(frozen=True)
class CanvasConfig(Execution):
    frames: str = "data/frames"  # the frames outputs
    out: str = "data/canvas"
    backend: Literal["classical", "grounding-dino"] = "classical"  # finds a canvas seen whole (settings: below)
    classical: ClassicalCanvasConfig = field(default_factory=ClassicalCanvasConfig)
    grounding_dino: GroundingDinoCanvasConfig = field(default_factory=GroundingDinoCanvasConfig)
    confirm: Literal["none", "grounding-dino"] = "none"  # a second opinion on partial views
    segments: SegmentsConfig = field(default_factory=SegmentsConfig)
    cues: CuesConfig = field(default_factory=CuesConfig)
    person: PersonShotConfig = field(default_factory=PersonShotConfig)
    width: int = 512  # rectified canvas width; height from the canvas aspect ratio
    margin: float = 0.15  # surroundings kept around the rectified canvas (share of width)

    def detector_settings(self) -> Any:
        """The chosen detector's own settings (the section named like it)."""
        return getattr(self, self.backend.replace("-", "_"))

    def finder(self) -> CanvasFinder:
        """The detector, person-shot test and confirmation these settings name, in one finder."""
        detector = CANVAS_DETECTORS.build(self.backend, self.detector_settings())
        confirm = None if self.confirm == "none" else CANVAS_CONFIRMERS.build(self.confirm, self.grounding_dino)
        return CanvasFinder(detector, self.segments, self.cues, PersonShots.build(self.person), confirm)


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

    @lru_cache(maxsize=frame_cache_size(index.width, index.height))  # scan, decide, refine, rectify
    def load(pos: int) -> np.ndarray:
        return read_image(frames_dir / index.frames[pos].file)

    result = cfg.finder().find(load, len(index.frames))
    cues = [i.cue for i in result.info]
    if all(f.quad is None for f in result.frames):
        reasons = Counter(f.reason or NO_CANVAS for f in result.frames)
        return ItemResult.skipped("no_canvas", f"{NO_CANVAS} in any of {len(index.frames)} frames",
                                  frames=len(index.frames), reasons=dict(reasons), cue_per_segment=cues)
    planes, owner, to_plane = canvas_planes(result, cfg.width, cfg.margin)
    record = CanvasIndex(item.id, cfg.backend, list(result.size), item.payload["sha256"],
                         _segments(index, result, owner), [_plane_row(p) for p in planes], index.source)
    with atomic_dir(ctx.out_dir / item.id) as tmp:
        record.frames = _rectify_frames(index, result, planes, owner, to_plane, load, tmp)
        record.write(tmp)
    return ItemResult.ok([f"{item.id}/{CANVAS_NAME}"], frames=len(index.frames),
                         with_canvas=len(record.with_canvas()), segments=len(record.segments),
                         canvas_frames=len(planes), registered=sum(len(p.links) for p in planes),
                         segments_by_cue=dict(sorted(Counter(cues).items())), cue_per_segment=cues)


def _segments(index: FrameIndex, result: CanvasResult, owner: list[int | None]) -> list[CanvasSegment]:
    rows = index.frames
    out = []
    for i in result.info:
        planes = [owner[k] for k in i.members if owner[k] is not None]
        out.append(CanvasSegment(i.segment, rows[i.members[0]].t, rows[i.members[-1]].t, len(i.members), i.cue,
                                 planes[0] if planes else None, i.detections, round(i.score, 4)))
    return out


def _plane_row(p: Plane) -> CanvasPlane:
    w, h, m = p.size[0], p.size[1], p.margin
    return CanvasPlane(p.canvas_frame, list(p.segments), p.whole, w, h, m, [m, m, m + w, m + h], p.aspect,
                       [list(link) for link in p.links])


def _rectify_frames(index: FrameIndex, result: CanvasResult, planes: list[Plane], owner: list[int | None],
                    to_plane: list[np.ndarray | None], load: Callable[[int], np.ndarray], folder: Path
                    ) -> list[CanvasFrameRow]:
    """Write every frame with a canvas into its plane (``folder/rectified``); one row per sampled frame."""
    out = []
    for k, (row, frame) in enumerate(zip(index.frames, result.frames)):
        quad = H = name = None
        if owner[k] is not None:
            plane = planes[owner[k]]
            name = f"rectified/{row.k:06d}.png"
            write_image(folder / name, warp_to_plane(load(k), to_plane[k], plane.size, plane.margin))
            quad, H = np.round(frame.quad, 3).tolist(), np.round(to_plane[k], 9).tolist()
        reason = "" if name else (frame.reason or NO_CANVAS)
        out.append(CanvasFrameRow(row.k, row.t, row.index, row.file, frame.segment, owner[k], frame.cue,
                                  [bool(s) for s in frame.seen], [round(float(v), 4) for v in frame.side_scores],
                                  frame.detected, round(frame.score, 4), quad, H,
                                  name, reason))
    return out
