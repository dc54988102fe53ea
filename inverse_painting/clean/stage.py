"""The ``clean`` stage: rectified frames -> ``sequence.json`` + ``keyframes/NNN.png``.

Frames without a canvas, with a hand or brush over it, duplicates and frames that barely
change are rejected, each with a code (counted in the ledger) and its reason in words (kept in
``sequence.json``); the kept keyframes (lossless PNG, canvas only, lighting-normalised) form
the :class:`~inverse_painting.records.PaintingSequence` described in ARCHITECTURE.md. Items
name their canvas folder relative to ``canvas`` and carry the content hash of its ``canvas.json``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

import cv2
import numpy as np

from ..config import Execution
from ..media.images import read_image, write_image
from ..pipeline import Item, ItemContext, ItemResult, NoItems, atomic_dir
from ..pipeline.hashing import file_sha256
from ..records import (CANVAS_NAME, NO_CANVAS, SEQUENCE_NAME, CanvasFrameRow, CanvasIndex, Keyframe, PaintingSequence,
                       Rejection)
from .detectors import OCCLUDER_DETECTORS
from .grounding_dino import GroundingDinoOccluderConfig
from .keyframes import FrameVerdict, KeyframeConfig, select_keyframes
from .occluders import AnalysisFrames, ClassicalOccluderConfig, Occlusion, analysis_frames

Loader = Callable[[int], np.ndarray]
Rejected = tuple[str, Rejection]  # (code, the rejection as sequence.json keeps it)
SEQUENCE_PROVENANCE = ("source_url", "licence", "uploader", "title", "split_hint")


@dataclass(frozen=True)
class CleanConfig(Execution):
    canvas: str = "data/canvas"  # the canvas outputs
    out: str = "data/keyframes"
    backend: Literal["classical", "grounding-dino"] = "classical"  # occluder detector (its settings: below)
    classical: ClassicalOccluderConfig = field(default_factory=ClassicalOccluderConfig)
    grounding_dino: GroundingDinoOccluderConfig = field(default_factory=GroundingDinoOccluderConfig)
    analysis_width: int = 200  # canvas width (px) at which occluders and changes are measured
    min_occluder_fraction: float = 0.0005  # a frame this much covered is occluded
    occluded: Literal["drop", "fill"] = "drop"  # fill: covered pixels from the last clean frame
    keyframes: KeyframeConfig = field(default_factory=KeyframeConfig)

    def detector_settings(self) -> Any:
        """The chosen detector's own settings; filling copies pixels, so only those really covered."""
        own = getattr(self, self.backend.replace("-", "_"))
        if self.occluded == "fill" and isinstance(own, ClassicalOccluderConfig):
            own = dataclasses.replace(own, reach_px=0)
        return own


@dataclass
class CleanViews:
    """The frames that go on to keyframe selection: small canvas views, their times, which
    present frame each is, and the filled ones (position -> the clean frame they were filled from)."""

    images: list[np.ndarray] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)
    filled: dict[int, int] = field(default_factory=dict)


def canvas_items(canvas_dir: str | Path) -> list[Item]:
    """One item per video the canvas stage rectified (those with a canvas.json)."""
    items = [Item(index.parent.name, {"canvas": index.parent.name, "sha256": file_sha256(index)[:16]})
             for index in sorted(Path(canvas_dir).glob(f"*/{CANVAS_NAME}"))]
    if not items:
        raise NoItems(f"{canvas_dir}: no rectified videos (expected <id>/canvas.json from `canvas`)")
    return items


def fill_from(frame: np.ndarray, mask: np.ndarray, clean: np.ndarray, grow: int = 9) -> np.ndarray:
    """``frame`` with the (dilated) ``mask`` pixels taken from the earlier clean frame."""
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((grow, grow), np.uint8)).astype(bool)
    out = frame.copy()
    out[grown] = clean[grown]
    return out


