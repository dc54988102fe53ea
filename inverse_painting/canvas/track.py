"""Canvas tracking over a video's sampled frames: detect, segment by camera motion, fuse, refine.

Per frame: ORB global motion to the previous frame and a canvas detection. Frames
between camera moves or cuts form a segment; each segment's detections are brought into
its first frame's coordinates (through the chained jitter homographies), fused by a
per-corner median, and refined on the segment's temporal median image (where the hand,
which keeps moving, mostly disappears). Segments without a reliable detection of their
own (a frame mid camera move, a canvas covered by the painter) inherit the neighbouring
segment's quad through the measured motion across the boundary. Each frame's quad is
then its segment quad moved by that frame's jitter.

Frames come through a loader (``load(k) -> RGB``) so a long video is never held in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import cv2
import numpy as np

from ..media.stacks import temporal_median
from ..pipeline.progress import item_progress

from .detect import CanvasDetector, Detection
from .geometry import apply_homography, quad_aspect, scale_quad
from .motion import IDENTITY, Motion, MotionEstimator, split_segments
from .refine import colour_gradients, edge_support, refine_quad


@dataclass(frozen=True)
class TrackConfig:
    motion_width: int = 480  # frames are matched at this width
    refine_width: int = 960  # segment quads are refined at this width
    motion_threshold: float = 0.006  # camera moved: corner shift above this fraction of frame width
    min_detection_fraction: float = 0.3  # a segment trusts its own detections when this many frames had one
    median_frames: int = 9  # frames per segment in its temporal median image
    min_score: float = 0.5  # edge support a segment quad needs
    detect_batch: int = 4


@dataclass
class SegmentQuad:
    segment: int
    first: int
    last: int  # inclusive frame positions
    quad: np.ndarray | None  # in the first frame's full-resolution coordinates
    score: float = 0.0
    source: str = ""  # "detected" | "propagated" | ""
    detections: int = 0


@dataclass
class CanvasFrame:
    position: int
    quad: np.ndarray | None
    segment: int
    moving: bool  # the camera moved into this frame (it starts a segment after a motion)
    detected: bool  # the detector found the canvas in this very frame
    score: float


@dataclass
class CanvasTrack:
    frames: list[CanvasFrame]
    segments: list[SegmentQuad]
    frame_size: tuple[int, int]
    motions: list[Motion] = field(repr=False, default_factory=list)

    def aspect(self) -> float | None:
        """Median width/height of the canvas over frames where it was found."""
        quads = [f.quad for f in self.frames if f.quad is not None]
        return float(np.median([quad_aspect(q) for q in quads])) if quads else None


def track_canvas(load: Callable[[int], np.ndarray], n_frames: int, detector: CanvasDetector,
                 config: TrackConfig = TrackConfig()) -> CanvasTrack:
    """Find the canvas quad in every frame ``0..n_frames-1`` (see the module docstring)."""
    estimator = MotionEstimator()
    motions: list[Motion] = []
    detections: list[Detection | None] = []
    batch: list[np.ndarray] = []
    prev = None
    frame_size = (0, 0)
    bar = item_progress(n_frames, "canvas", "frame")
    for k in range(n_frames):
        bar.update(1)
        img = load(k)
        h, w = img.shape[:2]
        frame_size = (w, h)
        scale = config.motion_width / w
        gray = cv2.cvtColor(cv2.resize(img, (config.motion_width, int(round(h * scale))),
                                       interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
        motions.append(estimator.estimate(prev, gray, frame_size, scale) if prev is not None
                       else Motion(IDENTITY, False, 0, 0.0))
        prev = gray
        batch.append(img)
        if len(batch) >= config.detect_batch or k == n_frames - 1:
            detections.extend(detector.detect(batch))
            batch = []
    bar.close()
    seg_ids = split_segments(motions, config.motion_threshold * frame_size[0])
    chain = _chain_transforms(motions, seg_ids)
    segments = _segment_quads(load, seg_ids, chain, detections, motions, frame_size, config)
    frames = []
    for k in range(n_frames):
        seg = segments[seg_ids[k]]
        quad = None if seg.quad is None else apply_homography(chain[k], seg.quad)
        moving = k > 0 and seg.first == k and motions[k].ok
        frames.append(CanvasFrame(k, quad, seg_ids[k], moving, detections[k] is not None, seg.score))
    return CanvasTrack(frames, segments, frame_size, motions)


def _chain_transforms(motions: list[Motion], seg_ids: list[int]) -> list[np.ndarray]:
    """Per frame, the homography from its segment's first frame to it."""
    chain = []
    for k, m in enumerate(motions):
        if k == 0 or seg_ids[k] != seg_ids[k - 1]:
            chain.append(IDENTITY.copy())
        else:
            chain.append(m.H @ chain[-1])
    return chain


