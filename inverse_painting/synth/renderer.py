"""A differentiable soft stroke rasterizer, binned by tiles.

Every stroke's coverage at a pixel is ``opacity * sigmoid((width/2 - d) / softness)``, with
``d`` the distance to its Bézier centre line (a short polyline), cut to zero beyond
:data:`~inverse_painting.synth.strokes.REACH_SOFTNESS` softness units. Strokes are
composited alpha-over in order. Work is done only for (tile, stroke) pairs whose tile the
stroke can reach, so memory grows with the painted area, not with strokes x H x W (a dense
version runs out of memory at 1024 strokes x 512 px). The per-pixel work of each tile (distance,
coverage, alpha-over, and their gradients) runs in compiled SIMD kernels (:mod:`.tile_kernels`),
one torch autograd function around them, float32 throughout.

:class:`StrokeCanvas` is the no-autograd twin for making videos: it composites strokes one
at a time into their own bounding boxes, and agrees with :func:`render` to float precision.
"""

from __future__ import annotations

import contextlib
import math
import sys
import threading
from typing import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from . import tile_kernels
from .strokes import REACH_SOFTNESS, StrokeParams

@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run with ``n`` torch threads. The tensors here are small; on a shared machine extra
    threads mostly spin at barriers, which measured 5-10x slower under contention."""
    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, n))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


DEFAULT_SEGMENTS = 8  # polyline segments per quadratic Bézier


def stroke_distance2(q: torch.Tensor, curve: torch.Tensor) -> torch.Tensor:
    """Squared distance from points to stroke centre lines: the minimum over polyline segments.

    ``q``: (N, M, 2) points, row i measured against polyline i of ``curve`` (N, K+1, 2). Builds
    (N, M, K) values: for the no-autograd canvas, one stroke at a time; the renderer's binning
    and per-pixel work are in :mod:`.tile_kernels`.
    """
    # x and y as separate planes: reductions over a trailing axis of size 2 are slow
    ax, ay = curve[:, None, :-1, 0], curve[:, None, :-1, 1]  # (N, 1, K)
    abx, aby = curve[:, None, 1:, 0] - ax, curve[:, None, 1:, 1] - ay
    aqx, aqy = q[..., 0, None] - ax, q[..., 1, None] - ay  # (N, M, K)
    t = ((aqx * abx + aqy * aby) / (abx * abx + aby * aby + 1e-12)).clamp(0, 1)
    dx, dy = aqx - t * abx, aqy - t * aby
    return (dx * dx + dy * dy).amin(-1)


def coverage(d2: torch.Tensor, width: torch.Tensor, opacity: torch.Tensor, softness: float) -> torch.Tensor:
    """Stroke alpha from squared distance to its centre line (broadcasting)."""
    d = torch.sqrt(d2 + 1e-8)
    reach = width / 2 + softness * REACH_SOFTNESS
    alpha = opacity * torch.sigmoid((width / 2 - d) / softness)
    return alpha * (d <= reach).to(alpha.dtype)


def _to_tiles(img: torch.Tensor, tile: int, nty: int, ntx: int) -> torch.Tensor:
    """(H, W, C) -> (nty * ntx, tile * tile, C), zero-padded at the right and bottom."""
    h, w, c = img.shape
    pad = torch.nn.functional.pad(img.permute(2, 0, 1), (0, ntx * tile - w, 0, nty * tile - h))
    return pad.reshape(c, nty, tile, ntx, tile).permute(1, 3, 2, 4, 0).reshape(nty * ntx, tile * tile, c)


def _from_tiles(tiles: torch.Tensor, tile: int, nty: int, ntx: int, h: int, w: int) -> torch.Tensor:
    c = tiles.shape[-1]
    img = tiles.reshape(nty, ntx, tile, tile, c).permute(0, 2, 1, 3, 4).reshape(nty * tile, ntx * tile, c)
    return img[:h, :w]


@torch.no_grad()
def _bin_pairs(curve: torch.Tensor, reach: torch.Tensor, tile: int, nty: int, ntx: int, h: int, w: int):
    """(stroke, tile) pairs a stroke can paint, sorted by tile, then painting order."""
    n = curve.shape[0]
    lo = curve.amin(1) - reach[:, None]
    hi = curve.amax(1) + reach[:, None]
    visible = (hi[:, 0] > 0) & (lo[:, 0] < w) & (hi[:, 1] > 0) & (lo[:, 1] < h)
    tx0 = (lo[:, 0] / tile).floor().clamp(0, ntx - 1).long()
    tx1 = (hi[:, 0] / tile).floor().clamp(0, ntx - 1).long()
    ty0 = (lo[:, 1] / tile).floor().clamp(0, nty - 1).long()
    ty1 = (hi[:, 1] / tile).floor().clamp(0, nty - 1).long()
    span_x = tx1 - tx0 + 1
    counts = span_x * (ty1 - ty0 + 1) * visible.long()
    sid = torch.repeat_interleave(torch.arange(n), counts)
    if sid.numel() == 0:
        return sid, sid
    first = torch.cumsum(counts, 0) - counts
    local = torch.arange(sid.numel()) - first[sid]
    tx = tx0[sid] + local % span_x[sid]
    ty = ty0[sid] + local // span_x[sid]
    # Drop bounding-box tiles the stroke cannot reach (diagonal and curved strokes).
    cx, cy = (tx.to(curve.dtype) + 0.5) * tile, (ty.to(curve.dtype) + 0.5) * tile
    d2 = torch.from_numpy(tile_kernels.point_distance2(curve.contiguous().numpy(), sid.numpy(), cx.numpy(), cy.numpy()))
    keep = d2.sqrt() <= reach[sid] + tile * math.sqrt(0.5) + 1e-3
    sid, tile_id = sid[keep], (ty * ntx + tx)[keep]
    order = torch.argsort(tile_id * n + sid)
    return sid[order], tile_id[order]


@dataclass
class TileGrid:
    """How an (H, W) canvas is cut into square tiles (padded at the right and bottom)."""

    height: int
    width: int
    tile: int = 8

    @property
    def rows(self) -> int:
        return -(-self.height // self.tile)

    @property
    def cols(self) -> int:
        return -(-self.width // self.tile)

    def split(self, img: torch.Tensor) -> torch.Tensor:
        """(H, W, C) -> (rows * cols, tile * tile, C)."""
        return _to_tiles(img, self.tile, self.rows, self.cols)

    def join(self, tiles: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`split`."""
        return _from_tiles(tiles, self.tile, self.rows, self.cols, self.height, self.width)


