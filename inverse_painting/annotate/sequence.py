"""Reading painting sequences (``sequence.json`` + keyframe PNGs) written by clean and synth."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..pipeline.errors import UserError

SEQUENCE_NAME = "sequence.json"
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class Keyframe:
    index: int
    t: float  # seconds since the start of the source video (synthetic: synthetic seconds)
    file: str  # relative to the sequence folder


@dataclass
class PaintingSequence:
    """One painting's keyframes in order; the last one is the finished painting (the target)."""

    painting_id: str
    origin: str
    root: Path
    keyframes: list[Keyframe]
    width: int = 0
    height: int = 0
    source_url: str = ""
    licence: str = ""
    uploader: str = ""
    title: str = ""
    split_hint: str = "auto"
    rejected: list[dict[str, Any]] = field(default_factory=list)
    start_t: float | None = None  # time of the blank canvas, when the producer knows it
    step_truth: str = ""  # file (relative) with what each step exactly painted, when the producer knows it

    def path(self, keyframe: Keyframe) -> Path:
        return self.root / keyframe.file

    @property
    def target(self) -> Keyframe:
        return self.keyframes[-1]

    def provenance(self) -> dict[str, str]:
        return {"source_url": self.source_url, "licence": self.licence, "uploader": self.uploader,
                "title": self.title}


class SequenceError(UserError, ValueError):
    """A sequence.json that cannot be used (missing fields, no keyframes, missing files)."""


def load_sequence(path: str | os.PathLike) -> PaintingSequence:
    """Read ``<dir>/sequence.json`` (``path`` is the file or its folder) and check its files exist."""
    path = Path(path)
    if path.is_dir():
        path = path / SEQUENCE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SequenceError(f"{path}: unreadable sequence ({exc})") from exc
    root = path.parent
    frames = sorted((Keyframe(int(k.get("index", i)), float(k["t"]), str(k["file"]))
                     for i, k in enumerate(data.get("keyframes") or [])), key=lambda k: (k.t, k.index))
    if not frames:
        raise SequenceError(f"{path}: no keyframes")
    missing = [k.file for k in frames if not (root / k.file).is_file()]
    if missing:
        raise SequenceError(f"{path}: missing keyframe files {missing[:3]}")
    truth = str(data.get("step_truth") or "")
    if truth and not (root / truth).is_file():
        raise SequenceError(f"{path}: missing step truth file {truth!r}")
    split = str(data.get("split_hint") or "auto")
    start = data.get("start_t")
    return PaintingSequence(
        painting_id=str(data.get("painting_id") or root.name), origin=str(data.get("origin") or "real"),
        root=root, keyframes=frames, width=int(data.get("width") or 0), height=int(data.get("height") or 0),
        source_url=str(data.get("source_url") or ""), licence=str(data.get("licence") or ""),
        uploader=str(data.get("uploader") or ""), title=str(data.get("title") or ""),
        split_hint=split if split in SPLITS else "auto", rejected=list(data.get("rejected") or []),
        start_t=None if start is None else float(start), step_truth=truth,
    )


def find_sequences(roots: Iterable[str | os.PathLike]) -> list[Path]:
    """``sequence.json`` files one level under each root; roots that are absent are skipped."""
    found = []
    for root in roots:
        root = Path(root)
        if root.is_dir():
            found += sorted(p for p in root.glob(f"*/{SEQUENCE_NAME}") if not p.parent.name.startswith(("_", ".")))
    return found
