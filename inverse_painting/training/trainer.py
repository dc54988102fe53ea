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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..pipeline import NoItems, atomic_write_json, claim_output_folder
from ..pipeline.atomic import plain_modes
from ..pipeline.executor import sweep_temporaries
from ..records.dataset import dataset_fingerprint, load_pairs
from .checkpoints import list_checkpoints, load_checkpoint, save_checkpoint
from .config import TrainConfig, build_model
from .data import PairsData
from .live import log_metrics, open_live

log = logging.getLogger(__name__)


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
    weights = data.draw_weights(cfg.config_weights)
    if weights is None:
        idx = torch.randint(len(data), (n,), generator=g).numpy()
    else:
        idx = torch.multinomial(torch.from_numpy(weights), n, replacement=True, generator=g).numpy()
    flip = (torch.rand(n, generator=g) < 0.5).numpy() if cfg.flip else None
    batch = data.batch(idx, model.label_index, flip)
    batch["drop"] = torch.rand(n, generator=g) < cfg.cond_dropout
    shape = model.encode(batch["next_frame"][:1]).shape[1:]
    batch["noise"] = torch.randn((n, *shape), generator=g)
    batch["timesteps"] = torch.randint(0, scheduler.config.num_train_timesteps, (n,), generator=g)
    return batch


def _read_splits(cfg: TrainConfig) -> tuple[PairsData, PairsData | None]:
    """The train pairs, and the validation pairs when the dataset has any."""
    train_data = PairsData.from_rows(load_pairs(cfg.dataset, "train", cfg.configs), cfg.resolution)
    try:
        val_data = PairsData.from_rows(load_pairs(cfg.dataset, "validation", cfg.configs), cfg.resolution)
    except (NoItems, ValueError):
        val_data = None
    return train_data, val_data