def clean_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function for the ``clean`` stage."""
    cfg: CleanConfig = ctx.config
    canvas_dir = Path(cfg.canvas) / item.payload["canvas"]
    index = CanvasIndex.read(canvas_dir)
    rejected: list[Rejected] = [("no_canvas", Rejection(r.t, r.reason or NO_CANVAS, r.k))
                                for r in index.frames if r.file is None]
    present = index.with_canvas()
    if not present:
        return ItemResult.skipped("no_canvas", "no canvas in any frame")

    def load(i: int) -> np.ndarray:
        return read_image(canvas_dir / present[i].file)

    frames = analysis_frames(load, len(present), tuple(index.canvas_box), cfg.analysis_width)
    detector = OCCLUDER_DETECTORS.build(cfg.backend, cfg.detector_settings())
    occlusions = detector.detect(frames, load)
    occluded = sum(o.fraction >= cfg.min_occluder_fraction for o in occlusions)
    views = clean_views(present, frames, occlusions, cfg, rejected)
    if not views.images:  # nothing clean to keep: an empty sequence would only fail downstream
        return ItemResult.skipped("all_occluded", f"every frame occluded: a hand or brush covers the canvas in all "
                                                  f"{len(present)} frames that show it", occluded=len(present))
    verdicts = select_keyframes(views.images, views.times, cfg.keyframes)
    with atomic_dir(ctx.out_dir / item.id) as tmp:
        keyframes = _write_keyframes(tmp, verdicts, views, present, load, frames, occlusions,
                                     tuple(index.canvas_box), rejected)
        rejected.sort(key=lambda r: r[1].t)
        _sequence(ctx.out_dir / item.id, index, keyframes, [r for _, r in rejected], detector.name).write(tmp)
    counts = Counter(code for code, _ in rejected)
    return ItemResult.ok([f"{item.id}/{SEQUENCE_NAME}"], keyframes=len(keyframes), rejected=len(rejected),
                         occluded=occluded, reasons=dict(sorted(counts.items())))


def clean_views(present: list[CanvasFrameRow], frames: AnalysisFrames, occlusions: list[Occlusion],
                cfg: CleanConfig, rejected: list[Rejected]) -> CleanViews:
    """The canvas views free of hands (or filled, in fill mode); covered frames join ``rejected``."""
    views = CleanViews()
    ys, xs = np.nonzero(frames.inside)
    last_clean = None
    for i, (row, occ) in enumerate(zip(present, occlusions)):
        if occ.fraction >= cfg.min_occluder_fraction:
            if cfg.occluded == "fill" and last_clean is not None and occ.mask is not None:
                small_mask = cv2.resize(occ.mask.astype(np.uint8), frames.small.shape[2:0:-1],
                                        interpolation=cv2.INTER_NEAREST)
                view = fill_from(frames.small[i], small_mask, frames.small[last_clean], grow=3)
                views.filled[i] = last_clean
            else:
                rejected.append(("occluded", Rejection(row.t, f"hand or brush over the canvas ({occ.fraction:.1%} "
                                                              "of it)", row.k)))
                continue
        else:
            view, last_clean = frames.small[i], i
        views.images.append(view[ys.min():ys.max() + 1, xs.min():xs.max() + 1])
        views.times.append(float(row.t))
        views.sources.append(i)
    return views


def _normalised(image: np.ndarray, gains: np.ndarray) -> np.ndarray:
    return np.clip(image.astype(np.float32) * gains[None, None, :], 0, 255).astype(np.uint8)


def _write_keyframes(folder: Path, verdicts: list[FrameVerdict], views: CleanViews, present: list[CanvasFrameRow],
                     load: Loader, frames: AnalysisFrames, occlusions: list[Occlusion],
                     box: tuple[int, ...], rejected: list[Rejected]) -> list[Keyframe]:
    """Write the kept views' full frames (lighting-normalised, canvas only) into ``folder``;
    the others join ``rejected`` with their verdict's code and reason."""
    x0, y0, x1, y1 = box
    keyframes: list[Keyframe] = []
    for v in verdicts:
        i = views.sources[v.position]
        row = present[i]
        if not v.kept:
            rejected.append((v.code, Rejection(row.t, v.reason, row.k)))
            continue
        image = _normalised(load(i), frames.gains[i])
        if i in views.filled:
            source = views.filled[i]
            image = fill_from(image, occlusions[i].mask, _normalised(load(source), frames.gains[source]))
        name = f"keyframes/{len(keyframes):03d}.png"
        write_image(folder / name, image[y0:y1, x0:x1])
        dt = round(row.t - keyframes[-1].t, 6) if keyframes else 0.0
        keyframes.append(Keyframe(len(keyframes), row.t, name, dt, row.k, i in views.filled))
    return keyframes


def _sequence(root: Path, index: CanvasIndex, keyframes: list[Keyframe], rejected: list[Rejection],
              occluder_backend: str) -> PaintingSequence:
    # The video's provenance, carried from fetch through frames and canvas (what it lacks: the record's defaults).
    provenance = {k: v for k, v in index.source.items() if k in SEQUENCE_PROVENANCE}
    x0, y0, x1, y1 = index.canvas_box
    return PaintingSequence(root.name, "real", root, keyframes, width=x1 - x0, height=y1 - y0, rejected=rejected,
                            occluder_backend=occluder_backend, canvas_backend=index.backend, **provenance)
