"""Painting a picture: the autoregressive loop from a white canvas, and its outputs
(MP4, GIF, frames, contact sheet, time map). Light to import; torch loads on first use."""

from __future__ import annotations

from ..models.lazy import lazy_exports

_EXPORTS = {
    "PaintSettings": ".loop",
    "PaintConfig": ".stage",
    "PaintResult": ".loop",
    "PaintStep": ".loop",
    "paint": ".loop",
    "paint_file": ".loop",
    "load_painter": ".loop",
    "write_outputs": ".outputs",
    "PaintingOutput": ".outputs",
    "PainterNotFound": ".loop",
    "contact_sheet": ".outputs",
    "time_map_image": ".outputs",
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
