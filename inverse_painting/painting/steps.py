"""The rules of one painting step, as plain array functions (no model in here).

- :func:`choose_mask`: the step's mask is exactly the area the area rule gives, taken from the
  pixels the mask generator scores highest inside the (slightly grown) outstanding paint; a
  pixel's score halves with every step that already painted it, so a passage the renderer
  cannot finish does not hold the painter, and a step does not simply repeat the last.
- :func:`composite`: the rendered step goes onto the canvas (output size) inside the mask:
  the renderer's colour, plus the target's fine detail only where the renderer's colour
  already matches the target's low-pass (a finished passage is sharp, a blocked-in one flat).
- :class:`StopRule`: why a painter would put the brush down after a keyframe.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def grow(mask: np.ndarray, px: int) -> np.ndarray:
    """``mask`` dilated by a disc of radius ``px`` (unchanged for ``px`` <= 0)."""
    if px <= 0:
        return mask
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    return cv2.dilate(mask.astype(np.uint8), k) > 0


def choose_mask(probs: np.ndarray, allowed: np.ndarray, area: float, visits: np.ndarray | None) -> np.ndarray:
    """The ``area`` share of the canvas with the highest scores inside ``allowed``, cleaned of
    specks; ``visits`` counts per pixel how many steps painted it already."""
    score = probs.astype(np.float32).copy()
    if visits is not None:
        score *= np.float32(0.5) ** visits
    score[~allowed] = -1.0
    n = int(round(area * score.size))
    n = max(1, min(n, int(allowed.sum()) or 1))
    cut = np.partition(score.ravel(), score.size - n)[score.size - n]
    mask = (score >= cut) & allowed
    k = max(1, int(round(0.006 * max(mask.shape))))
    ker = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1))
    cleaned = cv2.morphologyEx(cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, ker), cv2.MORPH_CLOSE, ker)
    return (cleaned > 0) & allowed if cleaned.any() else mask


def composite(canvas: np.ndarray, rendered: np.ndarray, target: np.ndarray, mask: np.ndarray, tau: float) -> np.ndarray:
    """The canvas with the rendered step inside ``mask`` (``canvas``, ``target``, ``mask`` at the
    output size; ``rendered`` square at the renderer's size): guided upsampling that adds the
    target's detail (target minus its low-pass) where the render's colour is within ``tau`` of
    the target's low-pass (0-1 units; 0 adds none)."""
    h, w = canvas.shape[:2]
    r = rendered.shape[0]
    up = cv2.resize(rendered, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    small_target = cv2.resize(target, (r, r), interpolation=cv2.INTER_AREA)
    low = cv2.resize(small_target, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    mismatch = np.abs(rendered.astype(np.float32) - small_target).mean(-1) / 255.0
    mismatch = cv2.resize(mismatch, (w, h), interpolation=cv2.INTER_LINEAR)
    weight = np.clip(1.0 - mismatch / tau, 0.0, 1.0)[..., None] if tau > 0 else 0.0
    new = np.clip(up + weight * (target.astype(np.float32) - low), 0, 255).round().astype(np.uint8)
    return np.where(mask[..., None], new, canvas)


@dataclass(frozen=True)
class StopRule:
    """When a painter puts the brush down: nothing outstanding any more, close enough to the
    target, or neither the distance nor the outstanding share improving over ``patience + 1``
    keyframes."""

    stop_outstanding: float = 0.03  # share of the canvas still far from the target
    stop_distance: float = 0.06  # distance to the target (LPIPS)
    patience: int = 2
    min_gain: float = 0.004  # distance progress that counts ...
    min_left_gain: float = 0.01  # ... or this much less outstanding paint

    def reason(self, lefts: list[float], distances: list[float]) -> str | None:
        """Why to stop after the last keyframe, or None to go on (``lefts``: the outstanding share
        after each keyframe; ``distances``: its distance to the target)."""
        if lefts[-1] < self.stop_outstanding:
            return f"outstanding {lefts[-1]:.3f} < {self.stop_outstanding} of the canvas"
        if distances[-1] < self.stop_distance:
            return f"distance to target {distances[-1]:.4f} < {self.stop_distance}"
        k = self.patience + 1
        if len(distances) > k:
            gain = min(distances[:-k]) - min(distances[-k:])
            left_gain = min(lefts[:-k]) - min(lefts[-k:])
            if gain < self.min_gain and left_gain < self.min_left_gain:
                return f"no progress in {k} keyframes (distance {gain:+.4f}, outstanding {left_gain:+.3f})"
        return None


def to_tensor(img: np.ndarray, size: int, device="cpu"):
    """A uint8 RGB image as a (1, 3, size, size) tensor in [-1, 1] (area-resized)."""
    import torch

    small = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    return torch.from_numpy(small).permute(2, 0, 1)[None].float().to(device) / 127.5 - 1


def to_image(t) -> np.ndarray:
    """A (1, 3, H, W) tensor in [-1, 1] as a uint8 RGB image."""
    return ((t[0].permute(1, 2, 0).clamp(-1, 1) + 1) * 127.5).round().byte().cpu().numpy()


def mask_tensor(mask: np.ndarray, size: int, device="cpu"):
    """A bool mask as a (1, 1, size, size) float tensor (area-resized)."""
    import torch

    small = cv2.resize(mask.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    return torch.from_numpy(small)[None, None].to(device)
