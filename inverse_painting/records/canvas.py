"""``data/canvas/<id>/canvas.json``: the canvas in every sampled frame. One writer (canvas), one reader.

Camera ``segments`` (frames between cuts or jumps, with the cue that decided each), canvas
``planes`` (segments registered to each other share one rectified plane; a video whose
segments do not register has several, and clean splits it there) and one row per sampled
frame: its quad (frame pixels, corners may lie outside the frame) or none with the reason,
its cue, the sides it sees, and the homography into its plane.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .io import read_json, write_json

CANVAS_NAME = "canvas.json"
NO_CANVAS = "no canvas"
CUES = ("edges", "grounding-dino", "lines", "frame", "none")


@dataclass(frozen=True)
class CanvasSegment:
    """A camera set-up: frames between cuts or jumps (SIFT homographies link them)."""

    segment: int
    start_t: float
    end_t: float
    frames: int
    cue: str  # the cue that decided most of its frames (one of CUES)
    canvas_frame: int | None  # its plane (None: no canvas in it)
    detections: int  # frames where the whole-canvas detector found it
    score: float  # edge support of its whole-canvas quad (0 for other cues)


@dataclass(frozen=True)
class CanvasPlane:
    """A canvas frame: the rectified plane one group of registered segments shares."""

    canvas_frame: int
    segments: list[int]
    whole: bool  # the whole outline is known: the plane is the upright canvas; else part of it
    width: int  # rectified size without the margin
    height: int
    margin: int
    canvas_box: list[int]  # x0, y0, x1, y1 of the canvas (whole) or of what was seen (part) in a rectified frame
    aspect: float
    registered: list[list[int]] = field(default_factory=list)  # [segment, segment, inliers] matched on the canvas


@dataclass(frozen=True)
class CanvasFrameRow:
    k: int
    t: float
    index: int
    source: str  # the sampled frame's file (in the frames folder)
    segment: int
    canvas_frame: int | None  # its plane (None: no canvas)
    cue: str  # what found the canvas in it (one of CUES)
    seen: list[bool]  # top, right, bottom, left: that side runs inside the frame on a canvas edge
    side_scores: list[float]  # how sure each seen side is (a whole-canvas cue: 1; a line: its sweep score)
    detected: bool  # the whole-canvas detector found it in this very frame
    score: float
    quad: list[list[float]] | None  # TL, TR, BR, BL in frame pixels (may lie outside the frame); None: no canvas
    to_plane: list[list[float]] | None  # 3x3 homography frame pixels -> rectified pixels (margin included)
    file: str | None  # the rectified frame (its plane, with the margin); None: no canvas
    reason: str  # why there is no canvas ("" when there is one)


@dataclass
class CanvasIndex:
    video_id: str
    backend: str
    frame_size: list[int]
    frames_sha256: str = ""  # content hash of the frames.json it was made from
    segments: list[CanvasSegment] = field(default_factory=list)
    planes: list[CanvasPlane] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)  # the video's provenance, from frames.json
    frames: list[CanvasFrameRow] = field(default_factory=list)

    def with_canvas(self, canvas_frame: int | None = None) -> list[CanvasFrameRow]:
        """Rows with a canvas (of one plane, when given)."""
        return [r for r in self.frames if r.file is not None and canvas_frame in (None, r.canvas_frame)]

    def write(self, folder: str | os.PathLike) -> Path:
        return write_json(Path(folder) / CANVAS_NAME, asdict(self))

    @classmethod
    def read(cls, folder: str | os.PathLike) -> "CanvasIndex":
        d = read_json(Path(folder) / CANVAS_NAME, "canvas index")
        return cls(str(d["video_id"]), str(d["backend"]), list(d["frame_size"]), str(d.get("frames_sha256", "")),
                   [CanvasSegment(**s) for s in d.get("segments", [])],
                   [CanvasPlane(**p) for p in d.get("planes", [])], dict(d.get("source") or {}),
                   [CanvasFrameRow(**r) for r in d["frames"]])
