"""The dataset's rows: schema, configs, splits, and the one reader of built datasets.

One row per step of one painting (ARCHITECTURE.md, "A training pair"), configs ``real`` and
``synthetic`` by the painting's origin, splits by painting. ``build`` writes rows with these
features; training, painting and evaluation read them through :func:`load_pairs`, from the
Hub-layout parquet shards (``data/<config>/<split>-*.parquet``), so a local build and a
downloaded Hub snapshot read the same way.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..pipeline.errors import NoItems

CONFIGS = ("real", "synthetic")
SPLITS = ("train", "validation", "test")
IMAGE_COLUMNS = ("current", "next", "target", "mask", "stroke_mask", "outstanding_mask", "painted_mask")


def features():
    """The row schema as ``datasets.Features``."""
    import datasets as hfd

    return hfd.Features({
        "painting_id": hfd.Value("string"), "step": hfd.Value("int32"),
        "current": hfd.Image(), "next": hfd.Image(), "target": hfd.Image(),
        "dt": hfd.Value("float32"), "mask": hfd.Image(), "stroke_mask": hfd.Image(),
        "outstanding_mask": hfd.Image(), "painted_mask": hfd.Image(), "text": hfd.Value("string"),
        "source_url": hfd.Value("string"), "licence": hfd.Value("string"), "origin": hfd.Value("string"),
    })


def shard_path(config: str, split: str, index: int, count: int) -> str:
    """Where ``push_to_hub(config_name=config, data_dir=f"data/{config}")`` puts a shard."""
    return f"data/{config}/{split}-{index:05d}-of-{count:05d}.parquet"


def dataset_configs(root: str | os.PathLike, split: str) -> list[str]:
    """The configs of a built dataset that have shards for ``split``."""
    data = Path(root) / "data"
    return [c for c in CONFIGS if any((data / c).glob(f"{split}-*.parquet"))]


def dataset_fingerprint(root: str | os.PathLike, configs: Sequence[str] | None = None) -> str:
    """Content hash of the dataset's parquet shards (of the given configs)."""
    root = Path(root)
    digest = hashlib.sha256()
    for config in sorted(configs or CONFIGS):
        for shard in sorted((root / "data" / config).glob("*.parquet")):
            digest.update(f"{config}/{shard.name}\0".encode())
            with open(shard, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def load_pairs(root: str | os.PathLike, split: str, configs: Sequence[str] | None = None):
    """The rows of ``split`` over the given (default: all present) configs, as one ``datasets.Dataset``."""
    import datasets

    root = Path(root)
    configs = [c for c in (configs or CONFIGS) if c in dataset_configs(root, split)]
    if not configs:
        raise NoItems(f"{root}: no parquet shards for split {split!r} under data/<config>/ "
                      "(build the dataset first: `inverse-painting build` or `dvc repro build`)")
    parts = [datasets.load_dataset("parquet", data_files={split: str(root / "data" / c / f"{split}-*.parquet")},
                                   split=split) for c in configs]
    return parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)


def to_rgb(image: Any, size: int | tuple[int, int] | None = None, mode: str = "RGB") -> np.ndarray:
    """A datasets Image value (PIL image or {bytes, path}) as a uint8 array, optionally resized
    to ``size`` (an int makes it square)."""
    from PIL import Image

    if isinstance(image, dict):
        image = Image.open(io.BytesIO(image["bytes"])) if image.get("bytes") else Image.open(image["path"])
    image = image.convert(mode)
    if size is not None:
        wh = (size, size) if isinstance(size, int) else size
        if image.size != wh:
            image = image.resize(wh, Image.NEAREST if mode == "L" else Image.BICUBIC)
    return np.asarray(image)


def split_targets(root: str | os.PathLike, split: str) -> dict[str, Any]:
    """painting id -> its target image value (one per painting) of a split, in row order."""
    rows = load_pairs(root, split)
    first: dict[str, int] = {}
    for i, pid in enumerate(rows["painting_id"]):
        first.setdefault(pid, i)
    return {pid: rows[i]["target"] for pid, i in first.items()}
