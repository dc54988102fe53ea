"""The paper's evaluation: LPIPS, IoU, DDC, DTS (and FID when its Inception weights exist),
with diagnostics beside them (mask recall, path-normalised DDC, step areas, keyframes after
the real end, order agreement), for the model and three baselines (instant, cross-fade,
stroke process), with distance-curve plots."""

from __future__ import annotations

from ..models.lazy import lazy_exports

_EXPORTS = {
    "ProcessSequence": ".sequences",
    "sequences_from_rows": ".sequences",
    "sequence_from_folder": ".sequences",
    "sequence_from_paint": ".sequences",
    "sequence_from_result": ".sequences",
    "dtw": ".metrics",
    "dtw_path": ".metrics",
    "mask_iou": ".metrics",
    "mean_best_iou": ".metrics",
    "nearest_in_time": ".metrics",
    "order_agreement": ".diagnostics",
    "first_done_times": ".diagnostics",
    "SequenceMetrics": ".metrics",
    "score_sequence": ".metrics",
    "crossfade": ".baselines",
    "instant": ".baselines",
    "stroke_process_baseline": ".baselines",
    "BaselineUnavailable": ".baselines",
    "fid_status": ".fid",
    "FidConfig": ".fid",
    "EvaluateConfig": ".config",
    "BASELINES": ".baselines",
    "baseline_methods": ".baselines",
    "FidScorer": ".fid",
    "frechet_distance": ".fid",
    "evaluate_source": ".evaluate",
    "PaintingTask": ".evaluate",
    "table": ".report",
    "curves_image": ".plots",
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
