"""What the numbers of ``reports/evaluate.json`` mean, and the report as a table."""

from __future__ import annotations

from typing import Any

CONVENTIONS: dict[str, str] = {
    "means": "every number is the mean over paintings of a per-painting value (each painting weighs the same); "
             "only the `scored` of `paintings` paintings count, the failures are listed in `failure_reasons`",
    "frame_distance": "each real keyframe after the blank canvas against the generated keyframe nearest in time "
                      "(the earlier one on an exact tie; real frames after the generated end meet its last "
                      "frame), averaged; `lpips` is this number when the distance is LPIPS",
    "iou": "each generated step's difference mask against its best-matching real one, averaged (a precision)",
    "ddc_sum": "DTW between the distance-to-target curves, points (minutes, distance), Euclidean point cost, "
               "summed over the best warping path (the paper's form: grows with the number of keyframes)",
    "dts_min": "|real duration - generated duration| in minutes",
    "fid_per_painting": "FID between a painting's real and generated keyframes (blank canvas left out), "
                        "then averaged over paintings; unavailable without the standard Inception weights",
    "mask_recall": "each real step's difference mask against its best-matching generated one, averaged",
    "ddc_mean": "ddc_sum divided by the warping path's length: the mean matched-point cost",
    "step_area_mean": "fraction of the canvas a generated step's difference mask covers, mean over steps",
    "step_area_max": "the same, the largest step",
    "generated_keyframes": "generated keyframes until the method stopped",
    "keyframes_after_real_end": "generated keyframes later than the real process's end (LPIPS never sees them)",
    "order_agreement": "Spearman between the generated and the real first-done time maps (per pixel, the fraction "
                       "of the process's duration at which it first came within the mask threshold of the "
                       "target; never = after the end), over the pixels the real process had to paint; "
                       "0 when either map is constant",
    "real": "the real processes' own keyframes, duration (minutes) and per-step changed areas",
}

PAPER_COLUMNS = (("frame_distance", "frame_dist", 10, ".4f"), ("iou", "IoU", 6, ".3f"),
                 ("ddc_sum", "DDC sum", 8, ".3f"), ("dts_min", "DTS min", 8, ".2f"),
                 ("fid_per_painting", "FID/painting", 12, ".2f"))
DIAGNOSTIC_COLUMNS = (("mask_recall", "recall", 6, ".3f"), ("ddc_mean", "DDC mean", 8, ".4f"),
                      ("step_area_mean", "area mean", 9, ".3f"), ("step_area_max", "area max", 8, ".3f"),
                      ("generated_keyframes", "keyframes", 9, ".1f"),
                      ("keyframes_after_real_end", "after end", 9, ".1f"), ("order_agreement", "order", 6, ".3f"))


def _cell(values: dict[str, Any], key: str, width: int, fmt: str) -> str:
    """A number; blank where the row has no such column, ``n/a`` where nothing was scored,
    ``-`` where the report says why it is unavailable."""
    if key not in values:
        return " " * width
    v = values[key]
    if isinstance(v, (int, float)):
        return f"{v:{width}{fmt}}"
    return f"{'n/a' if v is None else '-':>{width}}"


def _cells(values: dict[str, Any], columns) -> str:
    return " ".join(_cell(values, key, width, fmt) for key, _, width, fmt in columns)


def _header(columns) -> str:
    return f"{'source':15s} {'method':15s} {'status':10s} {'scored':>6s} {'fail':>4s} " + " ".join(
        f"{label:>{width}s}" for _, label, width, _ in columns)


def _sources(report: dict[str, Any]):
    return [(source, block) for source, block in report.items() if isinstance(block, dict) and "methods" in block]


def _rows(report: dict[str, Any], group: str, columns) -> list[str]:
    lines = [_header(columns)]
    for source, block in _sources(report):
        if group == "diagnostics":
            real = block.get("real", {})
            lines.append(f"{source:15s} {'(real)':15s} {'':10s} {real.get('paintings', ''):>6} {'':>4s} "
                         + _cells({"step_area_mean": real.get("step_area_mean"),
                                   "step_area_max": real.get("step_area_max"),
                                   "generated_keyframes": real.get("keyframes")}, columns))
        for name, m in block["methods"].items():
            if m["status"] == "unavailable":
                lines.append(f"{source:15s} {name:15s} unavailable: {m['reason']}"[:160])
                continue
            lines.append(f"{source:15s} {name:15s} {m['status']:10s} {m['scored']:>2d}/{m['paintings']:<3d} "
                         f"{m['failures']:>4d} " + _cells(m[group], columns))
    return lines


def table(report: dict[str, Any]) -> str:
    """The report as two readable tables, one row per (source, method): the paper's metrics,
    then the diagnostics, then every failure with its reason. Means are over the scored paintings."""
    distance = report.get("distance", "?")
    lines = [f"distance: {distance}; masks: {report.get('mask_backend', '?')}; "
             "means over the scored paintings ('-': unavailable, see reports/evaluate.json)",
             "", "paper's metrics", *_rows(report, "paper", PAPER_COLUMNS),
             "", "diagnostics", *_rows(report, "diagnostics", DIAGNOSTIC_COLUMNS)]
    failures = [f"  {source}/{name} {reason}" for source, block in _sources(report)
                for name, m in block["methods"].items() for reason in m.get("failure_reasons", [])]
    if failures:
        lines += ["", "failures (left out of that method's means):", *failures]
    return "\n".join(lines)
