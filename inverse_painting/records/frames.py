"""``data/frames/<id>/frames.json``: the sampled frames of a video. One writer (frames), one reader."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .io import read_json, write_json

FRAMES_NAME = "frames.json"


@dataclass(frozen=True)
class SampledFrameRow:
    k: int  # position among the sampled frames
    index: int  # index of the decoded frame in the stream
    t: float  # presentation time, seconds
    file: str  # relative to the video's frames folder
    before: str | None = None  # companion decoded companions_s before it (None: not kept, or none)
    after: str | None = None  # companion decoded companions_s after it


@dataclass
class FrameIndex:
    video_id: str
    rate: float  # frames kept per second of video
    width: int
    height: int
    source: dict[str, Any] = field(default_factory=dict)  # the video's provenance (RawInfo.provenance)
    frames: list[SampledFrameRow] = field(default_factory=list)
    companions_s: float = 0.0  # how far before and after each sample its companions were decoded (0: none)

    def write(self, folder: str | os.PathLike) -> Path:
        return write_json(Path(folder) / FRAMES_NAME, asdict(self))

    @classmethod
    def read(cls, folder: str | os.PathLike) -> "FrameIndex":
        data = read_json(Path(folder) / FRAMES_NAME, "frame index")
        return cls(str(data["video_id"]), float(data["rate"]), int(data["width"]), int(data["height"]),
                   dict(data.get("source") or {}), [SampledFrameRow(**row) for row in data["frames"]],
                   float(data.get("companions_s") or 0.0))
