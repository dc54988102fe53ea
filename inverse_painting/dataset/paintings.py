"""The annotated paintings a build reads: each :class:`~inverse_painting.records.StepsDoc` with
its dataset config (by origin) and split (by painting)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..pipeline import NoItems
from ..pipeline.provenance import is_local_path, local_source
from ..records import STEPS_NAME, StepRecord, StepsDoc
from .config import BuildConfig
from .split import assign_split


@dataclass
class PaintingEntry:
    """One annotated painting as the build sees it."""

    painting_id: str
    origin: str  # the dataset config: real | synthetic
    split: str
    root: Path  # the folder holding steps.json
    doc: StepsDoc

    def source(self) -> dict[str, Any]:
        d = self.doc
        return {"painting_id": self.painting_id, "origin": self.origin, "split": self.split,
                "title": d.title, "source_url": d.source_url, "licence": d.licence, "uploader": d.uploader,
                "steps": len(d.steps), "mask_backend": d.mask_backend, "label_backend": d.label_backend}


def publishable_source(url: str) -> str:
    """``url`` as the dataset may publish it: a local path becomes its file name and content
    hash (or just its file name when the file is gone), never the path itself."""
    if not is_local_path(url):
        return url
    path = Path(url.removeprefix("file://")).expanduser()
    return local_source(path) if path.is_file() else f"local:{path.name}"


def steps_files(annotations: str | Path) -> list[Path]:
    """``<annotations>/<id>/steps.json`` in id order (bookkeeping folders left out)."""
    root = Path(annotations)
    return [p for p in sorted(root.glob(f"*/{STEPS_NAME}")) if not p.parent.name.startswith(("_", "."))] \
        if root.is_dir() else []


def collect_paintings(config: BuildConfig) -> list[PaintingEntry]:
    """Every annotated painting with steps, with its config and split, sorted by id."""
    entries = []
    for path in steps_files(config.annotations):
        doc = StepsDoc.read(path)
        if not doc.steps:
            continue
        origin = "synthetic" if doc.origin == "synthetic" else "real"
        pid = doc.painting_id or path.parent.name
        doc = dataclasses.replace(doc, source_url=publishable_source(doc.source_url))
        split = assign_split(pid, config.split_ratios, doc.split_hint, config.split_seed)
        entries.append(PaintingEntry(pid, origin, split, path.parent, doc))
    if not entries:
        raise NoItems(f"{config.annotations}: no annotated paintings (expected <id>/steps.json from `annotate`)")
    return entries


def example_strip(entry: PaintingEntry, step: StepRecord, height: int = 128) -> np.ndarray:
    """current | next | mask | target side by side, for the card and the preview."""
    tiles = []
    for rel in (step.current, step.next, step.mask, entry.doc.target):
        with Image.open(entry.root / rel) as im:
            im = im.convert("RGB")
            w = max(1, round(im.width * height / im.height))
            tiles.append(np.asarray(im.resize((w, height), Image.Resampling.BILINEAR)))
    gap = np.full((height, 4, 3), 255, np.uint8)
    parts = []
    for tile in tiles:
        parts += [tile, gap]
    return np.concatenate(parts[:-1], axis=1)
