"""The ``fused`` occluder detector: every signal we have, on the original frames of one canvas plane.

Signals, each a mask over the frame counted where it covers the visible canvas: each that
alone covers ``clean.min_occluder_fraction`` of it fires, is named in the frame's reason, and
joins the union that makes the frame occluded:

- ``transient`` (:mod:`.transient`): the classical deviation test per steady camera segment;
- ``hand``, ``person`` (:mod:`.people`): MediaPipe on the frame (``mediapipe.enabled: false``
  turns both off; missing weights are an error saying so); with transient evidence, person
  regions count only where they agree with it;
- ``crossing`` (:mod:`.crossing`): something lying across a canvas edge the frame surely sees;
- ``motion`` (:mod:`.motion`): unlike both companions (the frames stage's ``companions_s``),
  where the samples give no two-sided evidence of their own (short or panning shots, a
  segment's first and last frame);
- ``grounding-dino`` (``grounding_dino: true``): boxes for ``clean.grounding_dino.prompt``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ..canvas.geometry import polygon_mask
from ..canvas.segments import CameraSegmenter
from ..mediapipe_models.settings import MediaPipeSettings, hand_tracker, person_segmenter
from .crossing import crossing_mask
from .grounding_dino import GroundingDinoOccluderConfig
from .motion import moving_mask
from .occluders import ClassicalOccluderConfig, ClassicalOccluderDetector, Occlusion
from .people import hand_mask, person_mask
from .transient import steady, transient_masks
from .views import PlaneViews

SIGNALS = ("transient", "hand", "person", "crossing", "motion", "grounding-dino")


@dataclass(frozen=True)
class FusedOccluderConfig:
    """``clean.fused``: the fused detector's settings (its transient test uses ``clean.classical``)."""

    mediapipe: MediaPipeSettings = field(default_factory=MediaPipeSettings)
    work_side: int = 640  # original frames are analysed at this long side
    hand_score: float = 0.6  # palm score a hand needs
    hand_grow: float = 0.2  # the landmarks' hull grows by this share of the hand's size
    person_min: float = 0.01  # a person region covers this share of the canvas at least ...
    person_outside: float = 0.1  # ... has this share of itself outside it ...
    person_skin: float = 0.05  # ... and this share skin-coloured (or holds a detected hand)
    sure_side: float = 0.12  # sweep score a partial view's side needs to be looked along for crossings
    motion_threshold: float = 30.0  # grey levels unlike both companions
    grounding_dino: bool = False  # also Grounding DINO boxes (clean.grounding_dino's settings)


@dataclass
class _Frame:
    """One frame at the work size: the image, the visible canvas, and the scale from full size."""

    image: np.ndarray
    canvas: np.ndarray
    scale: float

    @property
    def size(self) -> tuple[int, int]:
        return self.canvas.shape[1], self.canvas.shape[0]


