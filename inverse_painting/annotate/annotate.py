"""Annotate one painting sequence: intervals, difference masks and an instruction per step.

Step k turns I_{k-1} into I_k (step 0 starts from the blank canvas). When the first
keyframe already is the blank canvas it serves as I_{-1}; otherwise a white canvas is
written beside the steps. ``dt`` of step 0 is ``t[0] - start_t`` when the sequence knows
when the canvas was blank, else the median of the other intervals (flagged ``dt_estimated``).

Every step gets the difference mask D(I_k, I_{k-1}), and the two masks a training pair needs
besides it: the outstanding mask D(I_T, I_{k-1}) -- what was still to paint, the mask
generator's input -- made at ``outstanding_long_side`` (the size the painter and the
evaluation judge a canvas at) and stored at the keyframes' size, and the painted mask, the
pixels whose colour visibly changed (largest channel change above ``painted_change``, closed by
one pixel) -- what the brush covered, which the renderer and the mask generator learn and the
area rule predicts. A step whose exact truth the sequence
carries (``step_truth``, see ``truth.py``: synthetic processes) also keeps its stroke mask
and takes its instruction from that truth (``exact_truth``); the others are labelled by the
segmenter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from ..media.images import read_image, write_image
from ..perceptual.masks import DifferenceMasker, MaskSettings, downsample_mask, fit_long_side, is_blank_canvas
from ..pipeline import Item, ItemContext, ItemResult, NoItems, atomic_dir
from ..pipeline.hashing import file_sha256
from ..records import BLANK_NAME, SEQUENCE_NAME, STEPS_NAME, Keyframe, PaintingSequence, SequenceError, StepRecord, \
    StepsDoc, find_sequences
from .config import AnnotateConfig
from .labels import label_step, painted_pixels
from .priors import LabelPriors
from .segmenters import Segmenter, build_segmenter
from .truth import TRUTH_TEXT_SOURCE, StepTruth, load_step_truth


def sequence_items(roots: Sequence[str | os.PathLike], priors_sha256: str = "") -> list[Item]:
    """One item per ``sequence.json`` under the roots (the first root wins a painting id).

    The payload names the sequence relative to its root and carries its content hash (a
    re-cleaned sequence is annotated again), and the labeller priors' hash (edited priors
    relabel every painting).
    """
    items, seen = [], set()
    for path in find_sequences(roots):
        pid = path.parent.name
        if pid in seen:
            continue  # the first root wins (real keyframes before synthetic ones)
        seen.add(pid)
        items.append(Item(pid, {"root": str(path.parent.parent), "sequence": f"{pid}/{SEQUENCE_NAME}",
                                "sha256": file_sha256(path)[:16], "label_priors": priors_sha256}))
    if not items:
        raise NoItems(f"{', '.join(str(r) for r in roots)}: no painting sequences "
                      "(expected <id>/sequence.json from `clean` or `synth`)")
    return items


def annotate_items(config: AnnotateConfig) -> list[Item]:
    """The stage's items: real sequences, then synthetic ones, then sample-world ones; any root may
    be absent."""
    return sequence_items([config.keyframes, config.synth, config.sequences],
                          LabelPriors.load(config.classical.priors).sha256)


@lru_cache(maxsize=2)
def _masker(settings: MaskSettings) -> DifferenceMasker:
    return DifferenceMasker.build(settings)


def _rel(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()


def _write_mask(folder: Path, kind: str, step: int, mask: np.ndarray, sizes: Sequence[int]
                ) -> tuple[str, dict[str, str]]:
    """Write ``<kind>/NNN.png`` and its downsampled ``<kind>/<size>/NNN.png``; return their names."""
    name = f"{kind}/{step:03d}.png"
    write_image(folder / name, mask)
    variants = {}
    for size in sizes:
        variants[str(size)] = f"{kind}/{size}/{step:03d}.png"
        write_image(folder / variants[str(size)], downsample_mask(mask, size))
    return name, variants


def painted_mask(after: np.ndarray, before: np.ndarray, change: float) -> np.ndarray:
    """0/255 mask of the pixels a step visibly painted: largest channel change above ``change``,
    closed by one pixel."""
    import cv2

    hit = (np.abs(after.astype(np.int16) - before).max(-1) > change).astype(np.uint8)
    return np.where(cv2.morphologyEx(hit, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)) > 0, 255, 0).astype(np.uint8)


def outstanding_masks(masker: DifferenceMasker, target: np.ndarray, befores: list[np.ndarray],
                      long_side: int) -> np.ndarray:
    """(N, H, W) 0/255 masks D(target, before, alpha), made at ``long_side`` and stored at the
    keyframes' size (H, W)."""
    import cv2

    h, w = target.shape[:2]
    small = masker.masks([fit_long_side(target, long_side)] * len(befores), [fit_long_side(b, long_side) for b in befores])
    return np.stack([cv2.resize(m, (w, h), interpolation=cv2.INTER_NEAREST) for m in small])


