"""Reading the dataset's pair rows (see ARCHITECTURE.md) into training tensors.

The dataset is read from its Hub-layout parquet shards (``data/<config>/<split>-*.parquet``)
with ``datasets``, so a local build and a downloaded Hub snapshot read the same way.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from ..pipeline.errors import NoItems

CONFIGS = ("real", "synthetic")


def dataset_configs(root: str | os.PathLike, split: str) -> list[str]:
    """The configs of a built dataset that have shards for ``split``."""
    data = Path(root) / "data"
    return [c for c in CONFIGS if any((data / c).glob(f"{split}-*.parquet"))]


def dataset_fingerprint(root: str | os.PathLike, configs: Sequence[str] | None = None) -> str:
    """Content hash of the dataset's parquet shards (the configs trained on): a checkpoint
    is resumed only by a run over the very same data."""
    import hashlib

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
    """The rows of ``split`` over the given (default: all present) configs, as one datasets.Dataset."""
    import datasets

    root = Path(root)
    configs = [c for c in (configs or CONFIGS) if c in dataset_configs(root, split)]
    if not configs:
        raise NoItems(f"{root}: no parquet shards for split {split!r} under data/<config>/ "
                      "(build the dataset first: `inverse-painting build` or `dvc repro build`)")
    parts = [datasets.load_dataset("parquet", data_files={split: str(root / "data" / c / f"{split}-*.parquet")},
                                   split=split) for c in configs]
    return parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)


def to_rgb(image, size: int | tuple[int, int] | None = None, mode: str = "RGB") -> np.ndarray:
    """A datasets Image value (PIL image or {bytes, path}) as a uint8 array, optionally resized
    to ``size`` (an int makes it square)."""
    if isinstance(image, dict):
        image = Image.open(io.BytesIO(image["bytes"])) if image.get("bytes") else Image.open(image["path"])
    image = image.convert(mode)
    if size is not None:
        wh = (size, size) if isinstance(size, int) else size
        if image.size != wh:
            image = image.resize(wh, Image.NEAREST if mode == "L" else Image.BICUBIC)
    return np.asarray(image)


@dataclass
class PairsData:
    """Training pairs at one square resolution, decoded once and kept in memory as uint8.

    Images are resized (not cropped) to ``resolution`` so the whole painting is always seen;
    the painter resizes its input the same way.
    """

    current: np.ndarray  # (N, H, W, 3) uint8
    next: np.ndarray
    target: np.ndarray
    mask: np.ndarray  # (N, H, W) uint8 0/255
    dt: np.ndarray  # (N,) float32 seconds
    text: list[str]
    painting_id: list[str]

    @classmethod
    def from_rows(cls, rows, resolution: int) -> "PairsData":
        n = len(rows)
        if n == 0:
            raise ValueError("no training pairs")
        cols = {k: [] for k in ("current", "next", "target", "mask")}
        targets: dict[str, np.ndarray] = {}  # one decode per painting: every row repeats the target
        for row in rows:
            for k in ("current", "next"):
                cols[k].append(to_rgb(row[k], resolution))
            pid = row["painting_id"]
            if pid not in targets:
                targets[pid] = to_rgb(row["target"], resolution)
            cols["target"].append(targets[pid])
            cols["mask"].append(to_rgb(row["mask"], resolution, mode="L"))
        return cls(np.stack(cols["current"]), np.stack(cols["next"]), np.stack(cols["target"]),
                   np.stack(cols["mask"]), np.asarray(rows["dt"], np.float32), list(rows["text"]),
                   list(rows["painting_id"]))

    def __len__(self) -> int:
        return len(self.dt)

    def vocabulary(self) -> list[str]:
        return sorted(set(self.text))

    def batch(self, indices: np.ndarray, label_index, flip: np.ndarray | None = None) -> dict:
        """Tensors for the given rows: images in [-1, 1] NCHW, mask in {0, 1}, dt, labels."""
        import torch

        def images(a: np.ndarray) -> torch.Tensor:
            t = torch.from_numpy(a[indices]).permute(0, 3, 1, 2).float() / 127.5 - 1
            return _flip(t, flip)

        mask = _flip(torch.from_numpy((self.mask[indices] > 127).astype(np.float32))[:, None], flip)
        return {
            "current": images(self.current), "next_frame": images(self.next), "target": images(self.target),
            "mask": mask, "dt": torch.from_numpy(self.dt[indices]),
            "labels": torch.tensor([label_index(self.text[i]) for i in indices], dtype=torch.long),
        }


def _flip(t, flip):
    """Mirror the chosen examples left-right (the same for every image of a pair)."""
    if flip is None or not flip.any():
        return t
    import torch

    t = t.clone()
    idx = torch.from_numpy(np.nonzero(flip)[0])
    t[idx] = t[idx].flip(-1)
    return t
