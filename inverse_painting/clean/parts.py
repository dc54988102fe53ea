"""One canvas plane of a video through clean: occluders, the clean views, keyframes, their files.

A plane whose segments were registered to each other is one painting sequence; a video with
several planes (set-ups that did not register) is split into one sequence per plane that
has at least ``keyframes.min_views`` clean views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..canvas.geometry import apply_homography, polygon_mask
from ..media.images import write_image
from ..records import Keyframe, Rejection
from .keyframes import FrameVerdict, select_keyframes
from .occluders import Occlusion
from .views import PlaneViews

Rejected = tuple[str, Rejection]  # (code, the rejection as sequence.json keeps it)


@dataclass
class CleanViews:
    """The frames that go on to keyframe selection: small canvas views (and what each shows), their
    times, which plane frame each is, and the filled ones (position -> the clean frame they were filled from)."""

    images: list[np.ndarray] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)
    filled: dict[int, int] = field(default_factory=dict)
    masks: list[np.ndarray] | None = None


@dataclass
class Part:
    """A plane's outcome: occlusions per frame, the clean views and the verdicts on them."""

    views: PlaneViews
    occlusions: list[Occlusion]
    clean: CleanViews
    verdicts: list[FrameVerdict]
    rejected: list[Rejected]

    @property
    def start_t(self) -> float:
        return self.views.rows[0].t

    @property
    def end_t(self) -> float:
        return self.views.rows[-1].t


def fill_from(frame: np.ndarray, mask: np.ndarray, clean: np.ndarray, grow: int = 9) -> np.ndarray:
    """``frame`` with the (dilated) ``mask`` pixels taken from the earlier clean frame."""
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((grow, grow), np.uint8)).astype(bool)
    out = frame.copy()
    out[grown] = clean[grown]
    return out


def clean_plane(views: PlaneViews, detector: Any, cfg: Any) -> Part:
    """Occluders, clean views and keyframe verdicts of one plane (``cfg``: the clean config)."""
    occlusions = detector.detect(views)
    rejected: list[Rejected] = []
    clean = clean_views(views, occlusions, cfg, rejected)
    if len(clean.images) < cfg.keyframes.min_views:
        for i in clean.sources:
            row = views.rows[i]
            rejected.append(("lone_view", Rejection(row.t, "the only clean view of its canvas frame: no step to "
                                                           "learn from it", row.k)))
        return Part(views, occlusions, CleanViews(), [], rejected)
    verdicts = select_keyframes(clean.images, clean.times, cfg.keyframes, clean.masks)
    return Part(views, occlusions, clean, verdicts, rejected)


def clean_views(views: PlaneViews, occlusions: list[Occlusion], cfg: Any, rejected: list[Rejected]) -> CleanViews:
    """The canvas views free of hands (or filled, in fill mode); covered frames join ``rejected``."""
    frames = views.analysis
    out = CleanViews(masks=None if frames.canvas_masks is None else [])
    last_clean = None
    for i, (row, occ) in enumerate(zip(views.rows, occlusions)):
        view = frames.small[i]
        if occ.fraction >= cfg.min_occluder_fraction:
            if cfg.occluded != "fill" or last_clean is None or occ.mask is None:
                rejected.append(("occluded", Rejection(row.t, f"hand or brush over the canvas ({occ.fraction:.1%} of "
                                                              f"it; {occ.describe()})", row.k)))
                continue
            small_mask = cv2.resize(occ.mask.astype(np.uint8), frames.small.shape[2:0:-1],
                                    interpolation=cv2.INTER_NEAREST)
            view = fill_from(view, small_mask, frames.small[last_clean], grow=3)
            out.filled[i] = last_clean
        else:
            last_clean = i
        out.images.append(view[_box_slices(frames.box())])
        out.times.append(float(row.t))
        out.sources.append(i)
        if out.masks is not None:
            out.masks.append(frames.shown(i))
    return out


def _box_slices(box: tuple[int, int, int, int]) -> tuple[slice, slice]:
    y0, y1, x0, x1 = box
    return slice(y0, y1), slice(x0, x1)


def write_part(folder: Path, part: Part, rejected: list[Rejected]) -> list[Keyframe]:
    """Write the kept views' full frames (lighting-normalised, canvas only) into ``folder``; the
    others join ``rejected`` with their verdict's code and reason. Where a partial view does not show
    part of the canvas, that part comes from the previous keyframe."""
    views, clean = part.views, part.clean
    x0, y0, x1, y1 = views.analysis.canvas_box
    keyframes: list[Keyframe] = []
    previous = None
    for v in part.verdicts:
        i = clean.sources[v.position]
        row = views.rows[i]
        if not v.kept:
            rejected.append((v.code, Rejection(row.t, v.reason, row.k)))
            continue
        image = _normalised(views.load_rectified(i), views.analysis.gains[i])
        if i in clean.filled:
            source = clean.filled[i]
            image = fill_from(image, part.occlusions[i].mask,
                              _normalised(views.load_rectified(source), views.analysis.gains[source]))
        if clean.masks is not None and previous is not None:
            shown = _shown_full(views, i)
            image = np.where(shown[..., None], image, previous)
        previous = image
        name = f"keyframes/{len(keyframes):03d}.png"
        write_image(folder / name, image[y0:y1, x0:x1])
        dt = round(row.t - keyframes[-1].t, 6) if keyframes else 0.0
        keyframes.append(Keyframe(len(keyframes), row.t, name, dt, row.k, i in clean.filled))
    return keyframes


def _shown_full(views: PlaneViews, i: int) -> np.ndarray:
    """What frame i shows of the canvas, in full-size rectified pixels."""
    return polygon_mask(apply_homography(views.to_plane(i), views.visible(i)), views.analysis.full_size)


def _normalised(image: np.ndarray, gains: np.ndarray) -> np.ndarray:
    return np.clip(image.astype(np.float32) * gains[None, None, :], 0, 255).astype(np.uint8)