def _segment_quads(load, seg_ids, chain, detections, motions, frame_size, config) -> list[SegmentQuad]:
    n_seg = seg_ids[-1] + 1 if seg_ids else 0
    segments = []
    clear_frames: dict[int, list[int]] = {}
    for s in range(n_seg):
        members = [k for k, i in enumerate(seg_ids) if i == s]
        seg = SegmentQuad(s, members[0], members[-1], None)
        found = [k for k in members if detections[k] is not None]
        refs = [apply_homography(np.linalg.inv(chain[k]), detections[k].quad) for k in found]
        seg.detections = len(refs)
        if refs and len(refs) >= config.min_detection_fraction * len(members):
            seg.quad, seg.source = np.median(np.stack(refs), axis=0), "detected"
            # Frames whose own detection agrees with the consensus show the whole outline
            # (no hand across an edge): the median image is built from them.
            tol = 0.01 * frame_size[0]
            agree = [k for k, q in zip(found, refs) if np.abs(q - seg.quad).max() < tol]
            if len(agree) >= 3:
                clear_frames[s] = agree
        segments.append(seg)

    grads_cache: dict[int, tuple] = {}

    def grads_of(seg: SegmentQuad):
        if seg.segment not in grads_cache:
            grads_cache[seg.segment] = _median_gradients(load, clear_frames.get(seg.segment) or list(range(seg.first, seg.last + 1)), chain, frame_size, config)
        return grads_cache[seg.segment]

    scale = config.refine_width / frame_size[0]

    def refined(seg: SegmentQuad, quad: np.ndarray) -> tuple[np.ndarray, float]:
        grads = grads_of(seg)
        q = refine_quad(grads, scale_quad(quad, scale), search=8.0, iterations=3)
        return scale_quad(q, 1 / scale), edge_support(grads, q)

    for seg in segments:
        if seg.quad is not None:
            seg.quad, seg.score = refined(seg, seg.quad)
            if seg.score < config.min_score:
                seg.quad, seg.source = None, ""
    # Inherit across boundaries the camera was tracked through: forwards, then backwards.
    for order in (segments, segments[::-1]):
        for seg in order:
            short = seg.last - seg.first + 1 < 3
            if seg.quad is not None and not short:
                continue
            for other, H in _neighbour_transforms(seg, segments, chain, motions):
                if other.quad is None or other.source == "propagated" and seg.quad is not None:
                    continue
                quad, score = refined(seg, apply_homography(H, other.quad))
                if score >= config.min_score and (seg.quad is None or short and score >= 0.9 * seg.score):
                    seg.quad, seg.score, seg.source = quad, score, "propagated"
                    break
    return segments


def _neighbour_transforms(seg: SegmentQuad, segments: list[SegmentQuad], chain, motions):
    """(neighbour, homography from the neighbour's first frame to this segment's first frame)."""
    out = []
    if seg.segment > 0 and motions[seg.first].ok:
        prev = segments[seg.segment - 1]
        out.append((prev, motions[seg.first].H @ chain[prev.last]))
    if seg.segment + 1 < len(segments) and motions[seg.last + 1].ok:
        nxt = segments[seg.segment + 1]
        out.append((nxt, np.linalg.inv(chain[seg.last]) @ np.linalg.inv(motions[seg.last + 1].H)))
    return out


def _median_gradients(load, members: list[int], chain, frame_size, config):
    """Colour gradients of the temporal median of some of ``members`` (one segment's frames),
    in the segment's first frame's coordinates."""
    w, h = frame_size
    scale = config.refine_width / w
    size = (config.refine_width, int(round(h * scale)))
    S = np.diag([scale, scale, 1.0])
    picks = [members[i] for i in np.unique(np.linspace(0, len(members) - 1, min(config.median_frames, len(members)))
                                           .round().astype(int))]
    stack = []
    for k in picks:
        small = cv2.resize(load(int(k)), size, interpolation=cv2.INTER_AREA)
        warp = S @ np.linalg.inv(chain[k]) @ np.linalg.inv(S)
        stack.append(cv2.warpPerspective(small, warp, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    median = temporal_median(np.stack(stack))
    return colour_gradients(median)
