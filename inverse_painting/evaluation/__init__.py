"""The paper's evaluation: LPIPS, IoU, DDC, DTS (and FID when its Inception weights exist),
for the model and two baselines (cross-fade, stroke process), with distance-curve plots."""

from __future__ import annotations

from ..models.lazy import lazy_exports

_EXPORTS = {
    "ProcessSequence": ".sequences",
    "sequences_from_rows": ".sequences",
    "sequence_from_folder": ".sequences",
    "sequence_from_paint": ".sequences",
    "sequence_from_result": ".sequences",
    "dtw": ".metrics",
    "mask_iou": ".metrics",
    "SequenceMetrics": ".metrics",
    "score_sequence": ".metrics",
    "crossfade": ".baselines",
    "stroke_process_baseline": ".baselines",
    "BaselineUnavailable": ".baselines",
    "fid_status": ".fid",
    "frechet_distance": ".fid",
    "evaluate_source": ".evaluate",
    "curves_image": ".plots",
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
