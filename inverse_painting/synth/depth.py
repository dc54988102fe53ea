"""Depth maps for layering: Depth Anything through ``transformers``, or an offline prior.

Convention: ``depth`` is a float32 (H, W) map in [0, 1], 0 nearest and 1 farthest, so
"far first" means descending depth. Depth Anything predicts relative inverse depth
(larger = nearer); it is rank-normalised and flipped to this convention.

The ``prior`` backend needs no weights. It encodes what holds for most landscapes and
many pictures: lower in the frame is nearer, fine texture is nearer (detail fades with
distance), and regions that touch the top edge (sky) are farthest. It averages the cue
over colour segments so depth steps fall on image edges.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Protocol, Sequence

import cv2
import numpy as np

from ..registry import Backend, Registry
from .config import DEFAULT_DEPTH_MODEL
from .regions import colour_segments


class DepthBackend(Protocol):
    name: str

    def predict(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Depth maps (H, W) float32 in [0, 1], 0 nearest, for RGB uint8 images."""


def rank_normalise(values: np.ndarray) -> np.ndarray:
    """Map values to [0, 1] by rank (robust to the arbitrary scale of relative depth)."""
    flat = values.reshape(-1)
    order = np.argsort(flat, kind="stable")
    ranks = np.empty(flat.size, np.float32)
    ranks[order] = np.linspace(0, 1, flat.size, dtype=np.float32)
    return ranks.reshape(values.shape)


@dataclass
class PriorDepth:
    """Offline depth prior: vertical position, texture and top-edge cues, edge-aligned."""

    vertical_weight: float = 0.7
    texture_weight: float = 0.3
    top_edge_weight: float = 0.5
    segments: int = 8
    name: str = "prior"

    def predict(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [self._one(img) for img in images]

    def _one(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        scale = max(h, w)
        far_by_height = np.broadcast_to(1 - np.linspace(0, 1, h, dtype=np.float32)[:, None], (h, w))
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
        k = max(3, scale // 48) | 1
        detail = np.abs(gray - cv2.GaussianBlur(gray, (k, k), 0))
        detail = cv2.GaussianBlur(detail, (0, 0), scale / 32)
        far_by_texture = 1 - rank_normalise(detail)
        cue = self.vertical_weight * far_by_height + self.texture_weight * far_by_texture
        labels = colour_segments(image, self.segments)
        depth = np.zeros((h, w), np.float32)
        n = labels.max() + 1
        area = np.bincount(labels.reshape(-1), minlength=n)
        mean = np.bincount(labels.reshape(-1), cue.reshape(-1), minlength=n) / np.maximum(area, 1)
        top = np.zeros(n, bool)
        top[np.unique(labels[0])] = True
        mean = np.where(top, (1 - self.top_edge_weight) * mean + self.top_edge_weight, mean)
        small = area < 0.002 * h * w  # specks keep their own cue rather than a noisy mean
        depth = np.where(small[labels], cue, mean[labels]).astype(np.float32)
        return rank_normalise(cv2.GaussianBlur(depth, (0, 0), 1.0))


class DepthAnythingDepth:
    """Depth Anything (V1/V2) through ``transformers``: Hub id or local folder, batched."""

    def __init__(self, model: str = DEFAULT_DEPTH_MODEL, batch_size: int = 4, device: str = "cpu"):
        from transformers import AutoImageProcessor, DepthAnythingForDepthEstimation

        self.name = "depth-anything"
        self.model_id = model
        self.batch_size = batch_size
        self.device = device
        from ..models.hub import resolve_pretrained

        model = resolve_pretrained(model, "synth.depth_model", "Depth Anything")
        self.processor = AutoImageProcessor.from_pretrained(model)
        self.model = DepthAnythingForDepthEstimation.from_pretrained(model).to(device).eval()

    def predict(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        import torch

        out: list[np.ndarray | None] = [None] * len(images)
        # Images of one size are batched together (the processor keeps aspect ratios).
        by_shape: dict[tuple, list[int]] = {}
        for i, img in enumerate(images):
            by_shape.setdefault(img.shape, []).append(i)
        for shape, idx in by_shape.items():
            for b in range(0, len(idx), self.batch_size):
                chunk = idx[b:b + self.batch_size]
                inputs = self.processor(images=[images[i] for i in chunk], return_tensors="pt").to(self.device)
                with torch.no_grad():
                    pred = self.model(**inputs)
                post = self.processor.post_process_depth_estimation(pred, target_sizes=[shape[:2]] * len(chunk))
                for i, res in zip(chunk, post):
                    inverse_depth = res["predicted_depth"].float().cpu().numpy()
                    out[i] = 1 - rank_normalise(inverse_depth)
        return out  # type: ignore[return-value]


def _depth_anything(model: str) -> DepthAnythingDepth:
    return DepthAnythingDepth(model)


DEPTH_BACKENDS = Registry("depth backend", [
    Backend("prior", lambda model: PriorDepth(),
            summary="offline prior: lower and finer is nearer, regions touching the top edge farthest"),
    Backend("depth-anything", _depth_anything, requires=("torch", "transformers"), install="torch transformers",
            summary="Depth Anything (V1/V2) through transformers: Hub id or local folder"),
])


@functools.lru_cache(maxsize=2)
def load_depth_backend(backend: str = "prior", model: str = DEFAULT_DEPTH_MODEL) -> DepthBackend:
    """The depth backend ``backend`` names (``model``: the Hub id or folder depth-anything loads).

    Cached per process, so a stage worker loads the model once for all its items.
    """
    return DEPTH_BACKENDS.build(backend, model)


def depth_layers(depth: np.ndarray, n_layers: int) -> np.ndarray:
    """(H, W) int layer index, 0 farthest: equal-area bins of the depth map."""
    if n_layers <= 1:
        return np.zeros(depth.shape, np.int32)
    edges = np.quantile(depth, np.linspace(0, 1, n_layers + 1)[1:-1])
    return (n_layers - 1 - np.searchsorted(edges, depth, side="right")).astype(np.int32).clip(0, n_layers - 1)
