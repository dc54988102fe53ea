"""``data/raw/<id>/info.json``: what ``fetch`` knows of a video. One writer (fetch), one reader."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .io import read_json, write_json

INFO_NAME = "info.json"
# What a dataset needs to know of a video's origin; carried through frames, canvas and clean.
PROVENANCE_KEYS = ("source_url", "licence", "uploader", "title", "split_hint", "genre", "medium", "painter")


@dataclass
class RawInfo:
    """One fetched video: its source and licence, and the stream's facts.

    ``extra`` holds what only some sources know (yt-dlp: channel, upload date, page URL, its
    own info JSON); it is stored flat beside the fixed fields.
    """

    id: str
    source_url: str
    kind: str  # sample | local | remote
    split_hint: str
    genre: str
    medium: str
    licence: str
    painter: str
    title: str
    uploader: str
    video: str  # file name of the video in the item folder
    duration_s: float
    width: int
    height: int
    fps: float
    codec: str
    ground_truth: str | None = None  # the sample world's ground-truth file, when there is one
    extra: dict[str, Any] = field(default_factory=dict)

    def provenance(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in PROVENANCE_KEYS}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        extra = data.pop("extra")
        return {**data, **extra}

    def write(self, folder: str | os.PathLike) -> Path:
        return write_json(Path(folder) / INFO_NAME, self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RawInfo":
        names = {f.name for f in fields(cls)} - {"extra"}
        return cls(**{k: data.get(k) for k in names}, extra={k: v for k, v in data.items() if k not in names})

    @classmethod
    def read(cls, folder: str | os.PathLike) -> "RawInfo":
        return cls.from_dict(read_json(Path(folder) / INFO_NAME, "fetched video's info.json"))
