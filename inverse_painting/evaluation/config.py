"""The ``evaluate`` stage's settings: one frozen config, the only defaults (params.yaml holds the values)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..config import setting_type
from ..painting.loop import PaintSettings
from ..perceptual.distance import DistanceName
from ..perceptual.masks import MaskSettings
from ..perceptual.official import DEFAULT_WEIGHTS
from .fid import FidConfig

LOOP, MASKS = PaintSettings(), MaskSettings()
MaskBackend = setting_type(MaskSettings, "backend")


@dataclass(frozen=True)
class EvaluateConfig:
    """The ``evaluate`` section of params.yaml."""

    dataset: str = "data/dataset"
    split: str = "validation"  # its paintings are the real processes
    paint: str = "data/paint"  # the paint stage's outputs ("" or a missing painting: painted here)
    model: str = "models/painter"
    out: str = "reports/evaluate"  # per-painting scores, curve pictures, the painted real sequence
    curves: str = "reports/evaluate_curves"  # distance curves, one CSV per (source, method), for dvc plots
    real_sequence: str = "data/real_sequence"  # optional folder of real keyframes NN_t<seconds>s.jpg
    interval: float | Literal["auto"] = "auto"  # as paint.interval: auto is the median step of the train split
    real_sequence_interval: float | None = 20.0  # seconds per keyframe on the real recording (None: interval)
    max_frames: int = LOOP.max_frames
    sampler_steps: int = LOOP.sampler_steps
    seed: int = LOOP.seed
    eval_long_side: int = 256  # every sequence is compared at this long side
    baseline_frames: int | Literal["auto"] = "auto"  # auto: mean steps per painting of the train split
    distance: DistanceName = "lpips"  # of frames and curves: lpips | delta-e (the named stand-in)
    lpips_weights: str = DEFAULT_WEIGHTS
    mask_backend: MaskBackend = "lpips"  # difference masks for IoU, as annotate makes them
    alpha: float = MASKS.alpha
    lab_threshold: float = MASKS.lab_threshold
    lab_blur_sigma: float = MASKS.lab_blur_sigma
    fid_inception: str = ""  # TorchScript inception-2015-12-05.pt; FID unavailable without it

    def paint_settings(self, interval: float) -> dict:
        """How the model paints here (a painting the paint stage has not painted, the real sequence),
        as ``PaintingPipeline`` takes it; every other loop setting is the pipeline's own."""
        return {"interval": interval, "max_frames": self.max_frames, "sampler_steps": self.sampler_steps,
                "seed": self.seed, "distance": self.distance, "lpips_weights": self.lpips_weights or DEFAULT_WEIGHTS}

    def mask_settings(self) -> MaskSettings:
        return MaskSettings(backend=self.mask_backend, lpips_weights=self.lpips_weights or DEFAULT_WEIGHTS,
                            alpha=self.alpha, lab_threshold=self.lab_threshold, lab_blur_sigma=self.lab_blur_sigma)

    def fid(self) -> FidConfig:
        return FidConfig(inception=self.fid_inception)
