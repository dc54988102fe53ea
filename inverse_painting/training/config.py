"""The ``train`` stage's settings: one frozen config, the only defaults (params.yaml holds the values)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Literal

# Settings that change how long or where a run goes, not what a given step computes.
RUN_KEYS = ("steps", "out", "live_dir", "checkpoint_every", "keep_checkpoints", "eval_every", "log_every",
            "mixed_precision", "device", "threads")


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on (the ``train`` section of params.yaml)."""

    dataset: str = "data/dataset"
    configs: tuple[Literal["real", "synthetic"], ...] = ("real", "synthetic")  # those present are used
    out: str = "models/painter"
    live_dir: str | None = "dvclive"  # dvclive metrics and plots (None: none)
    resolution: int = 128  # square working size (pixel space)
    renderer_channels: tuple[int, ...] = (16, 32, 64, 64)
    mask_channels: tuple[int, ...] = (16, 32, 32, 32)
    head_channels: tuple[int, ...] = (16, 32, 64)
    token_width: int = 64  # cross-attention width (time + instruction tokens)
    prediction_type: Literal["sample", "epsilon", "v_prediction"] = "sample"
    vae: str | None = None  # AutoencoderKL id or folder: the renderer works in its latent space
    steps: int = 200
    batch_size: int = 4
    lr: float = 1e-3
    warmup_steps: int = 20
    weight_decay: float = 0.0
    seed: int = 0
    cond_dropout: float = 0.1  # condition dropout for classifier-free guidance
    mask_weight: float = 4.0  # extra weight of renderer errors inside the step mask
    mask_loss_weight: float = 1.0
    instruction_loss_weight: float = 0.5
    flip: bool = True
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
        return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:16]

    def logged_params(self) -> dict:
        """The scalar settings, as dvclive logs them (lists are left out)."""
        return {k: v for k, v in asdict(self).items() if not isinstance(v, (list, tuple))}

    def loss_total(self, losses: dict):
        """The weighted sum the optimiser minimises."""
        return (losses["render"] + self.mask_loss_weight * losses["mask"]
                + self.instruction_loss_weight * losses["instruction"])


def build_model(cfg: TrainConfig, vocabulary: list[str]):
    """A fresh painting model of ``cfg``'s architecture (draws its initial weights from torch's RNG)."""
    from ..models.painting_model import PaintingModel

    return PaintingModel(vocabulary=vocabulary, resolution=cfg.resolution, renderer_channels=list(cfg.renderer_channels),
                         mask_channels=list(cfg.mask_channels), head_channels=list(cfg.head_channels),
                         token_width=cfg.token_width, prediction_type=cfg.prediction_type, vae=cfg.vae)
