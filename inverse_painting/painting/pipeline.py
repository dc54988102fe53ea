"""``PaintingPipeline``: a diffusers pipeline that paints a picture step by step.

    pipe = PaintingPipeline.from_pretrained("models/painter")
    result = pipe(image, interval=20.0, max_frames=30)      # a PaintResult
    pipe.save_pretrained("elsewhere")

Components: ``model`` (``PaintingModel``), ``scheduler`` (DDIM; ``sampler: dpm`` builds
DPM-Solver by name), optional ``vae`` (None: pixel space) and ``lpips`` (the official
AlexNet-LPIPS v0.1, for the outstanding mask, the visibility of a step and the stop rule;
saved as the official tensors and hash-checked when loaded: a network with other weights is
never called LPIPS). ``model_index.json`` also carries the area rule ``train`` fitted, the
loop's defaults (``interval``: the median step of the training pairs) and what the model was
trained on. The ``paint`` stage, ``evaluate`` and the command line all call the pipeline; none
wires the loop by hand.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, Callable

import numpy as np
from diffusers import DiffusionPipeline, ModelMixin
from diffusers.configuration_utils import ConfigMixin

from ..models import painting_model as _painting_model  # noqa: F401  (diffusers loads only imported classes)
from ..perceptual.official import DEFAULT_WEIGHTS
from ..pipeline.errors import UserError
from .area import AreaRule
from .judge import Judge
from .loop import PaintResult, PaintSettings, PaintStep, check_painter, paint

MODEL_WEIGHTS = "model/diffusion_pytorch_model.safetensors"  # what a painting is painted with (hashed by paint)


class LpipsComponent(ModelMixin, ConfigMixin):
    """The official LPIPS as a pipeline component, saved and loaded as its official tensors."""

    config_name = "config.json"

    def __init__(self, lpips=None):
        super().__init__()
        from ..perceptual.lpips import LPIPS

        self.net = lpips if lpips is not None else LPIPS()

    def save_pretrained(self, save_directory, **kwargs) -> None:
        Path(save_directory).mkdir(parents=True, exist_ok=True)
        self.net.save_pretrained(save_directory)
        (Path(save_directory) / "config.json").write_text('{"_class_name": "LpipsComponent"}\n')

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs) -> "LpipsComponent":
        from ..perceptual.lpips import LPIPS

        path = Path(pretrained_model_name_or_path) / kwargs.get("subfolder", "")
        return cls(LPIPS.from_pretrained(path).eval())


def paint_settings(defaults: dict[str, Any], **overrides) -> PaintSettings:
    """The loop's settings: the pipeline's defaults, then ``overrides`` (None keeps the default)."""
    names = {f.name for f in fields(PaintSettings)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise UserError(f"unknown painting settings: {', '.join(unknown)} (known: {', '.join(sorted(names))})")
    given = {k: v for k, v in overrides.items() if v is not None}  # None keeps the pipeline's own default
    values = {k: v for k, v in {**defaults, **given}.items() if k in names and v is not None}
    return PaintSettings(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


class PaintingPipeline(DiffusionPipeline):
    model_cpu_offload_seq = "model"
    _optional_components = ["vae", "lpips"]

    def __init__(self, model, scheduler, vae=None, lpips=None, area_rule: dict | None = None,
                 defaults: dict | None = None, training: dict | None = None):
        super().__init__()
        self.register_modules(model=model, scheduler=scheduler, vae=vae, lpips=lpips)
        self.register_to_config(area_rule=dict(area_rule or AreaRule().to_dict()),
                                defaults=dict(defaults or asdict(PaintSettings())), training=dict(training or {}))
        if vae is not None:
            model.use_vae(vae)
        self._judges: dict[tuple, Judge] = {}

    @classmethod
    def load(cls, folder, device: str | None = None) -> "PaintingPipeline":
        """``from_pretrained`` of a local folder (PainterNotFound when it holds none), on ``device``
        (default: CUDA when present)."""
        import torch
        from diffusers.utils import logging as diffusers_logging

        diffusers_logging.disable_progress_bar()  # one pipeline, three components: no bar for that
        pipe = cls.from_pretrained(str(check_painter(folder)))
        pipe.model.eval()
        return pipe.to(device or ("cuda" if torch.cuda.is_available() else "cpu"))

    @property
    def area_rule(self) -> AreaRule:
        return AreaRule(**self.config.area_rule)

    def settings(self, **overrides) -> PaintSettings:
        """The loop's settings this pipeline paints with (its defaults, then ``overrides``)."""
        return paint_settings(dict(self.config.defaults), **overrides)

    def judge(self, s: PaintSettings, distance: str | None = None, lpips_weights: str | None = None) -> Judge:
        """How the painter measures its canvas: ``distance`` ``lpips`` (its own official LPIPS when it
        has one, else the weights in ``lpips_weights``) or the ``delta-e`` stand-in."""
        kind = distance or "lpips"
        key = (kind, lpips_weights, s.alpha, s.judge_long_side)
        if key not in self._judges:
            own = self.lpips.net if kind == "lpips" and self.lpips is not None else None
            own = own if getattr(own, "pretrained", False) else None
            self._judges[key] = Judge.build(kind, lpips_weights or DEFAULT_WEIGHTS, s.alpha, s.judge_long_side, own)
        return self._judges[key]

    def __call__(self, image, interval: float | None = None, max_frames: int | None = None,
                 on_step: Callable[[PaintStep], None] | None = None, distance: str | None = None,
                 lpips_weights: str | None = None, **settings) -> PaintResult:
        """Paint ``image`` (uint8 RGB array, PIL image or path) from a white canvas: a
        ``PaintResult`` (keyframes, masks, steps, stop reason, time map). ``settings`` override
        the loop's defaults by name (``PaintSettings``)."""
        s = self.settings(interval=interval, max_frames=max_frames, **settings)
        if not isinstance(image, np.ndarray):
            from ..media import read_image

            image = read_image(image) if isinstance(image, (str, Path)) else np.asarray(image.convert("RGB"))
        scheduler = self.scheduler if s.sampler == "ddim" and type(self.scheduler).__name__ == "DDIMScheduler" else None
        return paint(self.model, image, s, self.area_rule, self.judge(s, distance, lpips_weights), scheduler, on_step)
