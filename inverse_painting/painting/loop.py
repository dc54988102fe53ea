"""The painting loop: from a white canvas to the target, one keyframe per step.

Each step: instruction head -> label; mask generator (dt = interval) -> probabilities,
thresholded at 0.5, 0.4, ... 0.1 until the mask covers >= 5 % of the canvas and overlaps the
previous mask by IoU < 0.8; renderer (few-step sampler) -> next frame; pixels outside the
mask are kept from the current canvas. It stops when the distance to the target drops below
the stop value (LPIPS 0.1) or two consecutive steps change the canvas by < 1e-3, or at
``max_frames``. The model works at its square resolution; the canvas itself is kept at the
output size (the input's aspect ratio), so untouched pixels never lose sharpness.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from ..models.sampler import SamplerName
from ..perceptual.distance import ImageDistance, load_distance
from ..pipeline.errors import UserError

MASK_SOURCES = ("generator", "outstanding", "lowest-threshold")


class PainterNotFound(UserError, FileNotFoundError):
    """The model folder holds no trained painting model."""


@dataclass(frozen=True)
class PaintSettings:
    """The loop's settings (the ``paint`` stage's config and the command line take their defaults
    from here); ``paint.json`` records them."""

    interval: float = 20.0  # seconds per generated step (the dt token)
    max_frames: int = 30
    thresholds: tuple[float, ...] = (0.5, 0.4, 0.3, 0.2, 0.1)
    min_mask_area: float = 0.05
    max_mask_iou: float = 0.8
    stop_lpips: float = 0.1
    stop_fallback: float = 0.03  # the stop value with a distance other than LPIPS (mean Delta E / 100)
    min_change: float = 1e-3  # mean absolute change in [0, 1]
    patience: int = 2  # consecutive small changes that stop the loop
    sampler: SamplerName = "ddim"
    sampler_steps: int = 4
    guidance: float = 1.0  # classifier-free guidance scale (1 = off, one UNet pass per step)
    seed: int = 0
    resolution: int | None = None  # model working size; default: the model's training size
    max_output_side: int = 512
    canvas_rgb: tuple[int, int, int] = (255, 255, 255)


@dataclass
class PaintStep:
    index: int  # 1-based keyframe number
    t_s: float
    label: str
    threshold: float | None
    mask_source: str
    mask_area: float
    distance: float
    change: float


@dataclass
class PaintResult:
    frames: list[np.ndarray]  # keyframes at the output size, frames[0] = the white canvas
    masks: list[np.ndarray]  # bool masks at the output size, one per step
    steps: list[PaintStep]
    stop_reason: str
    distance_name: str
    unet_passes: int
    seconds: float
    resolution: int
    settings: PaintSettings
    target: np.ndarray = field(repr=False, default=None)

    @property
    def times(self) -> list[float]:
        return [0.0] + [s.t_s for s in self.steps]

    def time_map(self) -> np.ndarray:
        """Per pixel, the step (1-based) that last changed it; 0 where no step did."""
        out = np.zeros(self.frames[0].shape[:2], np.int32)
        for k, (before, after) in enumerate(zip(self.frames, self.frames[1:]), start=1):
            out[np.any(before != after, axis=2)] = k
        return out

    def record(self) -> dict[str, Any]:
        h, w = self.frames[0].shape[:2]
        return {"steps": [asdict(s) for s in self.steps], "stop_reason": self.stop_reason,
                "distance": self.distance_name, "unet_passes": self.unet_passes,
                "unet_passes_per_keyframe": round(self.unet_passes / max(1, len(self.steps)), 3),
                "seconds": round(self.seconds, 3), "s_per_keyframe": round(self.seconds / max(1, len(self.steps)), 4),
                "resolution": self.resolution, "width": w, "height": h, "keyframes": len(self.steps),
                "duration_s": self.times[-1], "settings": asdict(self.settings)}


def output_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The input's aspect ratio, long side at most ``max_side``, even sides (H.264 needs them)."""
    scale = min(1.0, max_side / max(width, height))
    return max(2, int(round(width * scale / 2)) * 2), max(2, int(round(height * scale / 2)) * 2)


def _to_tensor(img: np.ndarray, size: int, device):
    import torch

    small = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    return torch.from_numpy(small).permute(2, 0, 1)[None].float().to(device) / 127.5 - 1


def _to_image(t, size: tuple[int, int]) -> np.ndarray:
    arr = ((t[0].permute(1, 2, 0).clamp(-1, 1) + 1) * 127.5).round().byte().cpu().numpy()
    return cv2.resize(arr, size, interpolation=cv2.INTER_CUBIC)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def choose_mask(probs: np.ndarray, previous: np.ndarray | None, outstanding: np.ndarray,
                settings: PaintSettings) -> tuple[np.ndarray, float | None, str]:
    """The first threshold whose mask is large enough and new enough; else what still differs
    from the target (when that is large and new enough); else the lowest threshold's mask."""

    def acceptable(mask: np.ndarray) -> bool:
        return mask.mean() >= settings.min_mask_area and (
            previous is None or _iou(mask, previous) < settings.max_mask_iou)

    for thr in settings.thresholds:
        if acceptable(mask := probs > thr):
            return mask, thr, "generator"
    if acceptable(outstanding):
        return outstanding, None, "outstanding"
    lowest = probs > min(settings.thresholds)
    if lowest.any():
        return lowest, min(settings.thresholds), "lowest-threshold"
    return (outstanding if outstanding.any() else np.ones_like(outstanding)), None, "outstanding"


