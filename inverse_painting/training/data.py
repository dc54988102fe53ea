"""The dataset's pair rows (read by :func:`inverse_painting.records.load_pairs`) as training tensors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..records.dataset import to_rgb


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
