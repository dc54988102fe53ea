"""Scoring for benchmarks/real_footage.py: the pipeline's per-frame decisions against labels by eye
(real clips) and against the sample world's exact ground truth (how it counts: that file's docstring)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np


@dataclass
class Decision:
    """What the pipeline made of one sampled frame."""

    k: int
    t: float
    index: int
    canvas: bool
    cue: str
    reason: str
    quad: list | None
    plane: int | None
    occluded: bool = False
    fraction: float = 0.0
    signals: dict = field(default_factory=dict)
    kept: bool = False
    to_final: float | None = None


def frame_decisions(canvas_dir: Path, frames_dir: Path, clean_cfg) -> tuple[list[Decision], float]:
    """Canvas rows and clean's per-plane outcome for every frame of a video; clean's seconds."""
    from inverse_painting.clean.parts import clean_plane
    from inverse_painting.clean.views import plane_views
    from inverse_painting.records import CanvasIndex, FrameIndex

    if not (canvas_dir / "canvas.json").is_file():  # the canvas stage found none in any frame
        rows = FrameIndex.read(frames_dir).frames
        return [Decision(r.k, r.t, r.index, False, "none", "no canvas", None, None) for r in rows], 0.0
    start = time.perf_counter()
    index = CanvasIndex.read(canvas_dir)
    out = {r.k: Decision(r.k, r.t, r.index, r.file is not None, r.cue, r.reason, r.quad, r.canvas_frame)
           for r in index.frames}
    detector = clean_cfg.detector()
    frames = FrameIndex.read(frames_dir)
    for plane in index.planes:
        views = plane_views(index, plane, canvas_dir, frames_dir, frames, clean_cfg.analysis_width)
        part = clean_plane(views, detector, clean_cfg)
        for row, occ in zip(views.rows, part.occlusions):
            d = out[row.k]
            d.fraction, d.signals = occ.fraction, occ.signals
            d.occluded = occ.fraction >= clean_cfg.min_occluder_fraction
        for v in part.verdicts:
            if v.kept:
                d = out[views.rows[part.clean.sources[v.position]].k]
                d.kept, d.to_final = True, v.to_final
    return [out[k] for k in sorted(out)], time.perf_counter() - start


def visible(quad, size) -> np.ndarray:
    from inverse_painting.canvas.geometry import visible_polygon

    return visible_polygon(np.asarray(quad, np.float64), size)


def convex_iou(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or len(b) < 3:
        return 0.0
    inter, _ = cv2.intersectConvexConvex(a.astype(np.float32), b.astype(np.float32))
    union = abs(cv2.contourArea(a.astype(np.float32))) + abs(cv2.contourArea(b.astype(np.float32))) - inter
    return float(inter / union) if union > 0 else 0.0


def monotone(decisions: list[Decision], tolerance: float = 0.01) -> bool:
    """Within each plane, the kept keyframes' share unlike the finished view never rises (where comparable)."""
    for plane in {d.plane for d in decisions if d.kept}:
        values = [d.to_final for d in decisions if d.kept and d.plane == plane and d.to_final is not None]
        if any(b > a + tolerance for a, b in zip(values, values[1:])):
            return False
    return True


def real_figures(entry: dict, decisions: list[Decision], canvas_dir: Path, seconds: float) -> dict:
    from inverse_painting.canvas.geometry import polygon_iou

    labels = entry["frames"]
    if len(labels) != len(decisions):
        raise ValueError(f"{len(labels)} labels for {len(decisions)} sampled frames")
    size = tuple(entry["size"])
    show = [d for d, lab in zip(decisions, labels) if lab["canvas"] != "no"]
    found = [d for d in show if d.canvas]
    located = [d for d, lab in zip(decisions, labels) if lab["canvas"] != "no" and d.canvas
               and polygon_iou(visible(d.quad, size), np.array(lab["region"]), size) >= 0.5]
    false = [d.k for d, lab in zip(decisions, labels) if lab["canvas"] == "no" and d.canvas]
    conf = Counter()
    for d, lab in zip(decisions, labels):
        if lab["canvas"] != "no" and d.canvas:
            conf[("t" if d.occluded == (lab["occluded"] == "yes") else "f") + ("p" if d.occluded else "n")] += 1
    free = [(d, lab) for d, lab in zip(decisions, labels) if lab["canvas"] != "no" and lab["occluded"] == "no"]
    bad = [d.k for d, lab in zip(decisions, labels) if d.kept and (lab["occluded"] == "yes" or lab["canvas"] == "no")]
    minutes = max(decisions[-1].t + 1.0, 1.0) / 60 if "file" in entry else None
    return {"frames": len(decisions), "canvas_found": f"{len(found)}/{len(show)}",
            "canvas_located": f"{len(located)}/{len(show)}",
            "false_canvas": f"{len(false)}/{sum(lab['canvas'] == 'no' for lab in labels)}", "false_frames": false,
            "missed_frames": [d.k for d in show if not d.canvas],
            "occluders": {k: conf[k] for k in ("tp", "fp", "fn", "tn")},
            "keyframes": sum(d.kept for d in decisions), "keyframes_with_occluder": bad,
            "hand_free_at_filter": f"{sum(d.canvas and not d.occluded for d, _ in free)}/{len(free)}",
            "hand_free_kept": f"{sum(d.kept for d, _ in free)}/{len(free)}", "monotone": monotone(decisions),
            "s_per_min": round(seconds / minutes, 1) if minutes else None, **_canvas_facts(canvas_dir)}


