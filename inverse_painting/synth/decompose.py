"""Decompose an image into ordered brush strokes: layering by depth, refinement by pass.

The image is split into equal-area depth layers (0 farthest). Strokes are placed and
optimised in groups, one group per (layer, pass), in painting order: with ``order="layers"``
each layer is painted coarse to fine before the next nearer one; with ``order="passes"``
each pass sweeps the layers far to near. A group's strokes are placed where the residual
error of its layer is highest, initialised along the image's isophotes with the local
colour, then optimised with Adam on L2 (plus optional LPIPS) composited over the frozen
canvas of all earlier groups. The loss counts only layers already started, and a small
"spill" penalty keeps paint off layers not started yet, so the strokes are optimised in
exactly the order they will be shown: the last frame of the process is the optimised image.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import torch

from ..pipeline.progress import item_progress
from .config import SynthConfig
from .depth import depth_layers
from .regions import colour_clusters
from .renderer import TileGrid, render, render_tiles, torch_threads
from .strokes import StrokeParams

log = logging.getLogger(__name__)

MEAN_STROKE_ASPECT = 2.4  # length / width of a newly placed stroke, on average
FIRST_PASS_COVERAGE = 1.5  # how many times the first pass's strokes can cover their layer
LPIPS_MIN_SIDE = 64  # smallest canvas side the LPIPS term is computed on


@dataclass
class Decomposition:
    """Strokes in painting order, with what each belongs to, and the images around them."""

    strokes: StrokeParams
    layer: np.ndarray  # (N,) depth layer, 0 farthest
    pass_index: np.ndarray  # (N,) refinement pass, 0 coarsest
    region: np.ndarray  # (N,) colour region (cluster) under the stroke's centre
    depth: np.ndarray  # (N,) mean depth along the stroke, 0 nearest
    target: np.ndarray  # (H, W, 3) uint8: the image at working size
    final: np.ndarray  # (H, W, 3) uint8: all strokes rendered
    depth_map: np.ndarray  # (H, W) float32, 0 nearest
    layer_map: np.ndarray  # (H, W) int32, 0 farthest
    region_map: np.ndarray  # (H, W) int32 colour region
    region_colours: np.ndarray  # (k, 3) RGB of each colour region
    softness: float
    seconds: float = 0.0
    groups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        return self.target.shape[0], self.target.shape[1]

    @property
    def psnr(self) -> float:
        return psnr(self.final, self.target)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB between two uint8 images."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def working_image(image: np.ndarray, size: int) -> np.ndarray:
    """Resize so the long side is ``size`` pixels (area filter when shrinking)."""
    h, w = image.shape[:2]
    scale = size / max(h, w)
    if scale == 1:
        return np.ascontiguousarray(image[..., :3])
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    return cv2.resize(image[..., :3], (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder)."""
    w = np.maximum(np.asarray(weights, np.float64), 0)
    if w.sum() <= 0:
        w = np.ones_like(w)
    raw = total * w / w.sum()
    parts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - parts), kind="stable")[: total - parts.sum()]:
        parts[i] += 1
    return parts.tolist()


def layer_budget(target: np.ndarray, layer_map: np.ndarray, n_layers: int, total: int) -> list[int]:
    """Strokes per layer: half by area, half by edge energy (detail needs more strokes)."""
    gray = cv2.cvtColor(target, cv2.COLOR_RGB2GRAY).astype(np.float32)
    energy = np.hypot(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))
    area = np.bincount(layer_map.reshape(-1), minlength=n_layers).astype(np.float64)
    detail = np.bincount(layer_map.reshape(-1), energy.reshape(-1), minlength=n_layers)
    weights = 0.5 * area / max(area.sum(), 1) + 0.5 * detail / max(detail.sum(), 1e-9)
    weights[area == 0] = 0
    return allocate(total, weights.tolist())


