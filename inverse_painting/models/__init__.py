"""The compact painting model: renderer, mask generator and instruction head in one container.

Built from diffusers components (UNet2DConditionModel, DDIM / DPM-Solver schedulers) and saved
with ``save_pretrained`` as safetensors. Importing this package stays light; torch and
diffusers load when a name below is first used.
"""

from __future__ import annotations

from .lazy import lazy_exports

_EXPORTS = {
    "PaintingModel": ".painting_model",
    "NULL_LABEL": ".painting_model",
    "nerf_encoding": ".conditioning",
    "ConditionTokens": ".conditioning",
    "make_scheduler": ".sampler",
    "render_next": ".sampler",
    "RenderSettings": ".sampler",
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