@dataclass
class _Steps:
    """The sequence as steps: the images before and after each, and the first step's interval."""

    befores: list[np.ndarray]
    afters: list[np.ndarray]
    before_frames: list[Keyframe | None]  # None: the white canvas written beside the steps
    after_frames: list[Keyframe]
    first_dt: float
    dt_estimated: bool

    @property
    def blank_is_keyframe(self) -> bool:
        return self.before_frames[0] is not None


def _steps(seq: PaintingSequence, images: list[np.ndarray], lab_threshold: float) -> _Steps:
    frames = list(seq.keyframes)
    if len(images) > 1 and is_blank_canvas(images[0], lab_threshold):
        befores, afters, before_frames, after_frames = images[:-1], images[1:], frames[:-1], frames[1:]
        start_t = frames[0].t
    else:
        befores, afters = [np.full_like(images[0], 255)] + images[:-1], images
        before_frames, after_frames = [None] + frames[:-1], frames
        start_t = seq.start_t
    dts = [a.t - b.t for a, b in zip(after_frames, before_frames) if b is not None]
    first_dt = (after_frames[0].t - start_t) if start_t is not None else (float(np.median(dts)) if dts else 0.0)
    return _Steps(befores, afters, before_frames, after_frames, first_dt, start_t is None)


def _read_keyframes(seq: PaintingSequence) -> list[np.ndarray]:
    images = [read_image(seq.path(k)) for k in seq.keyframes]
    if any(im.shape != images[-1].shape for im in images):
        sizes = ", ".join(f"{k.file} {im.shape[1]}x{im.shape[0]}" for k, im in zip(seq.keyframes, images))
        raise SequenceError(f"{seq.painting_id}: keyframes differ in size ({sizes})")
    return images