class _Placer:
    """Picks stroke positions, directions and colours for one image (caches per brush size)."""

    def __init__(self, target: np.ndarray, rng: np.random.Generator):
        self.target = target.astype(np.float32) / 255
        self.gray = cv2.cvtColor(target, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
        self.rng = rng
        self._cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _fields(self, brush: float) -> tuple[np.ndarray, np.ndarray]:
        key = int(round(brush * 4))
        if key not in self._cache:
            sigma = max(brush, 1.0)
            gx = cv2.Sobel(self.gray, cv2.CV_32F, 1, 0)
            gy = cv2.Sobel(self.gray, cv2.CV_32F, 0, 1)
            jxx, jxy, jyy = (cv2.GaussianBlur(a, (0, 0), sigma) for a in (gx * gx, gx * gy, gy * gy))
            along_isophote = 0.5 * np.arctan2(2 * jxy, jxx - jyy) + np.pi / 2
            colour = cv2.GaussianBlur(self.target, (0, 0), max(brush / 3, 0.5))
            self._cache[key] = (along_isophote, colour)
        return self._cache[key]

    def centres(self, error: np.ndarray, allowed: np.ndarray, n: int, brush: float) -> np.ndarray:
        """(n, 2) x/y positions where the blurred residual error is highest, one per cell first."""
        h, w = error.shape
        k = max(1, int(round(brush)))
        err = cv2.boxFilter(error * allowed, -1, (k, k), normalize=True) * allowed
        cell = max(2, int(round(brush * 0.75)))
        pooled, idx = torch.nn.functional.max_pool2d(torch.from_numpy(err)[None, None], cell, cell,
                                                     ceil_mode=True, return_indices=True)
        vals, idx = pooled.reshape(-1).numpy(), idx.reshape(-1).numpy()
        live = vals > 1e-8
        if not live.any():  # nothing left to fix: spread over the allowed area
            ys, xs = np.nonzero(allowed)
            if len(xs) == 0:
                ys, xs = np.mgrid[0:h, 0:w].reshape(2, -1)
            pick = self.rng.integers(0, len(xs), n)
            return np.stack([xs[pick], ys[pick]], -1).astype(np.float32) + 0.5
        vals, idx = vals[live], idx[live]
        order = np.argsort(-vals, kind="stable")
        chosen = idx[order[:n]]
        if len(chosen) < n:  # more strokes than cells: extra strokes where error is large
            p = vals / vals.sum()
            chosen = np.concatenate([chosen, self.rng.choice(idx, n - len(chosen), p=p)])
        pts = np.stack([chosen % w, chosen // w], -1).astype(np.float32) + 0.5
        pts += self.rng.uniform(-0.25, 0.25, pts.shape).astype(np.float32) * cell
        return pts

    def strokes(self, centres: np.ndarray, brush: float) -> StrokeParams:
        along, colour = self._fields(brush)
        h, w = along.shape
        ix = np.clip(centres[:, 0].astype(int), 0, w - 1)
        iy = np.clip(centres[:, 1].astype(int), 0, h - 1)
        angle = along[iy, ix] + self.rng.normal(0, 0.15, len(centres))
        direction = np.stack([np.cos(angle), np.sin(angle)], -1).astype(np.float32)
        half = (brush * self.rng.uniform(0.8, 1.6, len(centres))).astype(np.float32)[:, None]
        normal = np.stack([-direction[:, 1], direction[:, 0]], -1)
        bend = (self.rng.normal(0, 0.1, len(centres)) * brush).astype(np.float32)[:, None]
        points = np.stack([centres - half * direction, centres + bend * normal, centres + half * direction], 1)
        width = (brush * self.rng.uniform(0.8, 1.2, len(centres))).astype(np.float32)
        return StrokeParams(torch.from_numpy(points.astype(np.float32)), torch.from_numpy(width),
                            torch.from_numpy(colour[iy, ix].astype(np.float32)),
                            torch.full((len(centres),), 0.9))


def _project(s: StrokeParams, brush: float, cfg: SynthConfig, size: tuple[int, int]) -> None:
    """Keep optimised strokes paintable: colours and opacity in range, sane width, length, bend."""
    h, w = size
    with torch.no_grad():
        s.color.clamp_(0, 1)
        s.opacity.clamp_(0.05, 1)
        s.width.clamp_(max(1.0, 0.3 * brush), 2.0 * brush)
        p0, p1, p2 = s.points[:, 0], s.points[:, 1], s.points[:, 2]
        mid, half = (p0 + p2) / 2, (p2 - p0) / 2
        length = 2 * half.norm(dim=-1, keepdim=True)
        shrink = (cfg.max_aspect * s.width[:, None] / length.clamp(min=1e-6)).clamp(max=1)
        half = half * shrink
        bend = p1 - mid
        limit = 0.5 * length * shrink + 0.5 * s.width[:, None]
        bend = bend * (limit / bend.norm(dim=-1, keepdim=True).clamp(min=1e-6)).clamp(max=1)
        s.points.copy_(torch.stack([mid - half, mid + bend, mid + half], 1))
        s.points[..., 0].clamp_(-brush, w + brush)
        s.points[..., 1].clamp_(-brush, h + brush)


def _resize(img: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(H, W, C) -> (h, w, C) by area averaging."""
    return torch.nn.functional.interpolate(img.permute(2, 0, 1)[None], size=size, mode="area")[0].permute(1, 2, 0)


def _load_lpips(cfg: SynthConfig):
    if cfg.lpips_weight <= 0:
        return None
    from ..perceptual import LPIPS  # optional: only when the loss asks for it

    model = LPIPS.from_pretrained(cfg.lpips_model).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def _optimise(strokes: StrokeParams, canvas: torch.Tensor, target: torch.Tensor, loss_mask: torch.Tensor,
              spill_mask: torch.Tensor, brush: float, steps: int, cfg: SynthConfig, lpips) -> tuple[float, float]:
    """Adam on the group's strokes over the frozen canvas; returns the masked MSE before and after.

    Without LPIPS the loss is evaluated on the touched tiles only: the error of untouched
    tiles is a constant, so the gradient is the same and full-image work is skipped.
    """
    size = (canvas.shape[0], canvas.shape[1])
    if min(size) < LPIPS_MIN_SIDE:  # AlexNet's pooling needs room; broad downscaled passes go without
        lpips = None
    grid = TileGrid(*size)
    canvas_t, target_t = grid.split(canvas), grid.split(target)
    mask_t, spill_t = grid.split(loss_mask[..., None]), grid.split(spill_mask[..., None])[..., 0]
    base_err = (((canvas_t - target_t) ** 2) * mask_t).sum((1, 2))  # per tile, before this group
    base_total = base_err.sum()
    for t in strokes.tensors():
        t.requires_grad_(True)
    opt = torch.optim.Adam([
        {"params": [strokes.points], "lr": cfg.lr_position * brush},
        {"params": [strokes.width], "lr": cfg.lr_width * brush},
        {"params": [strokes.color], "lr": cfg.lr_color},
        {"params": [strokes.opacity], "lr": cfg.lr_opacity},
    ])
    denom = loss_mask.sum().clamp(min=1) * 3
    spill_area = spill_mask.sum()
    first = last = float("nan")
    for step in range(steps + 1):
        comp = render_tiles(strokes, grid, canvas_t, softness=cfg.softness)
        touched = (((comp.rgb - target_t[comp.tiles]) ** 2) * mask_t[comp.tiles]).sum()
        mse = (touched + base_total - base_err[comp.tiles].sum()) / denom
        loss = mse
        if spill_area > 0 and cfg.spill_weight > 0:
            loss = loss + cfg.spill_weight * ((1 - comp.transmit) * spill_t[comp.tiles]).sum() / spill_area
        if lpips is not None:
            image = grid.join(canvas_t.index_copy(0, comp.tiles, comp.rgb))
            loss = loss + cfg.lpips_weight * lpips(image.permute(2, 0, 1)[None], target.permute(2, 0, 1)[None],
                                                   normalize=True).mean()
        last = float(mse.detach())
        if step == 0:
            first = last
        if step == steps:  # the last evaluation only reports the loss
            break
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        _project(strokes, brush, cfg, size)
    for t in strokes.tensors():
        t.requires_grad_(False)
    return first, last


def decompose(image: np.ndarray, depth: np.ndarray, config: SynthConfig | None = None) -> Decomposition:
    """Decompose an RGB uint8 image into ``config.strokes`` strokes in painting order.

    ``depth`` is the image's depth map (any size; 0 nearest, 1 farthest).
    """
    cfg = config or SynthConfig()
    with torch_threads(cfg.threads):
        return _decompose(image, depth, cfg)


def _decompose(image: np.ndarray, depth: np.ndarray, cfg: SynthConfig) -> Decomposition:
    start = time.perf_counter()
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    target_u8 = working_image(image, cfg.size)
    h, w = target_u8.shape[:2]
    depth_map = cv2.resize(depth.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    layer_map = depth_layers(depth_map, cfg.layers)
    region_map, region_colours = colour_clusters(target_u8, cfg.region_clusters, cfg.seed)
    painter = _GroupPainter(cfg, target_u8, layer_map, region_map, _Placer(target_u8, rng), _load_lpips(cfg))
    groups, plan = _plan(cfg, target_u8, layer_map)
    bar = item_progress(len(groups), "synth passes", "pass")
    for layer, p in groups:
        bar.update(1)
        if plan[(layer, p)]:
            painter.paint(layer, p, plan[(layer, p)])
    bar.close()
    strokes = StrokeParams.concat(painter.parts)
    final = (painter.canvas.clamp(0, 1) * 255 + 0.5).to(torch.uint8).numpy()
    layer_idx, pass_idx, region_idx = (np.concatenate([group[i] for group in painter.labels]) if painter.labels
                                       else np.zeros(0, np.int64) for i in range(3))
    return Decomposition(strokes, layer_idx, pass_idx, region_idx, stroke_depth(strokes, depth_map),
                         target_u8, final, depth_map, layer_map, region_map, region_colours, cfg.softness,
                         time.perf_counter() - start, painter.report)


def _plan(cfg: SynthConfig, target: np.ndarray, layer_map: np.ndarray
          ) -> tuple[list[tuple[int, int]], dict[tuple[int, int], int]]:
    """The (layer, pass) groups in painting order, and the strokes of each."""
    per_layer = layer_budget(target, layer_map, cfg.layers, cfg.strokes)
    plan = {(layer, p): n for layer in range(cfg.layers)
            for p, n in enumerate(allocate(per_layer[layer], list(cfg.pass_shares)))}
    if cfg.order == "layers":
        groups = [(layer, p) for layer in range(cfg.layers) for p in range(len(cfg.pass_widths))]
    else:
        groups = [(layer, p) for p in range(len(cfg.pass_widths)) for layer in range(cfg.layers)]
    return groups, plan


class _GroupPainter:
    """Places, optimises and renders one (layer, pass) group after another onto one canvas."""

    def __init__(self, cfg: SynthConfig, target: np.ndarray, layer_map: np.ndarray, region_map: np.ndarray,
                 placer: _Placer, lpips):
        self.cfg, self.layer_map, self.region_map, self.placer, self.lpips = cfg, layer_map, region_map, placer, lpips
        h, w = target.shape[:2]
        self.size, self.long_side = (h, w), max(h, w)
        self.target = torch.from_numpy(target.astype(np.float32) / 255)
        self.canvas = torch.ones(h, w, 3)
        self.layer_t = torch.from_numpy(layer_map.astype(np.int64))
        self.started = torch.zeros(cfg.layers, dtype=torch.bool)
        self.parts: list[StrokeParams] = []
        self.labels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.report: list[dict[str, Any]] = []

    def _brush(self, layer: int, p: int, n: int) -> float:
        brush = max(1.5, self.cfg.pass_widths[p] * self.long_side)
        if p == 0:  # the first pass must be able to cover its layer, however small the budget
            area = float((self.layer_map == layer).sum())
            brush = max(brush, float(np.sqrt(FIRST_PASS_COVERAGE * area / (n * MEAN_STROKE_ASPECT))))
        return brush

    def _place(self, layer: int, n: int, brush: float) -> tuple[StrokeParams, np.ndarray]:
        """New strokes where the layer's error is highest, and the colour region under each."""
        (h, w), cfg = self.size, self.cfg
        error = ((self.canvas - self.target) ** 2).sum(-1).numpy()
        centres = self.placer.centres(error, (self.layer_map == layer).astype(np.float32), n, brush)
        region = self.region_map[np.clip(centres[:, 1].astype(int), 0, h - 1),
                                 np.clip(centres[:, 0].astype(int), 0, w - 1)]
        if cfg.group_by_region:  # one colour region after another, each in reading order
            order = np.lexsort((centres[:, 0], centres[:, 1] // max(brush * 2, 1), region))
            centres, region = centres[order], region[order]
        return self.placer.strokes(centres, brush), region

    def paint(self, layer: int, p: int, n: int) -> None:
        (h, w), cfg = self.size, self.cfg
        self.started[layer] = True
        group_start = time.perf_counter()
        loss_mask = self.started[self.layer_t].float()
        brush = self._brush(layer, p, n)
        strokes, region = self._place(layer, n, brush)
        # Broad strokes need no full resolution: optimise them on a smaller canvas (cost
        # grows with painted pixels) and scale them back.
        scale = min(1.0, cfg.optimise_brush_px / brush)
        if scale < 1:
            small = (max(8, round(h * scale)), max(8, round(w * scale)))
            factor = small[1] / w
            strokes = strokes.scaled(factor)
            first, last = _optimise(strokes, _resize(self.canvas, small), _resize(self.target, small),
                                    _resize(loss_mask[..., None], small)[..., 0],
                                    _resize((1 - loss_mask)[..., None], small)[..., 0],
                                    brush * factor, cfg.steps[p], cfg, self.lpips)
            strokes = strokes.scaled(1 / factor)
        else:
            first, last = _optimise(strokes, self.canvas, self.target, loss_mask, 1 - loss_mask, brush, cfg.steps[p],
                                    cfg, self.lpips)
        with torch.no_grad():
            self.canvas = render(strokes, (h, w), self.canvas, softness=cfg.softness)
        self.parts.append(strokes.detach())
        self.labels.append((np.full(n, layer), np.full(n, p), region.astype(np.int64)))
        self.report.append({"layer": layer, "pass": p, "strokes": n, "brush_px": round(brush, 2),
                            "mse_before": round(first, 6), "mse_after": round(last, 6),
                            "seconds": round(time.perf_counter() - group_start, 3)})
        log.debug("layer %d pass %d: %d strokes, mse %.5f -> %.5f", layer, p, n, first, last)


def stroke_depth(strokes: StrokeParams, depth_map: np.ndarray, samples: int = 8) -> np.ndarray:
    """(N,) mean depth along each stroke's centre line."""
    if len(strokes) == 0:
        return np.zeros(0, np.float32)
    h, w = depth_map.shape
    pts = strokes.curve(samples).detach().numpy()
    ix = np.clip(pts[..., 0].astype(int), 0, w - 1)
    iy = np.clip(pts[..., 1].astype(int), 0, h - 1)
    return depth_map[iy, ix].mean(1).astype(np.float32)
