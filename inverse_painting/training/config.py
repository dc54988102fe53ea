"""The ``train`` stage's settings: one frozen config, the only defaults (params.yaml holds the values)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Literal

from ..perceptual.official import DEFAULT_WEIGHTS

# Settings that change how long or where a run goes, not what a given step computes.
RUN_KEYS = ("steps", "out", "live_dir", "checkpoint_every", "keep_checkpoints", "eval_every", "log_every",
            "mixed_precision", "device", "threads", "area_rule", "max_step_area", "lpips_weights")


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on (the ``train`` section of params.yaml)."""

    dataset: str = "data/dataset"
    configs: tuple[Literal["real", "synthetic"], ...] = ("real", "synthetic")  # those present are used
    out: str = "models/painter"
    live_dir: str | None = "dvclive"  # dvclive metrics and plots (None: none)
    resolution: int = 64  # square working size of the renderer (pixel space)
    mask_resolution: int | None = 64  # mask generator and instruction head (None: resolution)
    renderer_channels: tuple[int, ...] = (16, 32, 64, 64)
    mask_channels: tuple[int, ...] = (16, 32, 32, 32)
    head_channels: tuple[int, ...] = (16, 32, 64)
    token_width: int = 64  # cross-attention width (time + instruction tokens)
    prediction_type: Literal["sample", "epsilon", "v_prediction"] = "sample"
    vae: str | None = None  # AutoencoderKL id or folder: the renderer works in its latent space
    residual: bool = True  # residual renderer: current outside the mask, target inside, plus what it learns
    dice_weight: float = 0.5  # soft Dice term of the mask loss
    steps: int = 250
    batch_size: int = 8
    lr: float = 2e-3
    lr_schedule: Literal["constant", "cosine"] = "cosine"  # after warm-up; cosine ends at lr_floor * lr
    lr_floor: float = 0.02
    warmup_steps: int = 30
    weight_decay: float = 0.0
    seed: int = 0
    cond_dropout: float = 0.1  # condition dropout for classifier-free guidance
    mask_weight: float = 4.0  # extra weight of renderer errors inside the step mask
    mask_loss_weight: float = 1.0
    instruction_loss_weight: float = 0.3
    flip: bool = True
    config_weights: dict[str, float] = field(default_factory=dict)  # share of the draws per dataset config ({}: uniform over rows)
    area_rule: Literal["median", "mean"] = "mean"  # the fitted step area: the median or the mean step
    max_step_area: float = 0.33  # painted share of a step after the first, at most
    lpips_weights: str = DEFAULT_WEIGHTS  # LPIPS saved with the painting pipeline ("": none, paint loads its own)
    checkpoint_every: int = 50
    keep_checkpoints: int = 2
    eval_every: int = 50
    log_every: int = 10
    mixed_precision: Literal["no", "fp16", "bf16"] = "no"  # fp16 and bf16 on a GPU
    device: Literal["auto", "cpu"] = "auto"  # auto: CUDA when present
    threads: int = 0  # CPU threads for torch; 0 keeps torch's default (all cores)

    def model_hash(self) -> str:
        """Hash of what a step computes: checkpoints of another configuration are never resumed."""
        what = {k: v for k, v in asdict(self).items() if k not in RUN_KEYS}
        if self.lr_schedule == "cosine":  # the schedule depends on the run's length
            what["steps"] = self.steps
        return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:16]

    def logged_params(self) -> dict:
        """The scalar settings, as dvclive logs them (lists and mappings are left out)."""
        return {k: v for k, v in asdict(self).items() if not isinstance(v, (list, tuple, dict))}

    def learning_rate(self, step: int) -> float:
        """The learning rate of (0-based) ``step``: linear warm-up, then constant or cosine."""
        import math

        lr = self.lr * min(1.0, (step + 1) / max(1, self.warmup_steps))
        if self.lr_schedule == "cosine":
            lr *= max(self.lr_floor, 0.5 * (1 + math.cos(math.pi * step / max(1, self.steps))))
        return lr

    def loss_total(self, losses: dict):
        """The weighted sum the optimiser minimises."""
        return (losses["render"] + self.mask_loss_weight * losses["mask"]
                + self.instruction_loss_weight * losses["instruction"])


def build_model(cfg: TrainConfig, vocabulary: list[str]):
    """A fresh painting model of ``cfg``'s architecture (draws its initial weights from torch's RNG)."""
    from ..models.painting_model import PaintingModel

    return PaintingModel(vocabulary=vocabulary, resolution=cfg.resolution, mask_resolution=cfg.mask_resolution,
                         renderer_channels=list(cfg.renderer_channels), mask_channels=list(cfg.mask_channels),
                         head_channels=list(cfg.head_channels), token_width=cfg.token_width,
                         prediction_type=cfg.prediction_type, residual=cfg.residual, dice_weight=cfg.dice_weight,
                         vae=cfg.vae)