def load_painter(model_dir: str | os.PathLike, device: str | None = None):
    """A trained PaintingModel in eval mode on ``device`` (default: CUDA when present)."""
    import torch

    from ..models.painting_model import PaintingModel

    path = Path(model_dir)
    if not (path / "config.json").is_file():
        raise PainterNotFound(f"{path}: no trained painting model here (expected config.json + safetensors "
                              "from `inverse-painting train` or `dvc repro train`)")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    return PaintingModel.from_pretrained(path).to(device).eval()


def paint(model, target: np.ndarray, settings: PaintSettings = PaintSettings(),
          distance: ImageDistance | None = None, on_step: Callable[[PaintStep], None] | None = None
          ) -> PaintResult:
    """Generate the keyframes that paint ``target`` (uint8 RGB, any size) from a white canvas;
    ``on_step`` hears of every keyframe as it is made (progress bars)."""
    import torch

    from ..models.sampler import RenderSettings, render_next

    started = time.perf_counter()
    distance = distance or load_distance()
    stop_value = settings.stop_lpips if distance.is_lpips else settings.stop_fallback
    res = int(settings.resolution or model.config.resolution)
    device = model.device
    h, w = target.shape[:2]
    out_wh = output_size(w, h, settings.max_output_side)
    target_out = cv2.resize(target, out_wh, interpolation=cv2.INTER_AREA)
    target_t = _to_tensor(target, res, device)
    target_small = cv2.resize(target, (res, res), interpolation=cv2.INTER_AREA)
    canvas = np.empty_like(target_out)
    canvas[:] = settings.canvas_rgb
    frames, masks, steps = [canvas.copy()], [], []
    render = RenderSettings(settings.sampler, settings.sampler_steps, settings.guidance)
    generator = torch.Generator().manual_seed(settings.seed)
    previous, small_changes, passes = None, 0, 0
    stop_reason = "max frames"
    dt = torch.tensor([float(settings.interval)])
    for k in range(1, settings.max_frames + 1):
        current = _to_tensor(canvas, res, device)
        label_idx = int(model.predict_instruction(current, target_t).argmax(-1)[0]) + 1
        tokens = model.tokens(dt, torch.tensor([label_idx]))
        probs_t = model.predict_mask(current, target_t, tokens)
        passes += 1  # the mask generator (the instruction head is a small CNN, not a UNet)
        probs = cv2.resize(probs_t[0, 0].float().cpu().numpy(), out_wh, interpolation=cv2.INTER_LINEAR)
        outstanding = model.outstanding_mask(current, target_t)[0, 0].cpu().numpy() > 0
        outstanding = cv2.resize(outstanding.astype(np.uint8), out_wh, interpolation=cv2.INTER_NEAREST) > 0
        mask, thr, source = choose_mask(probs, previous, outstanding, settings)
        mask_t = torch.from_numpy(cv2.resize(mask.astype(np.float32), (res, res), interpolation=cv2.INTER_AREA))
        rendered, n = render_next(model, current, target_t, mask_t[None, None].to(device), tokens, render, generator)
        passes += n
        new = np.where(mask[..., None], _to_image(rendered, out_wh), canvas)
        change = float(np.abs(new.astype(np.float32) - canvas).mean() / 255)
        canvas = new
        dist = float(distance([cv2.resize(canvas, (res, res), interpolation=cv2.INTER_AREA)], [target_small])[0])
        frames.append(canvas.copy())
        masks.append(mask)
        steps.append(PaintStep(k, round(k * settings.interval, 3), model.vocabulary[label_idx - 1], thr, source,
                               round(float(mask.mean()), 4), round(dist, 5), round(change, 6)))
        previous = mask
        if on_step is not None:
            on_step(steps[-1])
        if dist < stop_value:
            stop_reason = f"distance to target {dist:.4f} < {stop_value}"
            break
        small_changes = small_changes + 1 if change < settings.min_change else 0
        if small_changes >= settings.patience:
            stop_reason = f"{settings.patience} consecutive steps changed < {settings.min_change}"
            break
    return PaintResult(frames, masks, steps, stop_reason, distance.name, passes, time.perf_counter() - started,
                       res, settings, target_out)


def paint_file(picture: str | os.PathLike, model, settings: PaintSettings = PaintSettings(),
               distance: ImageDistance | None = None, on_step: Callable[[PaintStep], None] | None = None
               ) -> PaintResult:
    """Paint an image file; unreadable files raise ``UnreadableImage`` with the reason."""
    from ..media import read_image

    return paint(model, read_image(picture), settings, distance, on_step)