class FusedOccluderDetector:
    name = "fused"

    def __init__(self, config: FusedOccluderConfig = FusedOccluderConfig(),
                 classical: ClassicalOccluderConfig = ClassicalOccluderConfig(),
                 grounding_dino: GroundingDinoOccluderConfig | None = None, min_fraction: float = 0.0005):
        self.config, self.min_fraction = config, min_fraction
        self.transient = ClassicalOccluderDetector(classical)
        self.tracker = hand_tracker(config.mediapipe, "clean.fused.mediapipe")
        self.segmenter = person_segmenter(config.mediapipe, "clean.fused.mediapipe")
        self.features = CameraSegmenter()
        self.dino = None
        if config.grounding_dino:
            from .grounding_dino import GroundingDinoOccluderDetector

            self.dino = GroundingDinoOccluderDetector(grounding_dino or GroundingDinoOccluderConfig())

    @property
    def signals_off(self) -> list[str]:
        """Signals turned off by the settings (the stage report names them)."""
        off = [] if self.tracker is not None else ["hand", "person"]
        return off + ([] if self.dino is not None else ["grounding-dino"])

    def detect(self, views: PlaneViews) -> list[Occlusion]:
        transient = transient_masks(views, self.transient)
        segments = views.segments()
        ends = {m[0] for m in segments} | {m[-1] for m in segments}
        references = self._crossing_references(views, segments)
        out = []
        for i in range(len(views)):
            image = views.load_frame(i)
            frame = self._frame(views, i, image)
            if not frame.canvas.any():
                out.append(Occlusion(0.0))
                continue
            signals = self._people(image, frame, self._from_plane(views, i, frame, transient[i]))
            signals["crossing"] = self._crossing(views, i, frame, references[i])
            if transient[i] is None or i in ends:
                signals["motion"] = self._motion(views, i, image, frame)
            if self.dino is not None:
                signals["grounding-dino"] = self._boxes(image, frame)
            out.append(self._fuse(views, i, frame, signals))
        return out

    def _frame(self, views: PlaneViews, i: int, image: np.ndarray) -> _Frame:
        h, w = image.shape[:2]
        scale = self.config.work_side / max(h, w)
        size = (max(8, round(w * scale)), max(8, round(h * scale)))
        work = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        return _Frame(work, polygon_mask(views.visible(i) * scale, size), scale)

    def _from_plane(self, views: PlaneViews, i: int, frame: _Frame, mask: np.ndarray | None) -> np.ndarray | None:
        """An analysis-plane mask of frame i in the frame's work pixels."""
        if mask is None:
            return None
        a = views.analysis.small.shape[2] / views.analysis.full_size[0]
        M = np.diag([frame.scale, frame.scale, 1.0]) @ np.linalg.inv(views.to_plane(i)) @ np.diag([1 / a, 1 / a, 1.0])
        return cv2.warpPerspective(mask.astype(np.uint8), M, frame.size, flags=cv2.INTER_NEAREST).astype(bool)

    def _people(self, image: np.ndarray, frame: _Frame, transient: np.ndarray | None) -> dict:
        """transient, hand and person; person regions agree with transient evidence where there is some."""
        c = self.config
        hand = None if self.tracker is None else hand_mask(self.tracker, image, frame.size, c.hand_score, c.hand_grow)
        person = None
        if self.segmenter is not None:
            held = hand if hand is not None else np.zeros_like(frame.canvas)
            person = person_mask(self.segmenter.probability(frame.image), frame.image, frame.canvas, held,
                                 c.person_min, c.person_outside, c.person_skin)
        if transient is not None and person is not None:
            person = person & transient
        return {"transient": transient, "hand": hand, "person": person}

    def _crossing_references(self, views: PlaneViews, segments: list[list[int]]) -> list[list | None]:
        """Per frame: each seen side's best contrast in the later frames of its steady segment (paint
        laid at the edge stays, an arm across it leaves); None where there is no such segment."""
        refs: list[list | None] = [None] * len(views)
        for members in segments:
            if len(members) < 2 or not steady(views.analysis, members):
                continue
            profiles = []
            for i in members:
                frame = self._frame(views, i, views.load_frame(i))
                profiles.append(crossing_mask(frame.image, views.quad(i) * frame.scale, self._sure(views, i),
                                              frame.canvas)[1])
            if len({len(p) for p in profiles}) != 1 or not profiles[0]:
                continue
            for pos, i in enumerate(members[:-1]):
                later = profiles[pos + 1:]
                refs[i] = [np.max(np.stack([p[j] for p in later]), axis=0) for j in range(len(profiles[pos]))]
        return refs

    def _sure(self, views: PlaneViews, i: int) -> tuple[bool, ...]:
        """Only sides that are surely canvas edges: a painted line taken for a side would make every
        stroke across it a crossing."""
        row = views.rows[i]
        return tuple(bool(s) and v >= self.config.sure_side for s, v in zip(row.seen, row.side_scores))

    def _crossing(self, views: PlaneViews, i: int, frame: _Frame, reference) -> np.ndarray | None:
        sure = self._sure(views, i)
        if not any(sure):
            return None
        return crossing_mask(frame.image, views.quad(i) * frame.scale, sure, frame.canvas, reference)[0]

    def _motion(self, views: PlaneViews, i: int, image: np.ndarray, frame: _Frame) -> np.ndarray | None:
        companions = views.companions(i)
        if not companions:
            return None
        works = [cv2.resize(c, frame.size, interpolation=cv2.INTER_AREA) for c in companions]
        return moving_mask(frame.image, works, frame.canvas, views.visible(i) * frame.scale, self.features,
                           threshold=self.config.motion_threshold)

    def _boxes(self, image: np.ndarray, frame: _Frame) -> np.ndarray:
        mask = np.zeros(frame.size[::-1], bool)
        for b in self.dino.boxes([image])[0]:
            x0, y0, x1, y1 = (int(round(v * frame.scale)) for v in b.xyxy)
            mask[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = True
        return mask

    def _fuse(self, views: PlaneViews, i: int, frame: _Frame, signals: dict) -> Occlusion:
        area = float(frame.canvas.sum())
        union = np.zeros_like(frame.canvas)
        fired = {}
        for name in SIGNALS:
            mask = signals.get(name)
            if mask is None:
                continue
            share = float((mask & frame.canvas).sum() / area)
            if share >= self.min_fraction:
                fired[name] = round(share, 5)
                union |= mask
        if not fired:
            return Occlusion(0.0)
        M = views.to_plane(i) @ np.diag([1 / frame.scale, 1 / frame.scale, 1.0])
        rectified = cv2.warpPerspective(union.astype(np.uint8), M, views.analysis.full_size, flags=cv2.INTER_NEAREST)
        return Occlusion(float((union & frame.canvas).sum() / area), rectified.astype(bool), fired)
