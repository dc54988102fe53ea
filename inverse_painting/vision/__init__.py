"""Pretrained vision models shared by several areas, through ``transformers``: Grounding DINO
boxes and SAM masks. Light to import; each model loads (once per process) when first asked for."""

from ..models.lazy import lazy_exports

_EXPORTS = {
    "Box": ".grounding_dino", "GroundingDino": ".grounding_dino", "load_grounding_dino": ".grounding_dino",
    "phrase_prompt": ".grounding_dino", "DEFAULT_MODEL": ".grounding_dino",
    "GroundingDinoSettings": ".grounding_dino",
    "Sam": ".sam", "load_sam": ".sam",
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