@dataclass
class TileComposite:
    """The composite on the tiles the strokes reach: ``tiles`` (G,) tile indices, ``rgb``
    (G, tile*tile, 3) colour over the background, ``transmit`` (G, tile*tile) share of the
    background still showing (1 - combined stroke coverage)."""

    tiles: torch.Tensor
    rgb: torch.Tensor
    transmit: torch.Tensor


class _ScratchPool(threading.local):
    """Reused buffers for what the forward pass keeps for the backward (tens of MB). A fresh one
    per call is mapped page by page on first touch, which cost more than the kernels' arithmetic
    (about 0.1 s per render of 1024 strokes at 512 px). A buffer is free again once no view of it
    is alive (its autograd graph was freed after the backward, or never needed one)."""

    def __init__(self, keep: int = 2):
        self.buffers: list[np.ndarray] = []
        self.keep = keep

    def take(self, shape: tuple[int, ...], dtype) -> np.ndarray:
        size = math.prod(shape)
        for buf in self.buffers:
            # references when free: the list, this loop's name and getrefcount's argument
            if buf.dtype == dtype and buf.size >= size and sys.getrefcount(buf) <= 3:
                return buf[:size].reshape(shape)
        buf = np.empty(size, dtype)
        self.buffers = sorted([*self.buffers, buf], key=lambda b: -b.size)[:self.keep]
        return buf.reshape(shape)