class _Annotator:
    """Writes the steps of one sequence into a folder: masks, stroke masks, labels."""

    def __init__(self, seq: PaintingSequence, out_dir: Path, config: AnnotateConfig, masker: DifferenceMasker,
                 segmenter: Segmenter | None, target_map: np.ndarray | None):
        self.seq, self.out_dir, self.config, self.masker = seq, out_dir, config, masker
        self.segmenter, self.target_map = segmenter, target_map

    def step(self, folder: Path, k: int, steps: _Steps, mask: np.ndarray, outstanding: np.ndarray,
             truth: StepTruth | None) -> StepRecord:
        before, after = steps.before_frames[k], steps.after_frames[k]
        sizes = self.config.mask_sizes
        mask_file, variants = _write_mask(folder, "masks", k, mask, sizes)
        record = StepRecord(
            k, BLANK_NAME if before is None else _rel(self.seq.path(before), self.out_dir),
            _rel(self.seq.path(after), self.out_dir), after.t,
            round(steps.first_dt if k == 0 else after.t - before.t, 4), bool(k == 0 and steps.dt_estimated),
            mask_file, variants, round(float((mask > 0).mean()), 5), "", "")
        painted = painted_mask(steps.afters[k], steps.befores[k], self.config.painted_change)
        record.outstanding_mask, _ = _write_mask(folder, "outstanding", k, outstanding, ())
        record.painted_mask, _ = _write_mask(folder, "painted", k, painted, ())
        record.outstanding_fraction = round(float((outstanding > 0).mean()), 5)
        record.painted_fraction = round(float((painted > 0).mean()), 5)
        if truth is not None:
            stroke_mask = truth.read_mask(mask.shape)
            record.stroke_mask, record.stroke_mask_variants = _write_mask(folder, "stroke_masks", k, stroke_mask, sizes)
            record.exact_truth, record.stroke_fraction = True, round(float((stroke_mask > 0).mean()), 5)
            record.text, record.text_source, record.truth = truth.text, TRUTH_TEXT_SOURCE, truth.record()
        else:
            class_map = self.target_map if self.target_map is not None else self.segmenter.segment(steps.afters[k])
            colour_change = self.masker.colour_change(steps.afters[k], steps.befores[k])
            label = label_step(painted_pixels(mask, colour_change), class_map, self.segmenter.classes,
                               self.config.labels)
            record.text, record.text_source, record.class_fractions = label.text, self.segmenter.name, label.fractions
        return record

    def doc(self, shape: tuple[int, ...], records: list[StepRecord]) -> StepsDoc:
        seq, segmenter = self.seq, self.segmenter
        priors = getattr(segmenter, "priors", None)  # which colour/position priors labelled the steps
        return StepsDoc(
            seq.painting_id, seq.origin, _rel(seq.root / SEQUENCE_NAME, self.out_dir),
            _rel(seq.path(seq.target), self.out_dir), int(shape[1]), int(shape[0]), seq.split_hint,
            seq.source_url, seq.licence, seq.uploader, seq.title, self.masker.backend, self.masker.threshold,
            " + ".join(dict.fromkeys(s.text_source for s in records)),
            segmenter.segment_on if segmenter is not None else None,
            {"source": priors.source, "sha256": priors.sha256} if priors is not None else None,
            _rel(seq.root / seq.step_truth, self.out_dir) if seq.step_truth else None,
            list(self.config.labels.vocabulary), records, [r.to_dict() for r in seq.rejected])


def annotate_sequence(seq: PaintingSequence, out_dir: str | os.PathLike, config: AnnotateConfig,
                      masker: DifferenceMasker | None = None, segmenter: Segmenter | None = None) -> StepsDoc:
    """Write ``steps.json`` and ``masks/`` for ``seq`` into ``out_dir`` (atomically); return the steps."""
    out_dir = Path(out_dir)
    masker = masker or _masker(config.masks)
    images = _read_keyframes(seq)
    steps = _steps(seq, images, masker.settings.lab_threshold)
    masks = masker.masks(steps.afters, steps.befores)
    outstanding = outstanding_masks(masker, images[-1], steps.befores, config.outstanding_long_side)
    # A step is keyed to its truth by the keyframe it ends at, so a blank first keyframe shifts nothing.
    truths = load_step_truth(seq)
    if any(after.index not in truths for after in steps.after_frames):
        segmenter = segmenter or build_segmenter(config)
        target_map = segmenter.segment(images[-1]) if segmenter.segment_on == "target" else None
    else:
        segmenter = target_map = None
    annotator = _Annotator(seq, out_dir, config, masker, segmenter, target_map)
    with atomic_dir(out_dir) as tmp:
        if not steps.blank_is_keyframe:
            write_image(tmp / BLANK_NAME, steps.befores[0])
        records = [annotator.step(tmp, k, steps, mask, left, truths.get(after.index))
                   for k, (after, mask, left) in enumerate(zip(steps.after_frames, masks, outstanding))]
        doc = annotator.doc(images[-1].shape, records)
        doc.write(tmp)
    return doc


def annotate_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function: annotate the sequence named in the item payload."""
    seq = PaintingSequence.read(Path(item.payload["root"]) / item.payload["sequence"])
    doc = annotate_sequence(seq, ctx.out_dir / item.id, ctx.config)
    labels = [s.text for s in doc.steps]
    return ItemResult.ok([f"{item.id}/{STEPS_NAME}"], steps=len(labels), origin=doc.origin,
                         mask_backend=doc.mask_backend, label_backend=doc.label_backend,
                         exact_truth_steps=doc.exact_truth_steps, labels=labels,
                         mean_dt=round(float(np.mean([s.dt for s in doc.steps])), 3),
                         mean_changed=round(float(np.mean([s.changed_fraction for s in doc.steps])), 4))
