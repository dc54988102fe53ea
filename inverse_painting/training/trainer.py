"""Train the compact painting model with accelerate: one code path for CPU, one GPU or many.

Every random draw of a step (batch rows, flips, condition dropout, noise, timesteps) comes
from a generator seeded by (seed, step, process), so a run resumed from its last checkpoint
continues exactly as an uninterrupted one. Metrics and plots go through dvclive.
Multi-GPU: ``accelerate launch -m pipelines.train`` (or ``inverse-painting train``) splits
the batch work across processes; nothing in the code changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..pipeline import NoItems, atomic_write_text, claim_output_folder
from ..pipeline.atomic import plain_modes
from ..pipeline.executor import sweep_temporaries
from .checkpoints import list_checkpoints, load_checkpoint, save_checkpoint
from .data import PairsData, dataset_fingerprint, load_pairs

log = logging.getLogger(__name__)

# Keys that change how long or where a run goes, not what a given step computes.
_RUN_KEYS = ("steps", "out", "live_dir", "checkpoint_every", "keep_checkpoints", "eval_every", "log_every",
             "mixed_precision", "device", "threads")


@dataclass
class TrainConfig:
    """Everything a training run depends on (the ``train`` section of params.yaml)."""

    dataset: str = "data/dataset"
    configs: list[str] = field(default_factory=lambda: ["real", "synthetic"])
    out: str = "models/painter"
    live_dir: str | None = "dvclive"
    resolution: int = 128
    renderer_channels: list[int] = field(default_factory=lambda: [16, 32, 64, 64])
    mask_channels: list[int] = field(default_factory=lambda: [16, 32, 32, 32])
    head_channels: list[int] = field(default_factory=lambda: [16, 32, 64])
    token_width: int = 64
    prediction_type: str = "sample"
    vae: str | None = None
    steps: int = 300
    batch_size: int = 4
    lr: float = 1e-3
    warmup_steps: int = 20
    weight_decay: float = 0.0
    seed: int = 0
    cond_dropout: float = 0.1
    mask_weight: float = 4.0
    mask_loss_weight: float = 1.0
    instruction_loss_weight: float = 0.5
    flip: bool = True
    checkpoint_every: int = 100
    keep_checkpoints: int = 2
    eval_every: int = 50
    log_every: int = 10
    mixed_precision: str = "no"
    device: str = "auto"  # auto (CUDA when present) or cpu
    threads: int = 0  # CPU threads for torch; 0 keeps torch's default (all cores)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(params) - known - {"workers", "max_failure_fraction"})
        if unknown:
            raise ValueError(f"unknown train params: {unknown}")
        return cls(**{k: v for k, v in params.items() if k in known})

    def model_hash(self) -> str:
        """Hash of what a step computes: checkpoints of another configuration are never resumed."""
        what = {k: v for k, v in asdict(self).items() if k not in _RUN_KEYS}
        return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class TrainResult:
    out: Path
    steps: int
    resumed_from: int
    seconds: float
    final: dict[str, float]
    validation: dict[str, float]


def _step_generator(seed: int, step: int, process: int):
    import torch

    g = torch.Generator()
    g.manual_seed((seed * 1_000_003 + step * 7919 + process * 104_729) % (2**63 - 1))
    return g


def _draw(data: PairsData, cfg: TrainConfig, model, scheduler, step: int, process: int) -> dict:
    """The batch of one step: rows, flips, dropout, noise and timesteps from one seeded generator."""
    import torch

    g = _step_generator(cfg.seed, step, process)
    n = cfg.batch_size
    idx = torch.randint(len(data), (n,), generator=g).numpy()
    flip = (torch.rand(n, generator=g) < 0.5).numpy() if cfg.flip else None
    batch = data.batch(idx, model.label_index, flip)
    batch["drop"] = torch.rand(n, generator=g) < cfg.cond_dropout
    shape = model.encode(batch["next_frame"][:1]).shape[1:]
    batch["noise"] = torch.randn((n, *shape), generator=g)
    batch["timesteps"] = torch.randint(0, scheduler.config.num_train_timesteps, (n,), generator=g)
    return batch


def _total(losses: dict, cfg: TrainConfig):
    return losses["render"] + cfg.mask_loss_weight * losses["mask"] + cfg.instruction_loss_weight * losses["instruction"]


def _trim_live_plots(live_dir: str | Path, step: int) -> None:
    """Drop dvclive metric rows logged after ``step``.

    A killed run logged steps past its last checkpoint; the resumed run logs them again,
    and dvclive appends, so without this the curves would hold those steps twice.
    """
    for tsv in (Path(live_dir) / "plots" / "metrics").rglob("*.tsv"):
        lines = tsv.read_text(encoding="utf-8").splitlines(keepends=True)
        if not lines:
            continue
        column = lines[0].rstrip("\r\n").split("\t").index("step") if "step" in lines[0] else 0
        kept = [line for line in lines[1:] if line.endswith("\n") and _row_step(line, column) <= step]
        if len(kept) != len(lines) - 1:
            atomic_write_text(tsv, "".join(lines[:1] + kept))


def _row_step(line: str, column: int) -> float:
    try:
        return float(line.split("\t")[column])
    except (IndexError, ValueError):
        return float("inf")  # a half-written row: drop it


def build_model(cfg: TrainConfig, vocabulary: list[str]):
    from ..models import PaintingModel

    return PaintingModel(vocabulary=vocabulary, resolution=cfg.resolution, renderer_channels=cfg.renderer_channels,
                         mask_channels=cfg.mask_channels, head_channels=cfg.head_channels,
                         token_width=cfg.token_width, prediction_type=cfg.prediction_type, vae=cfg.vae)


def train(cfg: TrainConfig, progress: bool = True) -> TrainResult:
    """Train (or resume) into ``cfg.out``: final ``save_pretrained`` model, ``checkpoints/``,
    ``training.json``; metrics to ``cfg.live_dir`` through dvclive."""
    import torch
    from accelerate import Accelerator
    from accelerate.utils import set_seed
    from diffusers import DDPMScheduler
    from tqdm.auto import tqdm

    started = time.perf_counter()
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    accelerator = Accelerator(mixed_precision=cfg.mixed_precision, cpu=cfg.device == "cpu")
    set_seed(cfg.seed)
    out = claim_output_folder(cfg.out, "train") if accelerator.is_main_process else Path(cfg.out)
    ckpt_dir = out / "checkpoints"
    train_data = PairsData.from_rows(load_pairs(cfg.dataset, "train", cfg.configs), cfg.resolution)
    try:
        val_data = PairsData.from_rows(load_pairs(cfg.dataset, "validation", cfg.configs), cfg.resolution)
    except (NoItems, ValueError):
        val_data = None
    model = build_model(cfg, train_data.vocabulary())
    scheduler = DDPMScheduler(num_train_timesteps=model.config.num_train_timesteps,
                              beta_schedule=model.config.beta_schedule, prediction_type=model.config.prediction_type)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)

    start_step, history = 0, []
    # Resume only a run of the same configuration over the same data.
    digest = hashlib.sha256(f"{cfg.model_hash()}:{dataset_fingerprint(cfg.dataset, cfg.configs)}".encode()
                            ).hexdigest()[:16]
    if accelerator.is_main_process:
        sweep_temporaries(ckpt_dir)  # a checkpoint a killed run was still writing
    previous = list_checkpoints(ckpt_dir)
    if previous:
        saved = json.loads((previous[-1] / "state.json").read_text())
        if saved.get("config_hash") == digest and saved.get("vocabulary") == model.vocabulary:
            state = load_checkpoint(previous[-1], model, optimizer)
            start_step, history = state["step"], state.get("history", [])
            log.info("resuming from %s", previous[-1])
        else:
            log.info("checkpoints in %s belong to another configuration; starting afresh", ckpt_dir)
            if accelerator.is_main_process:
                for p in previous:
                    shutil.rmtree(p, ignore_errors=True)
    model, optimizer = accelerator.prepare(model, optimizer)
    core = accelerator.unwrap_model(model)

    live = None
    if cfg.live_dir and accelerator.is_main_process:
        from dvclive import Live

        if start_step > 0:
            _trim_live_plots(cfg.live_dir, start_step)
        live = Live(cfg.live_dir, resume=start_step > 0, save_dvc_exp=False, dvcyaml=False)
        live.log_params({k: v for k, v in asdict(cfg).items() if not isinstance(v, list)})

    def validation_loss() -> dict[str, float]:
        if val_data is None:
            return {}
        model.eval()
        sums: dict[str, float] = {}
        with torch.no_grad():
            for i in range(2):  # fixed draws: the curve compares steps, not batches
                batch = {k: v.to(accelerator.device) for k, v in _draw(val_data, cfg, core, scheduler, -1 - i, 0).items()}
                batch["drop"] = torch.zeros_like(batch["drop"])
                losses = core(**batch, scheduler=scheduler, mask_weight=cfg.mask_weight)
                losses["total"] = _total(losses, cfg)
                for k, v in losses.items():
                    sums[k] = sums.get(k, 0.0) + float(v) / 2
        model.train()
        return sums

    model.train()
    final: dict[str, float] = {}
    bar = tqdm(range(start_step, cfg.steps), initial=start_step, total=cfg.steps, desc="train",
               disable=not (progress and accelerator.is_main_process))
    for step in bar:
        lr = cfg.lr * min(1.0, (step + 1) / max(1, cfg.warmup_steps))
        for group in optimizer.param_groups:
            group["lr"] = lr
        batch = {k: v.to(accelerator.device) for k, v in
                 _draw(train_data, cfg, core, scheduler, step, accelerator.process_index).items()}
        with accelerator.autocast():
            losses = model(**batch, scheduler=scheduler, mask_weight=cfg.mask_weight)
            total = _total(losses, cfg)
        accelerator.backward(total)
        accelerator.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        final = {"loss": total.item(), **{f"loss_{k}": v.item() for k, v in losses.items()}}
        done = step + 1
        logging_step = live is not None and (done % cfg.log_every == 0 or done == cfg.steps)
        if logging_step:
            live.step = done
            for k, v in final.items():
                live.log_metric(f"train/{k}", v)
            live.log_metric("train/lr", lr)
        if cfg.eval_every and (done % cfg.eval_every == 0 or done == cfg.steps):
            logging_step = live is not None
            val = validation_loss()
            history.append({"step": done, **{f"val_{k}": round(v, 5) for k, v in val.items()}})
            if live is not None:
                live.step = done
                for k, v in val.items():
                    live.log_metric(f"val/{k}", v)
        if logging_step:
            live.next_step()
        bar.set_postfix(loss=f"{final['loss']:.4f}", refresh=False)
        if accelerator.is_main_process and cfg.checkpoint_every and done % cfg.checkpoint_every == 0:
            save_checkpoint(ckpt_dir, done, core, optimizer,
                            {"config_hash": digest, "vocabulary": core.vocabulary, "history": history},
                            keep=cfg.keep_checkpoints)
        accelerator.wait_for_everyone()
    bar.close()

    validation = validation_loss()
    seconds = time.perf_counter() - started
    if accelerator.is_main_process:
        core.save_pretrained(out)
        plain_modes(out)  # safetensors writes private 0600 files
        summary = {"steps": cfg.steps, "resumed_from": start_step, "seconds": round(seconds, 2),
                   "train_pairs": len(train_data), "validation_pairs": len(val_data) if val_data else 0,
                   "vocabulary": core.vocabulary, "config_hash": digest,
                   "parameters": sum(p.numel() for p in core.parameters()),
                   "final": {k: round(v, 5) for k, v in final.items()},
                   "validation": {k: round(v, 5) for k, v in validation.items()}, "history": history}
        from ..pipeline import atomic_write_json

        atomic_write_json(out / "training.json", summary)
        if live is not None:
            live.summary.update({"seconds": round(seconds, 2)})
            live.end()
    accelerator.wait_for_everyone()
    return TrainResult(out, cfg.steps, start_step, seconds, final, validation)