_SCRATCH = _ScratchPool()


def release_buffers() -> None:
    """Hand back the buffers the renderer keeps for reuse (this thread's), e.g. between large
    renders of different sizes."""
    _SCRATCH.buffers.clear()


class _TileComposite(torch.autograd.Function):
    """Alpha-over of binned (tile, stroke) pairs by the compiled kernels, with their gradients."""

    @staticmethod
    def forward(ctx, curve, width, opacity, color, background, layout):
        sid, starts, stops, origin, tile, softness, grad_enabled = layout
        arrays = [t.detach().contiguous().numpy() for t in (curve, width, opacity, color, background)]
        store = grad_enabled and any(ctx.needs_input_grad[:5])  # (forward itself always runs without grad)
        shape = (len(sid) if store else 0, tile_kernels.SAVED_ROWS, tile * tile)
        ctx.saved = _SCRATCH.take(shape, arrays[4].dtype) if store else np.empty(shape, arrays[4].dtype)
        rgb, transmit = tile_kernels.composite_forward(*arrays, sid, starts, stops, origin, tile, softness,
                                                       ctx.saved, store)
        ctx.layout = layout
        ctx.arrays = arrays[:4]
        return torch.from_numpy(rgb), torch.from_numpy(transmit)

    @staticmethod
    def backward(ctx, grad_rgb, grad_transmit):
        sid, starts, stops, origin, tile, softness, _ = ctx.layout
        g_rgb = grad_rgb.detach().contiguous().numpy()
        g_transmit = grad_transmit.detach().contiguous().numpy()
        grads = tile_kernels.composite_backward(*ctx.arrays, sid, starts, stops, origin, tile, softness,
                                                ctx.saved, g_rgb, g_transmit)
        g_curve, g_width, g_opacity, g_color, g_background = (torch.from_numpy(a) for a in grads)
        return g_curve, g_width, g_opacity, g_color, g_background, None


