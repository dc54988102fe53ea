"""Sample-world painting processes without the video: what the cleaned sample videos show,
made directly from the sample painter's timeline.

The sample video's own timeline (``video.plan_timeline``: layers back to front, bursts of
strokes, withdrawals of the hand, pauses) is sampled once per second like the frames stage;
a hand-free second whose exact clean canvas changed at least ``min_change`` of the canvas
(largest channel change above ``pixel_change`` grey levels: the clean stage's rule) since the
last keyframe becomes the next keyframe; the finished painting ends the process. Each step
carries its exact truth: the pixels its strokes changed and the layer being painted.

Time: the sample painter paints a landscape in about a minute, several times faster than a
person. ``mean_interval_s`` puts a process on a human clock: its times are scaled so the mean
keyframe interval is that many seconds (the paper's dataset averages about 23 s); 0 keeps the
sample painter's own clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .painting import PaintingCanvas, blank_canvas
from .video import SampleSpec, plan_timeline, still_landscape

# Sample layer names -> the instruction words of a step (the annotate vocabulary's).
LAYER_WORDS = {"sky": "sky", "clouds": "clouds", "mountains_far": "mountain", "mountains": "mountain",
               "water": "water", "trees": "trees", "grass": "grass", "details": "flowers"}


@dataclass
class SampleProcess:
    """``frames[0]`` is the blank canvas at ``times[0] = 0``; step k (frame k-1 -> k) painted
    ``masks[k-1]`` (bool) of layer ``layers[k-1]`` (index) named ``words[k-1]``."""

    seed: int
    frames: list[np.ndarray]
    times: list[float]
    masks: list[np.ndarray]
    layers: list[int]
    words: list[str]


def changed(a: np.ndarray, b: np.ndarray, pixel_change: float) -> np.ndarray:
    """Where the largest channel difference exceeds ``pixel_change``."""
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).max(-1) > pixel_change


def _keyframe_plan(seed: int, names: list[str], counts: list[int], duration_s: float):
    """(t, strokes done, layer name) of every hand-free whole second of the painting phase."""
    rng = np.random.default_rng([seed, 1701])  # the sample video's own stream: the same timeline
    plan = plan_timeline(SampleSpec(seed=seed, duration_s=duration_s, fps=10.0), names, counts, rng)
    out, layer = [], names[0]
    for p in plan:
        layer = p.layer or layer
        if abs(p.t - round(p.t)) < 1e-6 and p.phase not in ("intro", "outro") and not p.hand:
            out.append((float(p.t), p.strokes_done, layer))
    return out


def sample_process(seed: int, width: int = 256, duration_s: float = 60.0, min_change: float = 0.004,
                   pixel_change: float = 24.0, mean_interval_s: float = 0.0) -> SampleProcess:
    """The painting process of sample landscape ``seed`` as a clean keyframe sequence."""
    land = still_landscape(seed, width)
    names = [la.name for la in land.layers]
    canvas = PaintingCanvas(land)
    frames, times, masks, layers, words = [blank_canvas(land.size)], [], [], [], []
    start = None
    for t, done, layer in _keyframe_plan(seed, names, [len(la.strokes) for la in land.layers], duration_s):
        image = canvas.advance(done)
        start = t if start is None else start
        hit = changed(image, frames[-1], pixel_change)
        if hit.mean() >= min_change:
            frames.append(image.copy()), times.append(t - start), masks.append(hit)
            layers.append(names.index(layer)), words.append(LAYER_WORDS.get(layer, "details"))
    final = land.final()
    if not np.array_equal(final, frames[-1]):
        frames.append(final), times.append((times[-1] if times else 0.0) + 1.0)
        masks.append(changed(final, frames[-2], 0)), layers.append(len(names) - 1), words.append(LAYER_WORDS["details"])
    times = [0.0] + times
    steps = np.diff(times)
    if mean_interval_s > 0 and len(steps) and steps.mean() > 0:
        times = [round(float(t) * mean_interval_s / float(steps.mean()), 3) for t in times]
    return SampleProcess(seed, frames, times, masks, layers, words)
