"""Procedural landscape paintings, painted layer by layer, back to front, stroke by stroke.

A :class:`Landscape` holds the layers (sky, clouds, far mountains, mountains, water,
trees, grass, details), each a mask plus a colour texture and an ordered list of brush
strokes whose footprints together cover the mask. Applying the first ``n`` strokes to a
white canvas gives the exact painting state after ``n`` strokes; applying all of them
gives the final painting. Everything is a pure function of the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

LAYER_NAMES = ("sky", "clouds", "mountains_far", "mountains", "water", "trees", "grass", "details")
WHITE = np.array([246, 244, 238], np.uint8)  # primed canvas, slightly warm


@dataclass
class Stroke:
    """A brush stroke: a polyline (painting pixels) and a width; it paints its layer's texture."""

    layer: int
    points: np.ndarray  # (k, 2) float32, x/y in painting pixels
    width: int

    def footprint_box(self, shape: tuple[int, int]) -> tuple[int, int, int, int]:
        h, w = shape
        r = self.width // 2 + 2
        x0, y0 = np.floor(self.points.min(0)).astype(int) - r
        x1, y1 = np.ceil(self.points.max(0)).astype(int) + r + 1
        return max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)


@dataclass
class Layer:
    name: str
    mask: np.ndarray  # (H, W) bool: where this layer puts paint
    texture: np.ndarray  # (H, W, 3) uint8: the paint colour at every pixel
    strokes: list[Stroke] = field(default_factory=list)


@dataclass
class Landscape:
    seed: int
    size: tuple[int, int]  # (width, height)
    layers: list[Layer]

    @property
    def strokes(self) -> list[Stroke]:
        return [s for layer in self.layers for s in layer.strokes]

    @property
    def n_strokes(self) -> int:
        return sum(len(layer.strokes) for layer in self.layers)

    def final(self) -> np.ndarray:
        """The finished painting: every stroke applied."""
        return self.state(self.n_strokes)

    def state(self, strokes_done: int) -> np.ndarray:
        """The exact clean painting after the first ``strokes_done`` strokes."""
        canvas = PaintingCanvas(self)
        canvas.advance(strokes_done)
        return canvas.image


def blank_canvas(size: tuple[int, int]) -> np.ndarray:
    w, h = size
    return np.broadcast_to(WHITE, (h, w, 3)).copy()


class PaintingCanvas:
    """Applies a landscape's strokes one by one, touching only each stroke's bounding box."""

    def __init__(self, landscape: Landscape):
        self.landscape = landscape
        self.strokes = landscape.strokes
        self.image = blank_canvas(landscape.size)
        self.done = 0

    def advance(self, upto: int) -> np.ndarray:
        upto = min(upto, len(self.strokes))
        shape = self.image.shape[:2]
        while self.done < upto:
            stroke = self.strokes[self.done]
            layer = self.landscape.layers[stroke.layer]
            x0, y0, x1, y1 = stroke.footprint_box(shape)
            if x1 > x0 and y1 > y0:
                foot = np.zeros((y1 - y0, x1 - x0), np.uint8)
                pts = np.round(stroke.points - [x0, y0]).astype(np.int32)
                cv2.polylines(foot, [pts], False, 1, thickness=stroke.width, lineType=cv2.LINE_8)
                paint = foot.astype(bool) & layer.mask[y0:y1, x0:x1]
                self.image[y0:y1, x0:x1][paint] = layer.texture[y0:y1, x0:x1][paint]
            self.done += 1
        return self.image


