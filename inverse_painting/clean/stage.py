"""The ``clean`` stage: a video's canvas planes -> ``sequence.json`` + ``keyframes/NNN.png`` each.

Frames without a canvas, with a hand or brush over it, duplicates and frames that barely
change are rejected, each with a code (counted in the ledger) and its reason in words (kept in
``sequence.json``; an occluded frame's reason names the signals that fired). The kept
keyframes (lossless PNG, canvas only, lighting-normalised) form the
:class:`~inverse_painting.records.PaintingSequence` described in ARCHITECTURE.md. Segments the
canvas stage registered to each other share one plane and one sequence; a video whose set-ups
did not register is split: one sequence per plane, ``<video>-part1``, ``<video>-part2``, ...
(the report says which happened). Items name their canvas folder relative to ``canvas`` and
carry the content hash of its ``canvas.json``.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..config import Execution
from ..pipeline import Item, ItemContext, ItemResult, NoItems, atomic_dir
from ..pipeline.hashing import file_sha256
from ..records import CANVAS_NAME, NO_CANVAS, SEQUENCE_NAME, CanvasIndex, FrameIndex, PaintingSequence, Rejection
from .detectors import OCCLUDER_DETECTORS
from .fused import FusedOccluderConfig
from .grounding_dino import GroundingDinoOccluderConfig
from .keyframes import KeyframeConfig
from .occluders import ClassicalOccluderConfig
from .parts import Part, Rejected, clean_plane, write_part
from .views import plane_views

SEQUENCE_PROVENANCE = ("source_url", "licence", "uploader", "title", "split_hint")


@dataclass(frozen=True)
class CleanConfig(Execution):
    canvas: str = "data/canvas"  # the canvas outputs
    frames: str = "data/frames"  # the sampled frames and their companions (the fused detector reads them)
    out: str = "data/keyframes"
    backend: Literal["fused", "classical", "grounding-dino"] = "fused"  # occluder detector (settings: below)
    fused: FusedOccluderConfig = field(default_factory=FusedOccluderConfig)
    classical: ClassicalOccluderConfig = field(default_factory=ClassicalOccluderConfig)
    grounding_dino: GroundingDinoOccluderConfig = field(default_factory=GroundingDinoOccluderConfig)
    analysis_width: int = 200  # canvas width (px) at which occluders and changes are measured
    min_occluder_fraction: float = 0.0005  # a frame this much covered is occluded (and a signal this much fires)
    occluded: Literal["drop", "fill"] = "drop"  # fill: covered pixels from the last clean frame
    keyframes: KeyframeConfig = field(default_factory=KeyframeConfig)

    def detector_settings(self) -> Any:
        """The chosen detector's own settings; filling copies pixels, so only those really covered."""
        own = getattr(self, self.backend.replace("-", "_"))
        if self.occluded == "fill" and isinstance(own, ClassicalOccluderConfig):
            own = dataclasses.replace(own, reach_px=0)
        return own

    def detector(self) -> Any:
        """The chosen detector, built from its settings (the fused one also from the classical and
        Grounding DINO sections it uses)."""
        if self.backend != "fused":
            return OCCLUDER_DETECTORS.build(self.backend, self.detector_settings())
        classical = self.classical if self.occluded != "fill" else dataclasses.replace(self.classical, reach_px=0)
        return OCCLUDER_DETECTORS.build("fused", self.fused, classical, self.grounding_dino, self.min_occluder_fraction)


def canvas_items(canvas_dir: str | Path) -> list[Item]:
    """One item per video the canvas stage rectified (those with a canvas.json)."""
    items = [Item(index.parent.name, {"canvas": index.parent.name, "sha256": file_sha256(index)[:16]})
             for index in sorted(Path(canvas_dir).glob(f"*/{CANVAS_NAME}"))]
    if not items:
        raise NoItems(f"{canvas_dir}: no rectified videos (expected <id>/canvas.json from `canvas`)")
    return items


