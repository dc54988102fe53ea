"""What ``train`` leaves behind: a ``PaintingPipeline`` folder holding the model, its sampler's
scheduler, the VAE of a latent model, the official LPIPS, the area rule fitted on the training
steps and the loop's defaults (the interval is the median step the model learnt from)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from ..painting.area import AreaRule
from ..painting.loop import PaintSettings
from .config import TrainConfig
from .data import PairsData


def fit_area_rule(data: PairsData, cfg: TrainConfig) -> AreaRule:
    """The step area from the interval, fitted on the training steps' painted areas."""
    return AreaRule.fit(data.dt, data.painted_area, data.outstanding_area, data.step, mean=cfg.area_rule == "mean",
                        max_step_area=cfg.max_step_area)


def _lpips_component(weights: str):
    """The official LPIPS as a pipeline component, or None when no weights are configured."""
    if not weights:
        return None
    from ..painting.pipeline import LpipsComponent
    from ..perceptual.lpips import load_lpips

    return LpipsComponent(load_lpips(weights))


def save_pipeline(out: Path, model, data: PairsData, cfg: TrainConfig) -> tuple[AreaRule, dict]:
    """Write the painting pipeline of ``model`` into ``out``; returns the rule and the data statistics."""
    from ..models.sampler import make_scheduler
    from ..painting.pipeline import PaintingPipeline

    rule, stats = fit_area_rule(data, cfg), data.statistics()
    defaults = asdict(PaintSettings(interval=stats["median_dt"]))
    pipe = PaintingPipeline(model, make_scheduler(model.config, "ddim"), model.vae, _lpips_component(cfg.lpips_weights),
                            rule.to_dict(), defaults, {**stats, "configs": sorted(set(data.origin))})
    pipe.save_pretrained(str(out))
    return rule, stats
