"""A video's sampled frames -> the canvas in each (a quad or none), the cue that decided, camera
segments and the segments registered to each other.

Per camera segment (:mod:`.segments`) the first cue that holds decides (:mod:`.cues`): the
whole canvas (``edges``, or ``grounding-dino`` boxes on a few frames per segment), else
``lines`` (a partial view), else ``frame`` (a close-up). Frames in a whole-canvas segment get
the segment quad through the segment's homographies (or their own detection where it is
strong and agrees), snapped onto their own edges. Then, with no guessed quads: a long view
where nothing gets painted is none (a wall, a table); a visible canvas under ``min_region``
of the frame is none; person shots (talking heads) are none; segments are registered to each
other by features on the canvas (:mod:`.register`) and to the upright canvas where one shows
it whole (:mod:`.anchor`: what does not register to it is refused); a segment that never
shows a canvas edge keeps its close-up only when registered to one that does; a configured
Grounding DINO confirmation refuses partial views where it sees no canvas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

import cv2
import numpy as np

from ..pipeline.progress import item_progress
from .anchor import join_by_canvas
from .cues import CuesConfig, FrameCanvas, WholeCanvas, boundary_lines, painted_share, partial_view
from .detect import CanvasDetector, Detection
from .geometry import apply_homography, is_convex, polygon_area, quad_iou
from .person import PersonShots
from .register import Groups, register_segments
from .segments import CameraSegmenter, Features, Segments, SegmentsConfig
from .sides import align_sides, sides_seen_by_frame

Loader = Callable[[int], np.ndarray]
WHOLE_CUES = ("edges", "grounding-dino")


class CanvasConfirmer(Protocol):
    """A second opinion on partial views: False where it sees no canvas over the visible region."""

    def confirms(self, images: list[np.ndarray], polygons: list[np.ndarray]) -> bool: ...


@dataclass
class SegmentCue:
    """Which cue decided a camera segment (the cue most of its frames got)."""

    segment: int
    members: list[int]
    cue: str
    score: float = 0.0
    detections: int = 0


@dataclass
class CanvasResult:
    frames: list[FrameCanvas]
    segments: Segments
    info: list[SegmentCue]
    size: tuple[int, int]  # frame (width, height)
    groups: Groups
    features: list[Features] = field(repr=False, default_factory=list)


@dataclass
class _Scan:
    features: list[Features]
    smalls: list[np.ndarray]  # each frame at the cues' snap_side long side
    detections: dict[int, Detection]
    size: tuple[int, int]


class CanvasFinder:
    """The canvas per sampled frame of one video (see the module docstring)."""

    def __init__(self, detector: CanvasDetector, segments: SegmentsConfig = SegmentsConfig(),
                 cues: CuesConfig = CuesConfig(), person: PersonShots | None = None,
                 confirm: CanvasConfirmer | None = None):
        self.detector, self.cues, self.person, self.confirmer = detector, cues, person, confirm
        self.segmenter = CameraSegmenter(segments)
        self.whole = WholeCanvas(cues)

    def find(self, load: Loader, n: int) -> CanvasResult:
        scan = self._scan(load, n)
        segs = self.segmenter.segments(scan.features)
        if getattr(self.detector, "frames_per_segment", 0):
            scan.detections = self._detect_per_segment(load, segs)
        frames: list[FrameCanvas] = [None] * n  # type: ignore[list-item]
        info = [self._decide(load, s, segs, scan, frames) for s in range(segs.count)]
        for i in info:
            self._refuse_unpainted(i.members, frames, segs, scan)
        for k, f in enumerate(frames):
            self._refuse_small(f, scan.size)
            if f.quad is not None and f.cue not in WHOLE_CUES and self.person is not None \
                    and self.person.is_person_shot(scan.smalls[k]):
                f.refuse(self.person.reason)
        polygons = [f.polygon(scan.size) for f in frames]
        groups = register_segments(scan.features, segs, polygons, self.segmenter)
        self._join(load, frames, polygons, segs, groups)
        self._refuse_unconfirmed(frames, info, groups)
        self._outline(load, frames, segs, groups, scan)
        if self.confirmer is not None:
            self._confirm(load, frames, info, scan.size)
        for i in info:
            cues = [frames[k].cue for k in i.members]
            i.cue = max(dict.fromkeys(cues), key=cues.count)
        return CanvasResult(frames, segs, info, scan.size, groups, scan.features)

    def _scan(self, load: Loader, n: int) -> _Scan:
        """One pass over the frames: features, a small copy, and per-frame whole-canvas detections."""
        per_frame = not getattr(self.detector, "frames_per_segment", 0)
        feats, smalls, found, size = [], [], {}, (0, 0)
        with item_progress(n, "canvas", "frame") as bar:
            for k in range(n):
                image = load(k)
                h, w = image.shape[:2]
                size = (w, h)
                feats.append(self.segmenter.features(image))
                scale = self.cues.snap_side / max(w, h)
                smalls.append(cv2.resize(image, (max(8, round(w * scale)), max(8, round(h * scale))),
                                         interpolation=cv2.INTER_AREA))
                if per_frame:
                    detection = self.detector.detect([image])[0]
                    if detection is not None:
                        found[k] = detection
                bar.update(1)
        return _Scan(feats, smalls, found, size)

    def _detect_per_segment(self, load: Loader, segs: Segments) -> dict[int, Detection]:
        """The detector on a few evenly spread frames of each segment (models too slow for every frame)."""
        picks = []
        for s in range(segs.count):
            members = segs.members(s)
            count = min(len(members), self.detector.frames_per_segment)
            picks += [members[i] for i in np.unique(np.linspace(0, len(members) - 1, count).round().astype(int))]
        found = {}
        for k, detection in zip(picks, self.detector.detect([load(k) for k in picks])):
            if detection is not None:
                found[k] = detection
        return found

    def _decide(self, load: Loader, s: int, segs: Segments, scan: _Scan, frames: list) -> SegmentCue:
        """Whole canvas, else a partial view per frame; fills ``frames`` for the segment's members."""
        members = segs.members(s)
        found = {k: scan.detections[k] for k in members if k in scan.detections}
        quad, score = self.whole.fuse(load, segs, found)
        cue = getattr(self.detector, "cue", "edges")
        for k in members:
            if quad is None:
                frames[k] = partial_view(scan.smalls[k], scan.size, s, self.cues)
                continue
            start = apply_homography(segs.to_frame[k], quad)
            own = found.get(k)  # the frame's own detection, where it is strong and agrees, is the closer start
            if own is not None and own.score >= self.cues.single_score and quad_iou(own.quad, start) >= 0.9:
                start = own.quad
            q = self.whole.refine_frame(load(k), start)
            frames[k] = FrameCanvas(q, tuple(sides_seen_by_frame(q, scan.size)), cue, s, score,
                                    detected=k in found)
        return SegmentCue(s, members, cue if quad is not None else "", score, len(found))

    def _join(self, load: Loader, frames: list[FrameCanvas], polygons: list, segs: Segments, groups: Groups) -> None:
        """Join groups to the canvas seen whole (:mod:`.anchor`); refuse what does not join to it."""
        groups_of = [groups.group[s] for s in segs.ids]  # as they are before joining
        joined = join_by_canvas([f.quad for f in frames], [f.cue in WHOLE_CUES for f in frames], polygons, segs,
                                groups, load, self.segmenter.config)
        lined = {g for g, f in zip(groups_of, frames) if f.cue == "lines"}
        for g, f in zip(groups_of, frames):  # (close-ups without an edge: refused later, with their own reason)
            if f.quad is None:
                continue
            if g in joined.demoted and g not in joined.unregistered:
                f.cue, f.seen, f.side_scores = "frame", (False,) * 4, (0.0,) * 4  # a close-up: the outline comes in
            elif g in joined.unregistered and g in joined.demoted:
                f.refuse("a quad of another shape than the canvas this video shows whole, not registered to it")
            elif g in joined.unregistered and g in lined:
                f.refuse("a partial view that does not register to the canvas this video shows whole")

    def _outline(self, load: Loader, frames: list[FrameCanvas], segs: Segments, groups: Groups, scan: _Scan) -> None:
        """Frames of a group that saw the canvas whole, outside its whole-canvas segments (close-ups,
        partial views), get the whole outline through the registration, its sides moved onto the
        straight edges they show themselves and snapped onto them."""
        outlines = {}
        for k, f in enumerate(frames):
            if f.cue in WHOLE_CUES:
                outlines.setdefault(groups.of_frame(segs, k), apply_homography(groups.frame_to_group(segs, k), f.quad))
        for k, f in enumerate(frames):
            g = groups.of_frame(segs, k)
            if f.quad is None or f.cue in WHOLE_CUES or g not in outlines:
                continue
            quad = apply_homography(np.linalg.inv(groups.frame_to_group(segs, k)), outlines[g])
            if not (np.all(np.isfinite(quad)) and is_convex(quad)):
                continue
            quad = align_sides(quad, boundary_lines(scan.smalls[k], scan.size, self.cues), scan.size)
            f.quad = self.whole.refine_frame(load(k), quad)

    def _refuse_unpainted(self, members: list[int], frames: list[FrameCanvas], segs: Segments, scan: _Scan) -> None:
        """A long partial view (``steady_frames`` or more) where nothing got painted is a wall or a table,
        not a canvas (a canvas seen whole has its outline to show for it)."""
        shown = [k for k in members if frames[k].quad is not None and frames[k].cue in ("lines", "frame")]
        if len(shown) < self.cues.steady_frames:
            return
        ref = apply_homography(np.linalg.inv(segs.to_frame[shown[0]]), frames[shown[0]].polygon(scan.size))
        share = painted_share(scan.smalls, shown, segs, ref, scan.size)
        if share < self.cues.min_painted:
            for k in shown:
                frames[k].refuse(f"nothing painted over {len(shown)} frames of this view ({share:.2%} changed): "
                                 "a wall or a table, not a canvas")

    def _refuse_small(self, frame: FrameCanvas, size: tuple[int, int]) -> None:
        """No guessed quads: a visible canvas under ``min_region`` of the frame is no canvas."""
        if frame.quad is None:
            return
        share = polygon_area(frame.polygon(size)) / (size[0] * size[1])
        if share < self.cues.min_region:
            frame.refuse(f"visible canvas {share:.0%} of the frame")

    @staticmethod
    def _refuse_unconfirmed(frames: list[FrameCanvas], info: list[SegmentCue], groups: Groups) -> None:
        """A segment where no frame shows a canvas edge (cue ``frame`` throughout) could show
        anything: it keeps its whole-frame canvas only when registered to a segment that did
        see edges (a close-up of the same painting). Otherwise it is no canvas, never a guess."""
        edged = {groups.group[i.segment] for i in info
                 if any(frames[k].cue in WHOLE_CUES + ("lines",) for k in i.members)}
        for i in info:
            if groups.group[i.segment] in edged:
                continue
            for k in i.members:
                if frames[k].quad is not None:
                    frames[k].refuse("no canvas edge in view, not registered to a shot that shows one")

    def _confirm(self, load: Loader, frames: list[FrameCanvas], info: list[SegmentCue], size) -> None:
        """Partial views (lines, frame) only where the confirmer also sees a canvas."""
        per_segment = max(1, getattr(self.confirmer, "frames_per_segment", 3))
        for i in info:
            shown = [k for k in i.members if frames[k].quad is not None and frames[k].cue not in WHOLE_CUES]
            if not shown:
                continue
            picks = [shown[j] for j in np.unique(np.linspace(0, len(shown) - 1, min(per_segment, len(shown)))
                                                 .round().astype(int))]
            if not self.confirmer.confirms([load(k) for k in picks], [frames[k].polygon(size) for k in picks]):
                for k in shown:
                    frames[k].refuse("Grounding DINO sees no canvas over this partial view")