def clean_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function for the ``clean`` stage."""
    cfg: CleanConfig = ctx.config
    canvas_dir = Path(cfg.canvas) / item.payload["canvas"]
    index = CanvasIndex.read(canvas_dir)
    frames_dir = Path(cfg.frames) / index.video_id
    loose: list[Rejected] = [("no_canvas", Rejection(r.t, r.reason or NO_CANVAS, r.k))
                             for r in index.frames if r.file is None]
    if not index.with_canvas():
        return ItemResult.skipped("no_canvas", "no canvas in any frame")
    frames = FrameIndex.read(frames_dir)
    detector = cfg.detector()
    parts = [clean_plane(plane_views(index, plane, canvas_dir, frames_dir, frames, cfg.analysis_width), detector, cfg)
             for plane in index.planes]
    facts = _facts(parts, index, detector, frames, cfg.min_occluder_fraction)
    kept = [p for p in parts if p.verdicts]
    for p in parts:
        if not p.verdicts:
            loose += p.rejected
    if not kept:
        if not any(p.clean.images or any(code == "lone_view" for code, _ in p.rejected) for p in parts):
            return ItemResult.skipped("all_occluded", f"every frame occluded: a hand or brush covers the canvas in "
                                                      f"all {facts['with_canvas']} frames that show it", **facts)
        return ItemResult.skipped("one_view", "no canvas frame has two clean views: no step to learn", **facts)
    names = [item.id] if len(kept) == 1 else [f"{item.id}-part{j + 1}" for j in range(len(kept))]
    _remove_stale(ctx.out_dir, item.id, names)
    counts: Counter[str] = Counter()
    outputs, n_keyframes = [], 0
    for name, part, extra in zip(names, kept, _share(loose, kept)):
        rejected = part.rejected + extra
        with atomic_dir(ctx.out_dir / name) as tmp:
            keyframes = write_part(tmp, part, rejected)
            rejected.sort(key=lambda r: r[1].t)
            _sequence(ctx.out_dir / name, index, part, keyframes, [r for _, r in rejected], detector.name).write(tmp)
        counts.update(code for code, _ in rejected)
        outputs.append(f"{name}/{SEQUENCE_NAME}")
        n_keyframes += len(keyframes)
    return ItemResult.ok(outputs, keyframes=n_keyframes, rejected=sum(counts.values()),
                         reasons=dict(sorted(counts.items())), sequences=names, split=len(names) > 1, **facts)


def _facts(parts: list[Part], index: CanvasIndex, detector: Any, frames: FrameIndex,
           min_fraction: float) -> dict[str, Any]:
    """What the report says of a video: occluded frames, the signals that fired on them and those
    that were off, its canvas planes and registered segments."""
    fired: Counter[str] = Counter()
    occluded = 0
    for p in parts:
        covered = [occ for occ in p.occlusions if occ.fraction >= min_fraction]
        occluded += len(covered)
        for occ in covered:
            fired.update(occ.signals.keys())
    off = list(getattr(detector, "signals_off", []))
    if detector.name == "fused" and not frames.companions_s:
        off.append("motion")
    return {"occluded": occluded, "with_canvas": len(index.with_canvas()), "canvas_frames": len(index.planes),
            "registered": sum(len(p.registered) for p in index.planes), "signals_fired": dict(sorted(fired.items())),
            "signals_off": sorted(off)}


def _share(loose: list[Rejected], parts: list[Part]) -> list[list[Rejected]]:
    """Frames of no part (no canvas, planes without a sequence) go to the part nearest in time."""
    out: list[list[Rejected]] = [[] for _ in parts]
    for r in loose:
        t = r[1].t
        out[min(range(len(parts)), key=lambda j: max(parts[j].start_t - t, t - parts[j].end_t, 0.0))].append(r)
    return out


def _remove_stale(out_dir: Path, video: str, names: list[str]) -> None:
    """Sequences an earlier run wrote for this video under names this run does not use."""
    part = re.compile(re.escape(video) + r"-part\d+")
    for folder in [out_dir / video, *out_dir.glob(f"{video}-part*")]:
        if folder.is_dir() and folder.name not in names and (folder.name == video or part.fullmatch(folder.name)):
            shutil.rmtree(folder)


def _sequence(root: Path, index: CanvasIndex, part: Part, keyframes: list, rejected: list[Rejection],
              occluder_backend: str) -> PaintingSequence:
    # The video's provenance, carried from fetch through frames and canvas (what it lacks: the record's defaults).
    provenance = {k: v for k, v in index.source.items() if k in SEQUENCE_PROVENANCE}
    plane = part.views.plane
    return PaintingSequence(root.name, "real", root, keyframes, width=plane.width, height=plane.height,
                            rejected=rejected, occluder_backend=occluder_backend, canvas_backend=index.backend,
                            **provenance)
