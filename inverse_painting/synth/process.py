"""From ordered strokes to a painting process: keyframes, times, masks, region labels.

Keyframes fall at even stroke counts; each stroke takes synthetic time proportional to the
distance its brush travels (length plus width), scaled so an average stroke takes
``seconds_per_stroke``. Frames are composited incrementally, stroke by stroke, inside each
stroke's bounding box, without autograd.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from .decompose import Decomposition
from .regions import colour_name, layer_names


@dataclass
class PaintingProcess:
    frames: list[np.ndarray]  # keyframes, RGB uint8; the last is the finished painting
    stroke_counts: list[int]  # strokes done at each keyframe
    times: list[float]  # synthetic seconds at each keyframe
    masks: list[np.ndarray]  # (H, W) bool: what the strokes of each step covered
    first_painted: np.ndarray  # (H, W) index of the first stroke covering each pixel (-1: never)
    stroke_start: np.ndarray  # (N,) synthetic start time of each stroke
    stroke_end: np.ndarray  # (N,)
    stroke_frame: np.ndarray  # (N,) keyframe each stroke belongs to
    steps: list[dict[str, Any]]  # per keyframe: what was painted (layer, regions, strokes)

    @property
    def first_painted_frame(self) -> np.ndarray:
        """(H, W) keyframe index at which each pixel was first painted (-1: never)."""
        out = np.full(self.first_painted.shape, -1, np.int32)
        hit = self.first_painted >= 0
        out[hit] = np.searchsorted(np.asarray(self.stroke_counts), self.first_painted[hit], side="right")
        return out


def keyframe_counts(n_strokes: int, n_frames: int) -> list[int]:
    """Strokes done at each of (at most) ``n_frames`` keyframes, evenly spaced, ending at all."""
    n_frames = max(1, min(n_frames, n_strokes)) if n_strokes else 1
    return sorted({int(round(k * n_strokes / n_frames)) for k in range(1, n_frames + 1)})


def stroke_durations(decomposition: Decomposition, seconds_per_stroke: float) -> np.ndarray:
    travel = (decomposition.strokes.lengths() + decomposition.strokes.width).numpy().astype(np.float64)
    if travel.size == 0:
        return travel
    return seconds_per_stroke * travel / max(travel.mean(), 1e-9)


def render_process(decomposition: Decomposition, n_frames: int, seconds_per_stroke: float = 0.5,
                   scale: float = 1.0, threads: int = 1) -> PaintingProcess:
    """Render the keyframes of the process (on a canvas ``scale`` times the working size)."""
    from .renderer import torch_threads

    with torch_threads(threads):
        return _render_process(decomposition, n_frames, seconds_per_stroke, scale)


def _render_process(decomposition: Decomposition, n_frames: int, seconds_per_stroke: float,
                    scale: float) -> PaintingProcess:
    import torch

    from .renderer import StrokeCanvas

    strokes = decomposition.strokes
    h, w = decomposition.size
    size = (round(h * scale), round(w * scale))
    if scale != 1:
        strokes = strokes.scaled(scale)
    counts = keyframe_counts(len(strokes), n_frames)
    durations = stroke_durations(decomposition, seconds_per_stroke)
    ends = np.cumsum(durations)
    starts = ends - durations
    canvas = StrokeCanvas(size, torch.ones(*size, 3), softness=decomposition.softness * scale)
    frames, masks, times, steps = [], [], [], []
    stroke_frame = np.zeros(len(strokes), np.int32)
    names = layer_names(int(decomposition.layer.max()) + 1 if len(decomposition.layer) else 1)
    done = 0
    for k, upto in enumerate(counts):
        masks.append(canvas.paint(strokes, done, upto).numpy())
        frames.append(canvas.rgb8())
        times.append(round(float(ends[upto - 1]) if upto else 0.0, 3))
        stroke_frame[done:upto] = k
        steps.append(_step_labels(decomposition, done, upto, names))
        done = upto
    return PaintingProcess(frames, counts, times, masks, canvas.first_painted.numpy(), starts, ends,
                           stroke_frame, steps)


def _step_labels(dec: Decomposition, start: int, stop: int, names: list[str]) -> dict[str, Any]:
    """What a step painted: its main depth layer and colour regions, and its passes."""
    layers = Counter(dec.layer[start:stop].tolist())
    regions = Counter(dec.region[start:stop].tolist())
    main_layer = layers.most_common(1)[0][0] if layers else 0
    region_names = []
    for region, _ in regions.most_common():
        name = colour_name(dec.region_colours[region])
        if name not in region_names:
            region_names.append(name)
    passes = sorted(set(dec.pass_index[start:stop].tolist()))
    return {"strokes": [int(start), int(stop)], "layer": int(main_layer), "layer_name": names[main_layer],
            "layers": {names[k]: v for k, v in sorted(layers.items())}, "passes": passes,
            "regions": region_names[:3],
            "label": f"{names[main_layer]}, {' and '.join(region_names[:2]) or 'paint'}"}
