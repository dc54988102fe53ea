"""``data/canvas/<id>/canvas.json``: the canvas in every sampled frame. One writer (canvas), one reader."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .io import read_json, write_json

CANVAS_NAME = "canvas.json"
NO_CANVAS = "no canvas"


@dataclass(frozen=True)
class CanvasSegment:
    """A camera set-up: frames between moves or cuts, with one canvas quad."""

    segment: int
    start_t: float
    end_t: float
    frames: int
    source: str  # how the quad was found: detected | propagated | "" (none)
    detections: int
    score: float


@dataclass(frozen=True)
class CanvasFrameRow:
    k: int
    t: float
    index: int
    source: str  # the sampled frame's file (in the frames folder)
    segment: int
    moving: bool
    detected: bool
    score: float
    quad: list[list[float]] | None  # TL, TR, BR, BL in frame pixels; None: no canvas
    file: str | None  # the rectified frame (canvas upright with a margin); None: no canvas
    reason: str  # why there is no canvas ("" when there is one)


@dataclass
class CanvasIndex:
    video_id: str
    backend: str
    width: int  # rectified canvas size (without the margin)
    height: int
    margin: int
    canvas_box: list[int]  # x0, y0, x1, y1 of the canvas inside a rectified frame
    aspect: float
    frame_size: list[int]
    segments: list[CanvasSegment] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)  # the video's provenance, from frames.json
    frames: list[CanvasFrameRow] = field(default_factory=list)

    def with_canvas(self) -> list[CanvasFrameRow]:
        return [r for r in self.frames if r.file is not None]

    def write(self, folder: str | os.PathLike) -> Path:
        return write_json(Path(folder) / CANVAS_NAME, asdict(self))

    @classmethod
    def read(cls, folder: str | os.PathLike) -> "CanvasIndex":
        d = read_json(Path(folder) / CANVAS_NAME, "canvas index")
        return cls(str(d["video_id"]), str(d["backend"]), int(d["width"]), int(d["height"]), int(d["margin"]),
                   list(d["canvas_box"]), float(d["aspect"]), list(d["frame_size"]),
                   [CanvasSegment(**s) for s in d.get("segments", [])], dict(d.get("source") or {}),
                   [CanvasFrameRow(**r) for r in d["frames"]])
