"""Synth's image sources by name: an image ``folder`` (or one file), a Hugging Face dataset
(``hf://<id or local dataset folder>``) and the sample world's stills (``sample://stills?...``).

The stage's ``input`` names its source by scheme (``hf://``, ``sample://``; anything else is a
folder or file path). Items carry paths relative to the source's folder and content hashes, so
a moved checkout finds its items done and a changed image is decomposed again.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..media.images import read_image, write_image
from ..pipeline import Item, NoItems
from ..pipeline.hashing import file_sha256
from ..pipeline.provenance import local_source
from ..registry import Backend, Registry
from .config import SynthConfig
from .inputs import ImageSource, Picture

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}
INPUTS_DIR = "_inputs"  # under the stage's out: images materialised from a dataset


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")[:80] or "image"


def _content_hash(path: Path) -> str:
    return file_sha256(path)[:16]


class FolderSource:
    """Every image file under a folder (or one image file); ids from the file names."""

    name = "folder"

    def __init__(self, config: SynthConfig):
        self.path, self.limit = Path(config.input), config.limit
        self.root = self.path if self.path.is_dir() else self.path.parent

    def items(self) -> list[Item]:
        if not self.path.exists():
            raise NoItems(f"synth input {str(self.path)!r}: no such file or folder (or use sample:// or hf://)")
        files = [self.path] if self.path.is_file() else sorted(
            p for p in self.path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and INPUTS_DIR not in p.parts)
        if not files:
            raise NoItems(f"synth input {self.path}: no images (looked for {', '.join(sorted(IMAGE_SUFFIXES))})")
        ids, seen = [], set()
        for f in files:
            base = _slug(f.stem)
            item_id, k = base, 1
            while item_id in seen:
                k += 1
                item_id = f"{base}-{k}"
            seen.add(item_id)
            ids.append(item_id)
        chosen = list(zip(ids, files))[:self.limit] if self.limit > 0 else list(zip(ids, files))
        return [Item(i, {"file": f.relative_to(self.root).as_posix(), "sha256": _content_hash(f)}) for i, f in chosen]

    def load(self, item: Item, size: int | None = None) -> Picture:
        path = self.root / item.payload["file"]
        return Picture(read_image(path, min_side=size),
                       {"source_url": local_source(path), "licence": "", "uploader": "", "title": item.id})


class HubDatasetSource:
    """A Hugging Face image dataset (Hub id or local folder) read with ``datasets.load_dataset``;
    its images are materialised once under ``<out>/_inputs/`` so items stay small and resumable."""

    name = "hf"

    def __init__(self, config: SynthConfig):
        self.dataset = config.input[len("hf://"):]
        self.out, self.split, self.column, self.limit = (Path(config.out), config.dataset_split,
                                                         config.dataset_column, config.limit)

    def items(self) -> list[Item]:
        from datasets import load_dataset

        ds = load_dataset(self.dataset, split=self.split)
        if self.column not in ds.column_names:
            raise ValueError(f"{self.dataset}: no column {self.column!r} (columns: {ds.column_names})")
        n = len(ds) if self.limit <= 0 else min(self.limit, len(ds))
        local = Path(self.dataset).exists()
        # A local dataset folder is named by its folder name, never its path.
        name = Path(self.dataset).name if local else self.dataset
        prefix = _slug(self.dataset.rstrip("/").split("/")[-1] if local else self.dataset.replace("/", "-"))
        items = []
        for i in range(n):
            item_id = f"{prefix}-{self.split}-{i:05d}"
            rel = f"{INPUTS_DIR}/{item_id}.png"
            if not (self.out / rel).exists():
                write_image(self.out / rel, np.asarray(ds[i][self.column].convert("RGB")))
            items.append(Item(item_id, {"file": rel, "sha256": _content_hash(self.out / rel), "dataset": name,
                                        "split": self.split, "row": i}))
        return items

    def load(self, item: Item, size: int | None = None) -> Picture:
        p = item.payload
        return Picture(read_image(self.out / p["file"], min_side=size),
                       {"source_url": f"hf://{p['dataset']}#{p['split']}/{p['row']}", "licence": "", "uploader": "",
                        "title": item.id})


def _sample_stills(config: SynthConfig) -> ImageSource:
    from ..sample.stills import SampleStills

    return SampleStills(config.input)


IMAGE_SOURCES = Registry("synth image source", [
    Backend("folder", FolderSource, summary="an image folder (or one image file)"),
    Backend("hf", HubDatasetSource, requires=("datasets",), install="datasets",
            summary="hf://<dataset id or local folder>: a Hugging Face image dataset"),
    Backend("sample", _sample_stills, summary="sample://stills?seeds=100-102&width=384: generated finished paintings "
                                              "(their true layer order scores the layering)"),
])


def source_name(spec: str) -> str:
    """The source an ``input`` names: its URI scheme, or ``folder`` for a path."""
    scheme, sep, _ = str(spec).partition("://")
    return scheme if sep else "folder"


def image_source(config: SynthConfig) -> ImageSource:
    """The image source of the stage's ``input``."""
    return IMAGE_SOURCES.build(source_name(config.input), config)