# ----------------------------------------------------------------------------- textures


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """Low-frequency noise in [-1, 1]: random cells bicubically upsampled."""
    h, w = shape
    small = rng.uniform(-1, 1, (max(2, cells * h // max(h, w)), max(2, cells * w // max(h, w)))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _ridge(rng: np.random.Generator, w: int, base: float, amp: float, octaves: int = 4) -> np.ndarray:
    """A mountain ridge line: fractal 1-D noise, y per column."""
    y = np.full(w, base, np.float32)
    for o in range(octaves):
        n = 3 * 2**o
        pts = rng.uniform(-1, 1, n + 1).astype(np.float32)
        y += amp / 2**o * np.interp(np.linspace(0, n, w), np.arange(n + 1), pts)
    return y


def _gradient(h: int, w: int, top: np.ndarray, bottom: np.ndarray, y0: float = 0.0, y1: float = 1.0) -> np.ndarray:
    t = np.clip((np.linspace(0, 1, h)[:, None] - y0) / max(y1 - y0, 1e-6), 0, 1)[..., None]
    img = (1 - t) * top[None, None].astype(np.float32) + t * bottom[None, None].astype(np.float32)
    return np.broadcast_to(img, (h, w, 3)).astype(np.float32)


def _finish(tex: np.ndarray, rng: np.random.Generator, grain: float) -> np.ndarray:
    """Add brush-like grain and clip to uint8."""
    h, w = tex.shape[:2]
    tex = tex + grain * _smooth_noise(rng, (h, w), 40)[..., None] + rng.normal(0, grain / 4, (h, w, 1))
    return np.clip(tex, 0, 255).astype(np.uint8)


def make_landscape(seed: int, size: tuple[int, int] = (512, 384)) -> Landscape:
    """Generate the landscape for ``seed``: layers, textures and strokes."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    horizon = h * rng.uniform(0.52, 0.62)
    # Back to front; each part draws from the seed's random stream in turn.
    layers = _sky(rng, yy, horizon) + _mountains(rng, yy, horizon)
    layers.append(_water(rng, yy, horizon))
    layers.append(_trees(rng, (h, w), horizon))
    grass, grass_edge = _grass(rng, yy, xx)
    layers += [grass, _details(rng, (h, w), grass_edge)]
    layers = [la for la in layers if la.mask.any()]
    for idx, layer in enumerate(layers):
        layer.strokes = _strokes_for(layer, idx, rng)
    return Landscape(seed, size, layers)


def _sky(rng: np.random.Generator, yy: np.ndarray, horizon: float) -> list[Layer]:
    """Sky (the whole canvas above the horizon, and a little below: painters overlap) and clouds."""
    h, w = yy.shape
    sky_top = np.array(rng.choice([[40, 90, 170], [70, 110, 190], [120, 80, 150]]), np.float32)
    sky_low = np.array(rng.choice([[200, 215, 235], [250, 200, 150], [240, 170, 140]]), np.float32)
    sky = _finish(_gradient(h, w, sky_top, sky_low, 0.0, horizon / h), rng, 6)
    # Clouds: thresholded smooth noise, bright with grey undersides.
    cloud_field = _smooth_noise(rng, (h, w), 7) + 0.6 * _smooth_noise(rng, (h, w), 16)
    cloud_mask = (cloud_field > 0.55) & (yy < horizon * 0.75)
    shade = np.clip((_smooth_noise(rng, (h, w), 10) + 1) / 2, 0, 1)[..., None]
    clouds = _finish(255 * (0.93 - 0.18 * shade) * np.ones((h, w, 3), np.float32), rng, 5)
    return [Layer("sky", yy < horizon + 0.04 * h, sky), Layer("clouds", cloud_mask, clouds)]


def _mountains(rng: np.random.Generator, yy: np.ndarray, horizon: float) -> list[Layer]:
    """Far and near mountains: ridges above the horizon."""
    h, w = yy.shape
    far_ridge = _ridge(rng, w, horizon - 0.22 * h, 0.10 * h)
    far = _gradient(h, w, np.array([120, 130, 165], np.float32), np.array([160, 170, 195], np.float32),
                    0.25, horizon / h)
    far_layer = Layer("mountains_far", (yy > far_ridge[None, :]) & (yy < horizon + 2), _finish(far, rng, 8))
    near_ridge = _ridge(rng, w, horizon - 0.12 * h, 0.08 * h)
    near_col = np.array(rng.choice([[70, 85, 80], [85, 75, 95], [60, 80, 100]]), np.float32)
    near = _gradient(h, w, near_col * 1.2, near_col * 0.8, 0.3, horizon / h)
    return [far_layer, Layer("mountains", (yy > near_ridge[None, :]) & (yy < horizon + 2), _finish(near, rng, 10))]


def _water(rng: np.random.Generator, yy: np.ndarray, horizon: float) -> Layer:
    """Below the horizon, darker with depth, with horizontal ripples."""
    h, w = yy.shape
    ripples = 12 * np.sin(yy * 0.9 + 3 * _smooth_noise(rng, (h, w), 20))[..., None]
    water = _gradient(h, w, np.array([110, 150, 190], np.float32), np.array([40, 80, 120], np.float32),
                      horizon / h, 1.0) + ripples
    return Layer("water", yy >= horizon - 1, _finish(water, rng, 5))


def _trees(rng: np.random.Generator, shape: tuple[int, int], horizon: float) -> Layer:
    """Conifers along the shore on one or both sides."""
    h, w = shape
    tree_mask = np.zeros((h, w), np.uint8)
    n_trees = int(rng.integers(6, 12))
    for _ in range(n_trees):
        cx = float(rng.choice([rng.uniform(0, 0.35), rng.uniform(0.65, 1.0)])) * w
        base = horizon + rng.uniform(0.02, 0.08) * h
        th, tw = rng.uniform(0.18, 0.32) * h, rng.uniform(0.04, 0.07) * w
        pts = np.array([[cx, base - th], [cx - tw, base], [cx + tw, base]], np.int32)
        cv2.fillPoly(tree_mask, [pts], 1)
    tree_col = np.array([30, 70, 40], np.float32)
    trees = _finish(tree_col + 25 * _smooth_noise(rng, (h, w), 30)[..., None], rng, 8)
    return Layer("trees", tree_mask.astype(bool), trees)


def _grass(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> tuple[Layer, np.ndarray]:
    """A foreground bank with a ragged top edge; returns the layer and that edge (y per column)."""
    h, w = yy.shape
    grass_edge = _ridge(rng, w, h * rng.uniform(0.78, 0.86), 0.05 * h, octaves=5)
    grass_col = np.array(rng.choice([[90, 140, 60], [120, 150, 70], [70, 120, 55]]), np.float32)
    grass = _gradient(h, w, grass_col * 1.1, grass_col * 0.7, grass_edge.min() / h, 1.0)
    grass = grass + 18 * np.sin(xx * 1.7 + 4 * _smooth_noise(rng, (h, w), 25))[..., None]
    return Layer("grass", yy > grass_edge[None, :], _finish(grass, rng, 6)), grass_edge


def _details(rng: np.random.Generator, shape: tuple[int, int], grass_edge: np.ndarray) -> Layer:
    """Flowers and rocks in the grass."""
    h, w = shape
    det_mask = np.zeros((h, w), np.uint8)
    det = np.zeros((h, w, 3), np.float32)
    for _ in range(int(rng.integers(25, 45))):
        x = rng.uniform(0, w)
        y = rng.uniform(grass_edge.min() + 0.03 * h, h - 2)
        r = int(rng.integers(2, 6))
        col = rng.choice([[230, 220, 90], [220, 90, 110], [240, 240, 240], [120, 110, 100]])
        cv2.circle(det_mask, (int(x), int(y)), r, 1, -1)
        cv2.circle(det, (int(x), int(y)), r, [float(c) for c in col], -1)
    return Layer("details", det_mask.astype(bool), np.clip(det, 0, 255).astype(np.uint8))


_STYLE = {  # stroke width (fraction of canvas width), direction, segment length fraction
    "sky": (0.08, "h", 0.35),
    "clouds": (0.035, "h", 0.15),
    "mountains_far": (0.045, "d", 0.2),
    "mountains": (0.045, "d", 0.2),
    "water": (0.06, "h", 0.3),
    "trees": (0.02, "v", 0.08),
    "grass": (0.035, "v", 0.08),
    "details": (0.014, "dot", 0.0),
}


def _strokes_for(layer: Layer, idx: int, rng: np.random.Generator) -> list[Stroke]:
    """Strokes whose footprints cover the layer's mask: rows of segments over its bounding
    box (spacing below the width, so the union has no gaps), kept where they touch the mask,
    ordered in loose bands the way a painter works across an area."""
    ys, xs = np.nonzero(layer.mask)
    if len(xs) == 0:
        return []
    h, w = layer.mask.shape
    frac, direction, seg = _STYLE[layer.name]
    width = max(3, int(round(frac * w)))
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    strokes: list[Stroke] = []
    if direction == "dot":
        n, labels = cv2.connectedComponents(layer.mask.astype(np.uint8))
        for lab in range(1, n):
            yy, xx = np.nonzero(labels == lab)
            c = np.array([[xx.mean(), yy.mean()], [xx.mean() + 0.5, yy.mean()]], np.float32)
            strokes.append(Stroke(idx, c, int(max(np.ptp(xx), np.ptp(yy))) + 3))
        rng.shuffle(strokes)
        return strokes
    step = max(2, int(width * 0.7))
    seg_len = max(width, int(seg * w))
    vertical = direction == "v"
    lines = range(x0, x1 + step, step) if vertical else range(y0, y1 + step, step)
    span = (y0, y1) if vertical else (x0, x1)
    for line in lines:
        pos = span[0] - int(rng.uniform(0, seg_len / 2))
        while pos < span[1]:
            length = int(seg_len * rng.uniform(0.7, 1.3))
            a, b = pos, min(pos + length, span[1] + width // 2)
            slant = rng.uniform(-0.25, 0.25) * (b - a) if direction == "d" else rng.uniform(-2, 2)
            if vertical:
                pts = np.array([[line + slant / 2, a], [line - slant / 2, b]], np.float32)
            else:
                pts = np.array([[a, line - slant / 2], [b, line + slant / 2]], np.float32)
            pos = b - width // 3
            stroke = Stroke(idx, pts, width)
            bx0, by0, bx1, by1 = stroke.footprint_box((h, w))
            if bx1 > bx0 and by1 > by0 and layer.mask[by0:by1, bx0:bx1].any():
                strokes.append(stroke)
    # Paint in bands (top to bottom, or left to right) with local shuffling.
    keys = np.array([s.points[:, 0 if vertical else 1].mean() for s in strokes])
    keys = keys + rng.uniform(0, 3 * step, len(keys))
    strokes = [strokes[i] for i in np.argsort(keys, kind="stable")]
    return strokes + _touch_ups(layer, idx, strokes)


def _touch_ups(layer: Layer, idx: int, strokes: list[Stroke]) -> list[Stroke]:
    """Small closing dabs over whatever mask pixels the strokes' raster footprints missed."""
    h, w = layer.mask.shape
    covered = np.zeros((h, w), np.uint8)
    for s in strokes:
        cv2.polylines(covered, [np.round(s.points).astype(np.int32)], False, 1, thickness=s.width)
    missed = (layer.mask & ~covered.astype(bool)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(missed)
    dabs = []
    for lab in range(1, n):
        x, y, bw, bh, _area = stats[lab]
        pts = np.array([[x, y + bh / 2], [x + bw - 1, y + bh / 2]], np.float32)
        dabs.append(Stroke(idx, pts, int(bh) + 2))
    return dabs
