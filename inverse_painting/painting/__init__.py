"""Painting a picture: ``PaintingPipeline`` (model + scheduler + optional VAE and LPIPS, with
the fitted area rule), its loop from a white canvas, and its outputs (MP4, GIF, frames,
contact sheet, time map). Light to import; torch loads on first use."""

from __future__ import annotations

from ..models.lazy import lazy_exports

_EXPORTS = {
    "PaintSettings": ".loop",
    "PaintConfig": ".stage",
    "PaintResult": ".loop",
    "PaintStep": ".loop",
    "PainterNotFound": ".loop",
    "PaintingPipeline": ".pipeline",
    "LpipsComponent": ".pipeline",
    "AreaRule": ".area",
    "write_outputs": ".outputs",
    "PaintingOutput": ".outputs",
    "contact_sheet": ".outputs",
    "time_map_image": ".outputs",
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
