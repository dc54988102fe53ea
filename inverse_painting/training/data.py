"""The dataset's pair rows (read by :func:`inverse_painting.records.load_pairs`) as training tensors."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..records.dataset import to_rgb


def _mask(row, column: str, resolution: int, fallback: np.ndarray | None) -> tuple[np.ndarray, float]:
    """A row's mask column at ``resolution`` (0/255) and its share of the canvas at full size;
    ``fallback`` (full size) where the row has none (a dataset built before the column existed)."""
    import cv2

    value = row.get(column)
    full = to_rgb(value, None, mode="L") if value is not None else fallback
    small = cv2.resize(full, (resolution, resolution), interpolation=cv2.INTER_AREA)
    return np.where(small > 127, 255, 0).astype(np.uint8), float((full > 127).mean())


@dataclass
class PairsData:
    """Training pairs at one square resolution, decoded once and kept in memory as uint8.

    Images are resized (not cropped) to ``resolution`` so the whole painting is always seen;
    the painter resizes its input the same way. ``mask`` is what the step painted (the
    ``painted_mask`` column; the difference mask for rows without it), ``outstanding`` the
    mask D(target, current, 0.2) the mask generator reads; their shares of the canvas feed
    the area rule.
    """

    current: np.ndarray  # (N, H, W, 3) uint8
    next: np.ndarray
    target: np.ndarray
    mask: np.ndarray  # (N, H, W) uint8 0/255: painted
    outstanding: np.ndarray  # (N, H, W) uint8 0/255
    dt: np.ndarray  # (N,) float32 seconds
    text: list[str]
    painting_id: list[str]
    origin: list[str]  # the dataset config of each row: real | synthetic
    step: np.ndarray  # (N,) int
    painted_area: np.ndarray  # (N,) share of the canvas painted
    outstanding_area: np.ndarray  # (N,) share still outstanding before the step
    _draw_weights: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # per shares, once

    @classmethod
    def from_rows(cls, rows, resolution: int) -> "PairsData":
        n = len(rows)
        if n == 0:
            raise ValueError("no training pairs")
        cols = {k: [] for k in ("current", "next", "target", "mask", "outstanding", "painted_area", "outstanding_area")}
        targets: dict[str, np.ndarray] = {}  # one decode per painting: every row repeats the target
        for row in rows:
            for k in ("current", "next"):
                cols[k].append(to_rgb(row[k], resolution))
            pid = row["painting_id"]
            if pid not in targets:
                targets[pid] = to_rgb(row["target"], resolution)
            cols["target"].append(targets[pid])
            difference = to_rgb(row["mask"], None, mode="L")
            mask, painted = _mask(row, "painted_mask", resolution, difference)
            left, outstanding = _mask(row, "outstanding_mask", resolution, np.full_like(difference, 255))
            cols["mask"].append(mask), cols["outstanding"].append(left)
            cols["painted_area"].append(painted), cols["outstanding_area"].append(outstanding)
        origins = list(rows["origin"]) if "origin" in rows.column_names else ["real"] * n
        return cls(*(np.stack(cols[k]) for k in ("current", "next", "target", "mask", "outstanding")),
                   np.asarray(rows["dt"], np.float32), list(rows["text"]), list(rows["painting_id"]),
                   ["synthetic" if o == "synthetic" else "real" for o in origins], np.asarray(rows["step"], np.int64),
                   np.asarray(cols["painted_area"]), np.asarray(cols["outstanding_area"]))

    def __len__(self) -> int:
        return len(self.dt)

    def vocabulary(self) -> list[str]:
        return sorted(set(self.text))

    def draw_weights(self, shares: dict[str, float]) -> np.ndarray | None:
        """Per-row draw probabilities giving each dataset config its share of the draws (configs not
        named keep their rows' uniform share); None for uniform draws over rows."""
        if not shares:
            return None
        key = tuple(sorted(shares.items()))
        if key not in self._draw_weights:
            self._draw_weights[key] = self._weights_for(shares)
        return self._draw_weights[key]

    def _weights_for(self, shares: dict[str, float]) -> np.ndarray:
        origins = np.asarray(self.origin)
        w = np.full(len(self), 1.0 / len(self))
        for config in set(self.origin):
            sel = origins == config
            if config in shares:
                w[sel] = float(shares[config]) / sel.sum()
        return w / w.sum()

    def statistics(self) -> dict:
        """What a painter trained on these pairs knows of its painters' pace: the median step, the
        mean steps per painting, and the outstanding share before each painting's last step."""
        last: dict[str, int] = {}
        for i, (pid, k) in enumerate(zip(self.painting_id, self.step)):
            if pid not in last or k > self.step[last[pid]]:
                last[pid] = i
        return {"pairs": len(self), "paintings": len(last), "median_dt": round(float(np.median(self.dt)), 4),
                "mean_steps": round(len(self) / max(1, len(last)), 3),
                "outstanding_before_last": round(float(np.median(self.outstanding_area[list(last.values())])), 4)}

    def batch(self, indices: np.ndarray, label_index, flip: np.ndarray | None = None) -> dict:
        """Tensors for the given rows: images in [-1, 1] NCHW, masks in {0, 1}, dt, labels."""
        import torch

        def images(a: np.ndarray) -> torch.Tensor:
            t = torch.from_numpy(a[indices]).permute(0, 3, 1, 2).float() / 127.5 - 1
            return _flip(t, flip)

        def masks(a: np.ndarray) -> torch.Tensor:
            return _flip(torch.from_numpy((a[indices] > 127).astype(np.float32))[:, None], flip)

        return {
            "current": images(self.current), "next_frame": images(self.next), "target": images(self.target),
            "mask": masks(self.mask), "outstanding": masks(self.outstanding), "dt": torch.from_numpy(self.dt[indices]),
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