def _canvas_facts(canvas_dir: Path) -> dict:
    from inverse_painting.records import CanvasIndex

    if not (canvas_dir / "canvas.json").is_file():
        return {"segments": [], "planes": []}
    index = CanvasIndex.read(canvas_dir)
    return {"segments": [(s.segment, s.frames, s.cue, s.canvas_frame) for s in index.segments],
            "planes": [{"canvas_frame": p.canvas_frame, "whole": p.whole, "segments": p.segments,
                        "registered": p.registered} for p in index.planes]}


def real_lines(name: str, fig: dict, decisions: list[Decision]) -> list[str]:
    o = fig["occluders"]
    lines = [f"\n{name}: {fig['frames']} sampled frames, {len(fig['segments'])} camera segments, "
             f"{len(fig['planes'])} canvas frames (registered: {[p['registered'] for p in fig['planes']]})",
             f"  canvas found {fig['canvas_found']}, located {fig['canvas_located']}; false canvas "
             f"{fig['false_canvas']} {fig['false_frames'] or ''}; missed {fig['missed_frames'] or '-'}",
             f"  occluders vs labels: tp {o['tp']} fp {o['fp']} fn {o['fn']} tn {o['tn']}",
             f"  keyframes {fig['keyframes']} (showing an occluder: {fig['keyframes_with_occluder'] or 'none'}); "
             f"hand-free frames passed by the occluder filter {fig['hand_free_at_filter']}, kept as keyframes "
             f"{fig['hand_free_kept']}; monotone {fig['monotone']}; {fig['s_per_min']} s per minute"]
    lines += [f"    segment {s}: {n} frames, cue {cue}, canvas frame {p}" for s, n, cue, p in fig["segments"]]
    for d in decisions:
        why = d.reason if not d.canvas else (", ".join(f"{k} {v:.1%}" for k, v in d.signals.items()) or "clear")
        lines.append(f"      frame {d.k}: cue {d.cue}, {why}{' [keyframe]' if d.kept else ''}")
    return lines


def sample_figures(runs: list[tuple[str, list[Decision], dict, float]]) -> dict:
    """Quad IoU, canvas on no-canvas frames, occluded recall/precision both ways, keyframes, speed."""
    ious, no_canvas_hits, minutes, seconds, mono = [], 0, 0, 0, True
    truth, contact, graded, bad = Counter(), Counter(), Counter(), Counter()
    for _, decisions, gt, secs in runs:
        size = tuple(gt["frame_size"])
        strokes = []
        for d in decisions:
            g = gt["frames"][d.index]
            if g["quad"] is None:
                no_canvas_hits += d.canvas
                continue
            ious.append(convex_iou(visible(d.quad, size), visible(g["quad"], size)) if d.canvas else 0.0)
            if d.canvas:
                _count(truth, d.occluded, g["occluded"])
                _count(contact, d.occluded, g["occluder_fraction"] > 0)
                if g["occluded"] or g["occluder_fraction"] == 0:  # a sliver is neither a hit nor a miss
                    _count(graded, d.occluded, g["occluded"])
            if d.kept:
                bad["truth"] += g["occluded"]
                bad["contact"] += g["occluder_fraction"] > 0
                strokes.append(g["strokes_done"])
        mono &= all(a <= b for a, b in zip(strokes, strokes[1:]))
        minutes += gt["duration_s"] / 60
        seconds += secs
    rate = lambda c, a, b: round(c["tp"] / max(c["tp"] + c[a], 1), 4)  # noqa: E731
    return {"videos": len(runs), "quad_iou": round(float(np.mean(ious)), 4) if ious else None,
            "quad_iou_min": round(float(np.min(ious)), 4) if ious else None, "canvas_on_no_canvas_frames": no_canvas_hits,
            "recall_truth": rate(truth, "fn", ""), "precision_truth": rate(truth, "fp", ""),
            "recall_contact": rate(contact, "fn", ""), "precision_contact": rate(contact, "fp", ""),
            "recall_graded": rate(graded, "fn", ""), "precision_graded": rate(graded, "fp", ""),
            "sliver_frames": sum(contact.values()) - sum(graded.values()),
            "confusion_truth": dict(truth), "keyframes_with_occluder_truth": bad["truth"],
            "keyframes_with_brush_contact": bad["contact"], "monotone": mono,
            "s_per_min": round(seconds / max(minutes, 1e-9), 1)}


def _count(c: Counter, flagged: bool, positive: bool) -> None:
    c[("t" if flagged == positive else "f") + ("p" if flagged else "n")] += 1


def sample_lines(world: str, fig: dict, runs: list) -> list[str]:
    lines = [f"  {world} world ({fig['videos']} videos): quad IoU {fig['quad_iou']} (min {fig['quad_iou_min']}), "
             f"canvas on no-canvas frames {fig['canvas_on_no_canvas_frames']}; occluded recall / precision: truth "
             f"{fig['recall_truth']} / {fig['precision_truth']}, contact {fig['recall_contact']} / "
             f"{fig['precision_contact']}, graded {fig['recall_graded']} / {fig['precision_graded']} "
             f"({fig['sliver_frames']} sliver frames left out); keyframes with an occluder (truth) {fig['keyframes_with_occluder_truth']}, "
             f"with a brush touching {fig['keyframes_with_brush_contact']}; monotone {fig['monotone']}; "
             f"{fig['s_per_min']} s per minute"]
    for vid, decisions, gt, _ in runs:
        cues = Counter(d.cue for d in decisions)
        lines.append(f"    {vid}: keyframes {sum(d.kept for d in decisions)}, canvas frames "
                     f"{len({d.plane for d in decisions if d.plane is not None})}, frame cues {dict(cues)}")
    return lines
