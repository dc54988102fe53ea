"""Brush strokes as tensors: quadratic Bézier centre lines with width, colour and opacity.

Coordinates are canvas pixels (x right, y down, pixel centres at +0.5), so a stroke set
rendered at another resolution is just :meth:`StrokeParams.scaled`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch

# Pixels beyond the soft edge where a stroke's coverage is cut to exactly zero (in units of
# the edge softness): the sigmoid is below 3.4e-4 there, and the hard cut lets every renderer
# touch only a stroke's bounding box and still agree with the others exactly.
REACH_SOFTNESS = 8.0


@dataclass
class StrokeParams:
    """N strokes in painting order (index 0 is painted first).

    ``points``: (N, 3, 2) control points p0, p1, p2 in pixels; ``width``: (N,) full brush
    width in pixels; ``color``: (N, 3) RGB in [0, 1]; ``opacity``: (N,) in [0, 1].
    """

    points: torch.Tensor
    width: torch.Tensor
    color: torch.Tensor
    opacity: torch.Tensor

    def __len__(self) -> int:
        return int(self.points.shape[0])

    def tensors(self) -> list[torch.Tensor]:
        return [getattr(self, f.name) for f in fields(self)]

    def detach(self) -> "StrokeParams":
        return StrokeParams(*(t.detach() for t in self.tensors()))

    def clone(self) -> "StrokeParams":
        return StrokeParams(*(t.detach().clone() for t in self.tensors()))

    def to(self, dtype: torch.dtype) -> "StrokeParams":
        return StrokeParams(*(t.to(dtype) for t in self.tensors()))

    def select(self, index) -> "StrokeParams":
        """A subset (or reordering) of the strokes: ``index`` is a slice, mask or index tensor."""
        return StrokeParams(*(t[index] for t in self.tensors()))

    def scaled(self, factor: float) -> "StrokeParams":
        """The same strokes on a canvas ``factor`` times larger."""
        return StrokeParams(self.points * factor, self.width * factor, self.color, self.opacity)

    @staticmethod
    def empty(dtype: torch.dtype = torch.float32) -> "StrokeParams":
        return StrokeParams(torch.zeros(0, 3, 2, dtype=dtype), torch.zeros(0, dtype=dtype),
                            torch.zeros(0, 3, dtype=dtype), torch.zeros(0, dtype=dtype))

    @staticmethod
    def concat(parts: list["StrokeParams"]) -> "StrokeParams":
        parts = [p for p in parts if len(p)]
        if not parts:
            return StrokeParams.empty()
        return StrokeParams(*(torch.cat(ts) for ts in zip(*(p.tensors() for p in parts))))

    def curve(self, segments: int) -> torch.Tensor:
        """(N, segments + 1, 2) points along each Bézier centre line (differentiable)."""
        t = torch.linspace(0, 1, segments + 1, dtype=self.points.dtype, device=self.points.device)[None, :, None]
        p0, p1, p2 = self.points[:, 0:1], self.points[:, 1:2], self.points[:, 2:3]
        return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2

    def reach(self, softness: float) -> torch.Tensor:
        """(N,) distance from the centre line beyond which a stroke paints nothing."""
        return self.width / 2 + REACH_SOFTNESS * softness

    def lengths(self, segments: int = 8) -> torch.Tensor:
        """(N,) centre-line length in pixels."""
        c = self.curve(segments)
        return (c[:, 1:] - c[:, :-1]).norm(dim=-1).sum(1)

    def to_columns(self) -> dict[str, list[float]]:
        """Plain columns (for parquet): x0, y0, x1, y1, x2, y2, width, r, g, b, opacity."""
        p = self.points.detach().double().cpu()
        cols = {}
        for k in range(3):
            cols[f"x{k}"] = p[:, k, 0].tolist()
            cols[f"y{k}"] = p[:, k, 1].tolist()
        cols["width"] = self.width.detach().double().cpu().tolist()
        c = self.color.detach().double().cpu()
        for i, name in enumerate("rgb"):
            cols[name] = c[:, i].tolist()
        cols["opacity"] = self.opacity.detach().double().cpu().tolist()
        return cols

    @staticmethod
    def from_columns(cols, dtype: torch.dtype = torch.float32) -> "StrokeParams":
        """Inverse of :meth:`to_columns` (also accepts a pandas DataFrame)."""
        def col(name):
            return torch.as_tensor(list(cols[name]), dtype=dtype)

        points = torch.stack([torch.stack([col(f"x{k}"), col(f"y{k}")], -1) for k in range(3)], 1)
        color = torch.stack([col(c) for c in "rgb"], -1)
        return StrokeParams(points, col("width"), color, col("opacity"))
