"""Self-supervised painting processes from any image.

An image is decomposed into brush strokes with a differentiable stroke renderer, the
strokes are ordered the way painters work — back to front by depth ("layering") and
coarse to fine ("refinement") — and the ordered strokes are rendered as a process with
exact ground truth (keyframes, per-step masks, region labels, stroke parameters).

Importing this package is light; torch and transformers load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import numpy as np

_LAZY = {
    "SynthConfig": ".config", "StrokeParams": ".strokes", "render": ".renderer", "StrokeCanvas": ".renderer",
    "decompose": ".decompose", "Decomposition": ".decompose", "render_process": ".process",
    "PaintingProcess": ".process", "load_depth_backend": ".depth", "PriorDepth": ".depth",
    "DEPTH_BACKENDS": ".depth", "IMAGE_SOURCES": ".sources", "image_source": ".sources",
    "synth_item": ".stage", "synth_items": ".stage",
}
# The stroke-process baseline evaluation scores the model against: the quick setting with
# 600 strokes (what it has always been scored with), unless a config is given.
BASELINE_STROKES = 600

__all__ = sorted([*_LAZY, "BASELINE_STROKES", "stroke_process", "stroke_process_full"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(name)


def stroke_process_full(image: np.ndarray, n_frames: int, config=None):
    """Decompose ``image`` and render ``n_frames`` process frames at the image's own size.

    Returns ``(decomposition, process)``. ``config`` is a :class:`SynthConfig`; None is the
    defaults with :data:`BASELINE_STROKES` strokes.
    """
    from .config import SynthConfig
    from .decompose import decompose, working_image
    from .depth import load_depth_backend
    from .process import render_process

    cfg = config if config is not None else SynthConfig(strokes=BASELINE_STROKES)
    work = working_image(np.asarray(image, np.uint8)[..., :3], cfg.size)
    depth = load_depth_backend(cfg.depth_backend, cfg.depth_model).predict([work])[0]
    dec = decompose(work, depth, cfg)
    scale = max(image.shape[:2]) / max(work.shape[:2])
    proc = render_process(dec, n_frames, cfg.seconds_per_stroke, scale=scale, threads=cfg.threads)
    return dec, proc


def stroke_process(image: np.ndarray, n_frames: int, config=None) -> list[np.ndarray]:
    """Baseline painting process of an RGB uint8 image: ``n_frames`` frames (fewer only when
    there are fewer strokes), layered back to front and refined coarse to fine, at the
    image's size, ending at the rendered final image.
    """
    frames = stroke_process_full(image, n_frames, config)[1].frames
    h, w = image.shape[:2]
    # The working canvas scaled back can differ from the input by a pixel; match it exactly.
    import cv2

    return [f if f.shape[:2] == (h, w) else cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in frames]
