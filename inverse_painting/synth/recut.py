"""Re-cutting a rendered stroke process into the keyframes a painter's camera would keep.

``render_process`` puts keyframes at even stroke counts, so late refinement steps often change
nothing a viewer (or LPIPS) can see; such steps teach a painter model to take steps that do
nothing. Re-cut (``synth.keyframe_gap_s``): the process is rendered at ``frames`` even stroke
counts, and a rendered frame becomes a keyframe when at least a random gap of stroke time
(uniform in ``keyframe_gap_s``, drawn per keyframe from the item's seed) has passed since the
last keyframe *and* it visibly changed the canvas since then (at least ``min_change`` of the
canvas by more than ``pixel_change`` grey levels: the clean stage's rule). The last frame, the
finished render, always ends the process. A kept step's stroke mask is the union of the
rendered steps it spans, its label that of the layer most of their strokes belong to.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from .process import PaintingProcess


def visible_change(a: np.ndarray, b: np.ndarray, pixel_change: float) -> float:
    """Share of pixels whose largest channel difference exceeds ``pixel_change``."""
    return float((np.abs(a.astype(np.int16) - b.astype(np.int16)).max(-1) > pixel_change).mean())


def kept_frames(proc: PaintingProcess, gap: tuple[float, float], rng: np.random.Generator,
                min_change: float = 0.004, pixel_change: float = 24.0) -> list[int]:
    """Indices of the rendered frames that become keyframes (the last one always does)."""
    blank = np.full_like(proc.frames[0], 255)
    keep: list[int] = []
    last_t, last_img, due = 0.0, blank, rng.uniform(*gap)
    for i in range(len(proc.frames) - 1):
        if proc.times[i] - last_t >= due and visible_change(proc.frames[i], last_img, pixel_change) >= min_change:
            keep.append(i)
            last_t, last_img, due = proc.times[i], proc.frames[i], rng.uniform(*gap)
    if keep and visible_change(proc.frames[-1], proc.frames[keep[-1]], pixel_change) < min_change:
        keep.pop()  # the finished render would repeat it
    return keep + [len(proc.frames) - 1]


def _merged_step(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """One step's record from the rendered steps it spans."""
    layers: Counter[str] = Counter()
    for s in steps:
        layers.update(s.get("layers") or {})
    main = layers.most_common(1)[0][0] if layers else steps[-1]["layer_name"]
    by_name = {s["layer_name"]: s["layer"] for s in steps}
    regions = list(dict.fromkeys(r for s in steps if s["layer_name"] == main for r in s.get("regions", [])))
    passes = sorted({p for s in steps for p in s.get("passes", [])})
    return {"strokes": [steps[0]["strokes"][0], steps[-1]["strokes"][1]], "layer": by_name.get(main, steps[-1]["layer"]),
            "layer_name": main, "layers": dict(sorted(layers.items())), "passes": passes, "regions": regions[:3],
            "label": f"{main}, {' and '.join(regions[:2]) or 'paint'}"}


def recut(proc: PaintingProcess, gap: tuple[float, float], seed: int, min_change: float = 0.004,
          pixel_change: float = 24.0) -> PaintingProcess:
    """``proc`` with only the frames a painter's camera would keep (see the module docstring)."""
    keep = kept_frames(proc, gap, np.random.default_rng([seed, 2024]), min_change, pixel_change)
    masks, steps, start = [], [], 0
    remap = np.zeros(len(proc.frames), np.int32)
    for k, i in enumerate(keep):
        masks.append(np.logical_or.reduce(proc.masks[start:i + 1]))
        steps.append(_merged_step(proc.steps[start:i + 1]))
        remap[start:i + 1] = k
        start = i + 1
    return PaintingProcess([proc.frames[i] for i in keep], [proc.stroke_counts[i] for i in keep],
                           [proc.times[i] for i in keep], masks, proc.first_painted, proc.stroke_start,
                           proc.stroke_end, remap[proc.stroke_frame], steps)
