"""Annotate one painting sequence: intervals, difference masks and an instruction per step.

Step k turns I_{k-1} into I_k (step 0 starts from the blank canvas). When the first
keyframe already is the blank canvas it serves as I_{-1}; otherwise a white canvas is
written beside the steps. ``dt`` of step 0 is ``t[0] - start_t`` when the sequence knows
when the canvas was blank, else the median of the other intervals (flagged ``dt_estimated``).

Every step gets the difference mask D(I_k, I_{k-1}). A step whose exact truth the sequence
carries (``step_truth``, see ``truth.py``: synthetic processes) also keeps its stroke mask
and takes its instruction from that truth (``exact_truth``); the others are labelled by the
segmenter.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..media.images import read_image, write_image
from ..pipeline import Item, ItemContext, ItemResult, NoItems, atomic_dir
from .labels import LabelSettings, label_step, make_segmenter, painted_pixels
from ..perceptual.masks import DifferenceMasker, MaskSettings, downsample_mask, is_blank_canvas
from .sequence import PaintingSequence, SequenceError, find_sequences, load_sequence
from .truth import TRUTH_TEXT_SOURCE, load_step_truth

STEPS_NAME = "steps.json"
BLANK_NAME = "blank.png"
FORMAT_VERSION = 2  # 2: exact truth per step (exact_truth, text_source, stroke_mask)


def sequence_items(roots: list[str | os.PathLike]) -> list[Item]:
    """One item per ``sequence.json`` under the roots; the payload carries its content hash
    so that a re-cleaned sequence is annotated again."""
    items, seen = [], set()
    for path in find_sequences(roots):
        pid = path.parent.name
        if pid in seen:
            continue  # the first root wins (real keyframes before synthetic ones)
        seen.add(pid)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        items.append(Item(pid, {"sequence": str(path), "sha256": digest}))
    if not items:
        raise NoItems(f"{', '.join(str(r) for r in roots)}: no painting sequences "
                      "(expected <id>/sequence.json from `clean` or `synth`)")
    return items


@lru_cache(maxsize=2)
def _masker(params_json: str) -> DifferenceMasker:
    p = json.loads(params_json)
    return DifferenceMasker.build(MaskSettings(
        backend=p.get("mask_backend", "lpips"), lpips_weights=p.get("lpips_weights") or "models/weights",
        alpha=float(p.get("alpha", 0.2)), lab_threshold=float(p.get("lab_threshold", 10.0)),
        lab_blur_sigma=float(p.get("lab_blur_sigma", 1.5)), batch_size=int(p.get("batch_size", 4))))


@lru_cache(maxsize=2)
def _segmenter(params_json: str):
    return make_segmenter(json.loads(params_json))


def _rel(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()


def _write_mask(folder: Path, kind: str, step: int, mask: np.ndarray, sizes: list[int]) -> tuple[str, dict[str, str]]:
    """Write ``<kind>/NNN.png`` and its downsampled ``<kind>/<size>/NNN.png``; return their names."""
    name = f"{kind}/{step:03d}.png"
    write_image(folder / name, mask)
    variants = {}
    for size in sizes:
        variants[str(size)] = f"{kind}/{size}/{step:03d}.png"
        write_image(folder / variants[str(size)], downsample_mask(mask, size))
    return name, variants


def _priors_record(segmenter: Any) -> dict[str, str] | None:
    """Which colour/position priors labelled the steps (a segmenter passed in may have none)."""
    priors = getattr(segmenter, "priors", None)
    return {"source": priors.source, "sha256": priors.sha256} if priors is not None else None


def annotate_sequence(seq: PaintingSequence, out_dir: str | os.PathLike, params: Mapping[str, Any],
                      masker: DifferenceMasker | None = None, segmenter: Any = None) -> dict[str, Any]:
    """Write ``steps.json`` and ``masks/`` for ``seq`` into ``out_dir`` (atomically); return steps.json."""
    out_dir = Path(out_dir)
    key = json.dumps(dict(params), sort_keys=True, default=str)
    masker = masker or _masker(key)
    settings = LabelSettings.from_params(params)
    images = [read_image(seq.path(k)) for k in seq.keyframes]
    shape = images[-1].shape
    if any(im.shape != shape for im in images):
        sizes = ", ".join(f"{k.file} {im.shape[1]}x{im.shape[0]}" for k, im in zip(seq.keyframes, images))
        raise SequenceError(f"{seq.painting_id}: keyframes differ in size ({sizes})")
    frames = list(seq.keyframes)
    blank_is_keyframe = len(images) > 1 and is_blank_canvas(images[0], masker.settings.lab_threshold)
    if blank_is_keyframe:
        befores, afters = images[:-1], images[1:]
        before_frames, after_frames = frames[:-1], frames[1:]
        start_t = frames[0].t
    else:
        befores, afters = [np.full_like(images[0], 255)] + images[:-1], images
        before_frames, after_frames = [None] + frames[:-1], frames
        start_t = seq.start_t
    dts = [a.t - b.t for a, b in zip(after_frames, before_frames) if b is not None]
    dt_estimated = start_t is None
    first_dt = (after_frames[0].t - start_t) if start_t is not None else (float(np.median(dts)) if dts else 0.0)

    masks = masker.masks(afters, befores)
    # A step is keyed to its truth by the keyframe it ends at, so a blank first keyframe shifts nothing.
    truths = load_step_truth(seq)
    needs_labeller = any(after.index not in truths for after in after_frames)
    if needs_labeller:
        segmenter = segmenter or _segmenter(key)
    target_map = segmenter.segment(images[-1]) if needs_labeller and segmenter.segment_on == "target" else None
    sizes = [int(s) for s in params.get("mask_sizes", [])]
    steps = []
    with atomic_dir(out_dir) as tmp:
        if not blank_is_keyframe:
            write_image(tmp / BLANK_NAME, befores[0])
        for k, (before, after, mask) in enumerate(zip(before_frames, after_frames, masks)):
            mask_file, variants = _write_mask(tmp, "masks", k, mask, sizes)
            step = {
                "step": k,
                "current": BLANK_NAME if before is None else _rel(seq.path(before), out_dir),
                "next": _rel(seq.path(after), out_dir),
                "t": after.t,
                "dt": round(first_dt if k == 0 else after.t - before.t, 4),
                "dt_estimated": bool(k == 0 and dt_estimated),
                "mask": mask_file, "mask_variants": variants,
                "changed_fraction": round(float((mask > 0).mean()), 5),
            }
            truth = truths.get(after.index)
            if truth is not None:
                stroke_mask = truth.read_mask(shape)
                stroke_file, stroke_variants = _write_mask(tmp, "stroke_masks", k, stroke_mask, sizes)
                step.update({"exact_truth": True, "stroke_mask": stroke_file, "stroke_mask_variants": stroke_variants,
                             "stroke_fraction": round(float((stroke_mask > 0).mean()), 5),
                             "text": truth.text, "text_source": TRUTH_TEXT_SOURCE, "truth": truth.record()})
            else:
                class_map = target_map if target_map is not None else segmenter.segment(afters[k])
                colour_change = masker.colour_change(afters[k], befores[k])
                label = label_step(painted_pixels(mask, colour_change), class_map, segmenter.classes, settings)
                step.update({"exact_truth": False, "stroke_mask": None, "text": label.text,
                             "text_source": segmenter.name, "class_fractions": label.fractions})
            steps.append(step)
        doc = {
            "version": FORMAT_VERSION, "painting_id": seq.painting_id, "origin": seq.origin,
            "sequence": _rel(seq.root / "sequence.json", out_dir), "target": _rel(seq.path(seq.target), out_dir),
            "width": int(shape[1]), "height": int(shape[0]), "split_hint": seq.split_hint,
            **seq.provenance(),
            "mask_backend": masker.backend, "mask_threshold": masker.threshold,
            "label_backend": " + ".join(dict.fromkeys(s["text_source"] for s in steps)),
            "label_segmented": segmenter.segment_on if needs_labeller else None,
            "label_priors": _priors_record(segmenter) if needs_labeller else None,
            "step_truth": _rel(seq.root / seq.step_truth, out_dir) if seq.step_truth else None,
            "exact_truth_steps": sum(s["exact_truth"] for s in steps),
            "vocabulary": list(settings.vocabulary), "steps": steps, "rejected": seq.rejected,
        }
        (tmp / STEPS_NAME).write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return doc


def annotate_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function: annotate the sequence named in the item payload."""
    seq = load_sequence(item.payload["sequence"])
    doc = annotate_sequence(seq, ctx.out_dir / item.id, ctx.params)
    labels = [s["text"] for s in doc["steps"]]
    return ItemResult.ok([f"{item.id}/{STEPS_NAME}"], steps=len(labels), origin=doc["origin"],
                         mask_backend=doc["mask_backend"], label_backend=doc["label_backend"],
                         exact_truth_steps=doc["exact_truth_steps"],
                         labels=labels, mean_dt=round(float(np.mean([s["dt"] for s in doc["steps"]])), 3),
                         mean_changed=round(float(np.mean([s["changed_fraction"] for s in doc["steps"]])), 4))


def load_steps(path: str | os.PathLike) -> dict[str, Any]:
    """Read ``steps.json`` (``path`` is the file or its folder); keeps its folder as ``_root``."""
    path = Path(path)
    if path.is_dir():
        path = path / STEPS_NAME
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["_root"] = str(path.parent)
    return doc
