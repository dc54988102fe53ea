"""Perceptual distances and difference masks shared by annotate, synth, paint and evaluate.

``lpips`` holds AlexNet-LPIPS (v0.1) in plain torch; ``distance`` the image distances
(``DISTANCES``: lpips, delta-e); ``masks`` the difference masks D(A, B, alpha) (``MASKERS``:
lpips, lab). Importing this package does not import torch (modules load on first use).
"""

from __future__ import annotations

from ..models.lazy import lazy_exports

_EXPORTS = {
    **{name: ".lpips" for name in ("LPIPS", "LPIPSWeights", "LpipsUnavailable", "images_to_tensor", "load_lpips",
                                   "resolve_weights", "weights_available")},
    **{name: ".distance" for name in ("DISTANCES", "ImageDistance", "load_distance")},
    **{name: ".masks" for name in ("MASKERS", "DifferenceMasker", "MaskSettings", "LAB_BACKEND", "LPIPS_BACKEND",
                                   "lab_difference", "downsample_mask", "is_blank_canvas")},
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