class _Training:
    """One training run's state: data, model, optimiser, the accelerator and the dvclive logger."""

    def __init__(self, cfg: TrainConfig):
        import torch
        from accelerate import Accelerator
        from accelerate.utils import set_seed
        from diffusers import DDPMScheduler

        self.cfg = cfg
        if cfg.threads > 0:
            torch.set_num_threads(cfg.threads)
        self.accelerator = Accelerator(mixed_precision=cfg.mixed_precision, cpu=cfg.device == "cpu")
        set_seed(cfg.seed)  # before the model draws its initial weights
        self.main = self.accelerator.is_main_process
        self.out = claim_output_folder(cfg.out, "train") if self.main else Path(cfg.out)
        self.ckpt_dir = self.out / "checkpoints"
        self.train_data, self.val_data = _read_splits(cfg)
        self.model = build_model(cfg, self.train_data.vocabulary())
        config = self.model.config
        self.scheduler = DDPMScheduler(num_train_timesteps=config.num_train_timesteps,
                                       beta_schedule=config.beta_schedule, prediction_type=config.prediction_type)
        # fused: one kernel over all parameters instead of a loop over ~400 small tensors
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay,
                                           fused=True)
        # Resume only a run of the same configuration over the same data.
        self.digest = hashlib.sha256(f"{cfg.model_hash()}:{dataset_fingerprint(cfg.dataset, cfg.configs)}".encode()
                                     ).hexdigest()[:16]
        self.start_step, self.history, self.resumed_final = self._resume()
        self.model, self.optimizer = self.accelerator.prepare(self.model, self.optimizer)
        self.core = self.accelerator.unwrap_model(self.model)
        self.live = None
        if cfg.live_dir and self.main:
            self.live = open_live(cfg.live_dir, self.start_step, cfg.logged_params())

    def _resume(self) -> tuple[int, list[dict[str, Any]], dict[str, float]]:
        """The step, history and last step's losses of the newest checkpoint of this configuration
        (0, [], {} when none); checkpoints of another configuration are removed."""
        if self.main:
            sweep_temporaries(self.ckpt_dir)  # a checkpoint a killed run was still writing
        previous = list_checkpoints(self.ckpt_dir)
        if not previous:
            return 0, [], {}
        saved = json.loads((previous[-1] / "state.json").read_text())
        if saved.get("config_hash") == self.digest and saved.get("vocabulary") == self.model.vocabulary:
            state = load_checkpoint(previous[-1], self.model, self.optimizer)
            log.info("resuming from %s", previous[-1])
            return state["step"], state.get("history", []), state.get("final", {})
        log.info("checkpoints in %s belong to another configuration; starting afresh", self.ckpt_dir)
        if self.main:
            for p in previous:
                shutil.rmtree(p, ignore_errors=True)
        return 0, [], {}

    def validation_loss(self) -> dict[str, float]:
        """Mean losses over two fixed validation draws (the curve compares steps, not batches)."""
        import torch

        if self.val_data is None:
            return {}
        cfg, core = self.cfg, self.core
        self.model.eval()
        sums: dict[str, float] = {}
        with torch.no_grad():
            for i in range(2):
                batch = {k: v.to(self.accelerator.device)
                         for k, v in _draw(self.val_data, cfg, core, self.scheduler, -1 - i, 0).items()}
                batch["drop"] = torch.zeros_like(batch["drop"])
                losses = core(**batch, scheduler=self.scheduler, mask_weight=cfg.mask_weight)
                losses["total"] = cfg.loss_total(losses)
                for k, v in losses.items():
                    sums[k] = sums.get(k, 0.0) + float(v) / 2
        self.model.train()
        return sums

    def step(self, step: int) -> tuple[dict[str, float], float]:
        """One optimisation step; its losses and learning rate."""
        cfg, accelerator = self.cfg, self.accelerator
        lr = cfg.learning_rate(step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        batch = {k: v.to(accelerator.device) for k, v in
                 _draw(self.train_data, cfg, self.core, self.scheduler, step, accelerator.process_index).items()}
        with accelerator.autocast():
            losses = self.model(**batch, scheduler=self.scheduler, mask_weight=cfg.mask_weight)
            total = cfg.loss_total(losses)
        accelerator.backward(total)
        accelerator.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return {"loss": total.item(), **{f"loss_{k}": v.item() for k, v in losses.items()}}, lr

    def after_step(self, done: int, final: dict[str, float], lr: float) -> None:
        """Log, validate and checkpoint as the config says, once step ``done`` has been taken."""
        cfg, live = self.cfg, self.live
        logging_step = live is not None and (done % cfg.log_every == 0 or done == cfg.steps)
        if logging_step:
            log_metrics(live, done, "train", {**final, "lr": lr})
        if cfg.eval_every and (done % cfg.eval_every == 0 or done == cfg.steps):
            logging_step = live is not None
            val = self.validation_loss()
            self.history.append({"step": done, **{f"val_{k}": round(v, 5) for k, v in val.items()}})
            if live is not None:
                log_metrics(live, done, "val", val)
        if logging_step:
            live.next_step()
        if self.main and cfg.checkpoint_every and done % cfg.checkpoint_every == 0:
            save_checkpoint(self.ckpt_dir, done, self.core, self.optimizer,
                            {"config_hash": self.digest, "vocabulary": self.core.vocabulary, "history": self.history,
                             "final": final},
                            keep=cfg.keep_checkpoints)
        self.accelerator.wait_for_everyone()

    def loop(self, progress: bool) -> dict[str, float]:
        """Steps from the resumed one to ``cfg.steps``; the last step's losses."""
        from tqdm.auto import tqdm

        cfg = self.cfg
        self.model.train()
        final: dict[str, float] = dict(self.resumed_final)  # a run resumed at its last step ran none
        bar = tqdm(range(self.start_step, cfg.steps), initial=self.start_step, total=cfg.steps, desc="train",
                   disable=not (progress and self.main))
        for step in bar:
            final, lr = self.step(step)
            self.after_step(step + 1, final, lr)
            bar.set_postfix(loss=f"{final['loss']:.4f}", refresh=False)
        bar.close()
        return final

    def finish(self, final: dict[str, float], validation: dict[str, float], seconds: float) -> None:
        """Save the painting pipeline (model, scheduler, LPIPS, the fitted area rule) and
        ``training.json``; close the dvclive run."""
        if self.main:
            from .export import save_pipeline

            core = self.core
            rule, stats = save_pipeline(self.out, core, self.train_data, self.cfg)
            plain_modes(self.out)  # safetensors writes private 0600 files
            summary = {"steps": self.cfg.steps, "resumed_from": self.start_step, "seconds": round(seconds, 2),
                       "train_pairs": len(self.train_data),
                       "validation_pairs": len(self.val_data) if self.val_data else 0,
                       "vocabulary": core.vocabulary, "config_hash": self.digest,
                       "parameters": sum(p.numel() for p in core.parameters()),
                       "final": {k: round(v, 5) for k, v in final.items()},
                       "validation": {k: round(v, 5) for k, v in validation.items()}, "history": self.history,
                       "area_rule": rule.to_dict(), "data": stats}
            atomic_write_json(self.out / "training.json", summary)
            if self.live is not None:
                self.live.summary.update({"seconds": round(seconds, 2)})
                self.live.end()
        self.accelerator.wait_for_everyone()


def train(cfg: TrainConfig, progress: bool = True) -> TrainResult:
    """Train (or resume) into ``cfg.out``: final ``save_pretrained`` model, ``checkpoints/``,
    ``training.json``; metrics to ``cfg.live_dir`` through dvclive."""
    started = time.perf_counter()
    run = _Training(cfg)
    final = run.loop(progress)
    validation = run.validation_loss()
    seconds = time.perf_counter() - started
    run.finish(final, validation, seconds)
    return TrainResult(run.out, cfg.steps, run.start_step, seconds, final, validation)
