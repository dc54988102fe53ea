"""``sequence.json``: one painting's keyframes in order, the last being the finished painting.

Written by ``clean`` (real recordings) and ``synth`` (stroke processes) through
:meth:`PaintingSequence.write`; read by everything after them through
:meth:`PaintingSequence.read`. Fields a producer does not know are left out of the file.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .dataset import SPLITS
from .io import RecordError, read_json, without_none, write_json

SEQUENCE_NAME = "sequence.json"


class SequenceError(RecordError):
    """A sequence.json that cannot be used (missing fields, no keyframes, missing files)."""


@dataclass(frozen=True)
class Keyframe:
    index: int
    t: float  # seconds since the start of the source video (synthetic: synthetic seconds)
    file: str  # relative to the sequence folder
    dt: float | None = None  # seconds since the previous keyframe (clean records it)
    frame: int | None = None  # the sampled frame it came from (clean)
    filled: bool | None = None  # covered pixels were filled from an earlier clean frame (clean, fill mode)

    def to_dict(self) -> dict[str, Any]:
        return without_none(asdict(self))


@dataclass(frozen=True)
class Rejection:
    """A frame that did not become a keyframe, and why (``code`` counts, ``reason`` reads)."""

    t: float
    reason: str
    frame: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(sorted(without_none(asdict(self)).items()))  # the order sequence.json stores them in


@dataclass
class PaintingSequence:
    """One painting's keyframes in order; the last one is the finished painting (the target)."""

    painting_id: str
    origin: str  # real | synthetic
    root: Path  # the folder holding sequence.json (not stored)
    keyframes: list[Keyframe]
    width: int = 0
    height: int = 0
    source_url: str = ""
    licence: str = ""
    uploader: str = ""
    title: str = ""
    split_hint: str = "auto"
    rejected: list[Rejection] = field(default_factory=list)
    start_t: float | None = None  # time of the blank canvas, when the producer knows it
    step_truth: str | None = None  # file (relative) with what each step exactly painted (synth)
    occluder_backend: str | None = None  # what found the hands (clean)
    canvas_backend: str | None = None  # what found the canvas (clean)

    def path(self, keyframe: Keyframe) -> Path:
        return self.root / keyframe.file

    @property
    def target(self) -> Keyframe:
        return self.keyframes[-1]

    def provenance(self) -> dict[str, str]:
        return {"source_url": self.source_url, "licence": self.licence, "uploader": self.uploader,
                "title": self.title}

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k not in ("root", "keyframes", "rejected")}
        data["keyframes"] = [k.to_dict() for k in self.keyframes]
        data["rejected"] = [r.to_dict() for r in self.rejected]
        return without_none(data)

    def write(self, folder: str | os.PathLike | None = None) -> Path:
        return write_json(Path(folder or self.root) / SEQUENCE_NAME, self.to_dict())

    @classmethod
    def read(cls, path: str | os.PathLike) -> "PaintingSequence":
        """Read ``<dir>/sequence.json`` (``path`` is the file or its folder); check its files exist."""
        path = Path(path)
        if path.is_dir():
            path = path / SEQUENCE_NAME
        try:
            data = read_json(path, "painting sequence")
        except RecordError as exc:
            raise SequenceError(str(exc)) from None
        root = path.parent
        keys = {"index", "t", "file", "dt", "frame", "filled"}
        frames = sorted((Keyframe(**{**{k: v for k, v in kf.items() if k in keys}, "index": int(kf.get("index", i)),
                                     "t": float(kf["t"]), "file": str(kf["file"])})
                         for i, kf in enumerate(data.get("keyframes") or [])), key=lambda k: (k.t, k.index))
        if not frames:
            raise SequenceError(f"{path}: no keyframes")
        missing = [k.file for k in frames if not (root / k.file).is_file()]
        if missing:
            raise SequenceError(f"{path}: missing keyframe files {missing[:3]}")
        truth = data.get("step_truth") or None
        if truth and not (root / truth).is_file():
            raise SequenceError(f"{path}: missing step truth file {truth!r}")
        split = str(data.get("split_hint") or "auto")
        start = data.get("start_t")
        return cls(
            painting_id=str(data.get("painting_id") or root.name), origin=str(data.get("origin") or "real"),
            root=root, keyframes=frames, width=int(data.get("width") or 0), height=int(data.get("height") or 0),
            source_url=str(data.get("source_url") or ""), licence=str(data.get("licence") or ""),
            uploader=str(data.get("uploader") or ""), title=str(data.get("title") or ""),
            split_hint=split if split in SPLITS else "auto",
            rejected=[Rejection(float(r.get("t", 0.0)), str(r.get("reason", "")), r.get("frame"))
                      for r in data.get("rejected") or []],
            start_t=None if start is None else float(start), step_truth=truth,
            occluder_backend=data.get("occluder_backend"), canvas_backend=data.get("canvas_backend"),
        )


def find_sequences(roots: Iterable[str | os.PathLike]) -> list[Path]:
    """``sequence.json`` files one level under each root; roots that are absent are skipped."""
    found = []
    for root in roots:
        root = Path(root)
        if root.is_dir():
            found += sorted(p for p in root.glob(f"*/{SEQUENCE_NAME}") if not p.parent.name.startswith(("_", ".")))
    return found