def render_tiles(strokes: StrokeParams, grid: TileGrid, background_tiles: torch.Tensor, *,
                 softness: float = 1.0, segments: int = DEFAULT_SEGMENTS) -> TileComposite:
    """Composite ``strokes`` over ``background_tiles`` (from ``grid.split``), touched tiles only.

    Optimisers that only need a loss over what strokes changed use this directly and skip
    assembling the full image.
    """
    tile, dtype = grid.tile, strokes.color.dtype
    curve = strokes.curve(segments)
    reach = strokes.reach(softness).detach()
    sid, tile_id = _bin_pairs(curve.detach(), reach, tile, grid.rows, grid.cols, grid.height, grid.width)
    if sid.numel() == 0:
        empty = torch.zeros(0, dtype=torch.long)
        return TileComposite(empty, background_tiles[empty], torch.ones(0, tile * tile, dtype=dtype))
    tiles, per_tile = torch.unique_consecutive(tile_id, return_counts=True)
    stops = torch.cumsum(per_tile, 0)
    origin = torch.stack([tiles % grid.cols, tiles // grid.cols], -1).to(dtype) * tile
    softness_t = origin.numpy().dtype.type(softness)  # the kernels' dtype: a float64 scalar would promote float32
    layout = (sid.numpy(), (stops - per_tile).numpy(), stops.numpy(), origin.numpy(), tile, softness_t,
              torch.is_grad_enabled())
    rgb, transmit = _TileComposite.apply(curve, strokes.width, strokes.opacity, strokes.color,
                                         background_tiles[tiles], layout)
    return TileComposite(tiles, rgb, transmit)


def render(strokes: StrokeParams, size: tuple[int, int], background: torch.Tensor | None = None, *,
           softness: float = 1.0, tile: int = 8, segments: int = DEFAULT_SEGMENTS,
           return_alpha: bool = False):
    """Composite ``strokes`` in order over ``background`` (H, W, 3; white when None).

    ``size`` is (height, width). Returns the (H, W, 3) image, and with ``return_alpha`` also
    the (H, W) combined coverage ``1 - prod(1 - alpha_i)``. Differentiable in every stroke
    parameter and in the background.
    """
    h, w = size
    dtype = strokes.color.dtype
    if background is None:
        background = torch.ones(h, w, 3, dtype=dtype)
    grid = TileGrid(h, w, tile)
    bg_tiles = grid.split(background)
    comp = render_tiles(strokes, grid, bg_tiles, softness=softness, segments=segments)
    image = grid.join(bg_tiles.index_copy(0, comp.tiles, comp.rgb))
    if not return_alpha:
        return image
    cover = torch.zeros(bg_tiles.shape[0], tile * tile, 1, dtype=dtype).index_copy(
        0, comp.tiles, (1 - comp.transmit)[..., None])
    return image, grid.join(cover)[..., 0]


class StrokeCanvas:
    """Composites strokes one at a time into their bounding boxes, without autograd.

    Used to render the process frames: ``paint(strokes, start, stop)`` applies strokes
    ``start..stop-1`` and returns the (H, W) bool footprint (pixels any of them covered with
    alpha above ``mask_alpha``). ``first_painted`` records, per pixel, the index of the first
    stroke that covered it (-1 where none did).
    """

    def __init__(self, size: tuple[int, int], background=None, *, softness: float = 1.0,
                 segments: int = DEFAULT_SEGMENTS, mask_alpha: float = 0.5):
        h, w = size
        self.size = size
        self.softness = softness
        self.segments = segments
        self.mask_alpha = mask_alpha
        bg = torch.ones(h, w, 3) if background is None else torch.as_tensor(background)
        self.image = bg.detach().clone().to(torch.float64)
        self.first_painted = torch.full((h, w), -1, dtype=torch.long)

    @torch.no_grad()
    def paint(self, strokes: StrokeParams, start: int = 0, stop: int | None = None) -> torch.Tensor:
        h, w = self.size
        stop = len(strokes) if stop is None else stop
        footprint = torch.zeros(h, w, dtype=torch.bool)
        if stop <= start:
            return footprint
        part = strokes.select(slice(start, stop)).to(torch.float64)
        curves = part.curve(self.segments)
        reach = part.reach(self.softness)
        lo = (curves.amin(1) - reach[:, None]).floor().long()
        hi = (curves.amax(1) + reach[:, None]).ceil().long()
        for i in range(len(part)):
            x0, y0 = max(int(lo[i, 0]), 0), max(int(lo[i, 1]), 0)
            x1, y1 = min(int(hi[i, 0]) + 1, w), min(int(hi[i, 1]) + 1, h)
            if x1 <= x0 or y1 <= y0:
                continue
            ys, xs = torch.meshgrid(torch.arange(y0, y1, dtype=torch.float64) + 0.5,
                                    torch.arange(x0, x1, dtype=torch.float64) + 0.5, indexing="ij")
            q = torch.stack([xs.reshape(-1), ys.reshape(-1)], -1)
            d2 = stroke_distance2(q[None], curves[i:i + 1])[0]
            alpha = coverage(d2, part.width[i], part.opacity[i], self.softness).reshape(y1 - y0, x1 - x0)
            box = self.image[y0:y1, x0:x1]
            self.image[y0:y1, x0:x1] = box * (1 - alpha[..., None]) + alpha[..., None] * part.color[i]
            hit = alpha > self.mask_alpha
            footprint[y0:y1, x0:x1] |= hit
            first = self.first_painted[y0:y1, x0:x1]
            first[hit & (first < 0)] = start + i
        return footprint

    def rgb8(self):
        """The canvas as an RGB uint8 numpy image."""
        return (self.image.clamp(0, 1) * 255 + 0.5).to(torch.uint8).numpy()
