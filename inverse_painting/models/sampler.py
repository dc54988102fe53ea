"""Few-step sampling of the next frame with a diffusers scheduler (DDIM or DPM-Solver)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

SAMPLERS = ("ddim", "dpm")


@dataclass(frozen=True)
class RenderSettings:
    """How the renderer samples: scheduler, its step count and the guidance scale."""

    sampler: str = "ddim"
    steps: int = 4
    guidance: float = 1.0  # 1.0 = no classifier-free guidance (one UNet pass per step)


def make_scheduler(config, sampler: str = "ddim"):
    """A scheduler matching the model's training noise schedule; "trailing" spacing starts
    few-step sampling from pure noise."""
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler

    common = dict(num_train_timesteps=config.num_train_timesteps, beta_schedule=config.beta_schedule,
                  prediction_type=config.prediction_type, timestep_spacing="trailing")
    if sampler == "ddim":
        return DDIMScheduler(clip_sample=False, set_alpha_to_one=True, **common)
    if sampler == "dpm":
        return DPMSolverMultistepScheduler(algorithm_type="dpmsolver++", solver_order=2, **common)
    raise ValueError(f"unknown sampler {sampler!r}; choose one of {SAMPLERS}")


@torch.no_grad()
def render_next(model, current: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, tokens: torch.Tensor,
                settings: RenderSettings, generator: torch.Generator | None = None) -> tuple[torch.Tensor, int]:
    """Sample the next frame (NCHW, [-1, 1]); returns it and the number of UNet passes."""
    scheduler = make_scheduler(model.config, settings.sampler)
    scheduler.set_timesteps(settings.steps, device=current.device)
    cur, tgt = model.encode(current), model.encode(target)
    sample = torch.randn(cur.shape, generator=generator, device="cpu", dtype=cur.dtype).to(cur.device)
    sample = sample * scheduler.init_noise_sigma
    guided = settings.guidance != 1.0
    if guided:
        null = model.tokens(torch.zeros(len(tokens)), torch.zeros(len(tokens), dtype=torch.long),
                            torch.ones(len(tokens), dtype=torch.bool))
        tokens = torch.cat([null, tokens])
    passes = 0
    for t in scheduler.timesteps:
        x = model.renderer_input(scheduler.scale_model_input(sample, t), cur, tgt, mask)
        if guided:
            x = torch.cat([x, x])
        out = model.renderer(x, t, tokens).sample
        passes += 1
        if guided:
            uncond, cond = out.chunk(2)
            out = uncond + settings.guidance * (cond - uncond)
        sample = scheduler.step(out, t, sample).prev_sample
    return model.decode(sample), passes
