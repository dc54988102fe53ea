"""Few-step sampling of the next frame with a diffusers scheduler, chosen by name (``SAMPLERS``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..registry import Backend, Registry

SamplerName = Literal["ddim", "dpm"]  # the names of SAMPLERS, for configs and the command line


@dataclass(frozen=True)
class RenderSettings:
    """How the renderer samples: scheduler, its step count and the guidance scale."""

    sampler: SamplerName = "ddim"
    steps: int = 4
    guidance: float = 1.0  # 1.0 = no classifier-free guidance (one UNet pass per step)


def _schedule(config) -> dict:
    """The model's training noise schedule; "trailing" spacing starts few-step sampling from pure noise."""
    return dict(num_train_timesteps=config.num_train_timesteps, beta_schedule=config.beta_schedule,
                prediction_type=config.prediction_type, timestep_spacing="trailing")


def _ddim(config):
    from diffusers import DDIMScheduler

    return DDIMScheduler(clip_sample=False, set_alpha_to_one=True, **_schedule(config))


def _dpm(config):
    from diffusers import DPMSolverMultistepScheduler

    return DPMSolverMultistepScheduler(algorithm_type="dpmsolver++", solver_order=2, **_schedule(config))


SAMPLERS = Registry("sampler", [
    Backend("ddim", _ddim, summary="DDIM, deterministic"),
    Backend("dpm", _dpm, summary="DPM-Solver++ (2nd order)"),
])


def make_scheduler(config, sampler: str = "ddim"):
    """A scheduler ``sampler`` names, matching the model's training noise schedule."""
    return SAMPLERS.build(sampler, config)


def render_next(model, current, target, mask, tokens, settings: RenderSettings, generator=None, scheduler=None):
    """Sample the next frame (NCHW, [-1, 1]) from torch tensors; returns it and the number of UNet
    passes. ``scheduler``: a scheduler to copy (a painting pipeline's own); default the one
    ``settings.sampler`` names."""
    import torch

    with torch.no_grad():
        return _sample(model, current, target, mask, tokens, settings, generator, scheduler)


def _sample(model, current, target, mask, tokens, settings: RenderSettings, generator, scheduler=None):
    import torch

    if scheduler is None:
        scheduler = make_scheduler(model.config, settings.sampler)
    else:
        scheduler = type(scheduler).from_config(scheduler.config)  # a fresh copy: set_timesteps mutates it
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
