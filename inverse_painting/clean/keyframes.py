"""Keyframe selection: from the clean views of the canvas, keep those that show real progress.

Walking forward in time from the first clean view, a frame becomes the next keyframe
when enough of the canvas changed since the previous keyframe, and the painting did
not move away from its finished state (which would mean a missed occluder or a lighting
glitch, not paint). The last clean view is the finished painting and always ends the
sequence. Every other frame gets a reason: a code (``duplicate``, ``barely_changed``,
``moves_away``, ``superseded``) and the words saying it. Views of a partly seen canvas come
with masks of what each shows: they are compared where both show it, and two views that
barely overlap are not compared at all (the later one is kept).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class KeyframeConfig:
    """``clean.keyframes``: when a clean view becomes the next keyframe."""

    pixel_change: float = 24.0  # grey levels: a pixel changed between two views
    min_change: float = 0.004  # share of the canvas that must change for a new keyframe
    duplicate_change: float = 0.0005  # below this, a frame is a duplicate
    regress_tolerance: float = 0.01  # allowed rise in the share of pixels unlike the final painting
    min_overlap: float = 0.25  # partial views: share of the smaller one both must show to be compared
    min_views: int = 2  # clean views a canvas frame needs to become a sequence (one step at least)


@dataclass
class FrameVerdict:
    position: int
    t: float
    kept: bool
    reason: str = ""  # why it was not kept, in words
    change: float = 0.0  # share of the canvas changed since the previous keyframe
    to_final: float | None = 0.0  # share of the canvas still unlike the finished painting (None: not comparable)
    code: str = ""  # why it was not kept, as a code (the ledger counts codes)


def changed_fraction(a: np.ndarray, b: np.ndarray, pixel_change: float) -> float:
    """Share of pixels whose colour differs by more than ``pixel_change`` (lightly blurred views)."""
    return float(_changed(a, b, pixel_change).mean())


def _changed(a: np.ndarray, b: np.ndarray, pixel_change: float) -> np.ndarray:
    a = cv2.GaussianBlur(a, (3, 3), 0).astype(np.int16)
    b = cv2.GaussianBlur(b, (3, 3), 0).astype(np.int16)
    return np.abs(a - b).max(-1) > pixel_change


class _Compare:
    """Changed share between two views, where both show the canvas (None: too little in common)."""

    def __init__(self, views: list[np.ndarray], masks: list[np.ndarray] | None, config: KeyframeConfig):
        self.views, self.masks, self.config = views, masks, config

    def __call__(self, i: int, j: int) -> float | None:
        changed = _changed(self.views[i], self.views[j], self.config.pixel_change)
        if self.masks is None:
            return float(changed.mean())
        a, b = self.masks[i], self.masks[j]
        common = a & b
        if not common.any() or common.sum() < self.config.min_overlap * min(a.sum(), b.sum()):
            return None
        return float(changed[common].mean())


def select_keyframes(views: list[np.ndarray], times: list[float], config: KeyframeConfig = KeyframeConfig(),
                     masks: list[np.ndarray] | None = None) -> list[FrameVerdict]:
    """Verdict per clean view (same order); ``views`` are small RGB canvases, lighting-normalised;
    ``masks`` (optional) what each view shows of the canvas."""
    n = len(views)
    if n == 0:
        return []
    compare = _Compare(views, masks, config)
    to_final = [compare(i, n - 1) for i in range(n)]
    verdicts = [FrameVerdict(0, times[0], True, "", 0.0, to_final[0])]
    last = 0
    for i in range(1, n - 1):
        change = compare(i, last)
        v = FrameVerdict(i, times[i], False, "", change or 0.0, to_final[i])
        ref = f"keyframe at t={times[last]:.1f}s"
        if change is not None and change < config.duplicate_change:
            v.code, v.reason = "duplicate", f"duplicate of the {ref}"
        elif change is not None and change < config.min_change:
            v.code, v.reason = "barely_changed", f"barely changed since the {ref} ({change:.2%} of the canvas)"
        elif None not in (to_final[i], to_final[last]) and to_final[i] > to_final[last] + config.regress_tolerance:
            v.code, v.reason = "moves_away", (f"moves away from the finished painting ({to_final[i]:.1%} unlike it, "
                                              f"{to_final[last]:.1%} at the {ref})")
        else:
            v.kept, last = True, i
        verdicts.append(v)
    if n > 1:
        change = compare(n - 1, last)
        if last > 0 and change is not None and change < config.min_change:
            verdicts[last].kept = False
            verdicts[last].code = "superseded"
            verdicts[last].reason = f"superseded by the finished painting at t={times[-1]:.1f}s (no change after it)"
        verdicts.append(FrameVerdict(n - 1, times[-1], True, "", change or 0.0, 0.0))
    return verdicts
