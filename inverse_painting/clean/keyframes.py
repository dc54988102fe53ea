"""Keyframe selection: from the clean views of the canvas, keep those that show real progress.

Walking forward in time from the first clean view, a frame becomes the next keyframe
when enough of the canvas changed since the previous keyframe, and the painting did
not move away from its finished state (which would mean a missed occluder or a lighting
glitch, not paint). The last clean view is the finished painting and always ends the
sequence. Every other frame gets a reason: a code (``duplicate``, ``barely_changed``,
``moves_away``, ``superseded``) and the words saying it.
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


@dataclass
class FrameVerdict:
    position: int
    t: float
    kept: bool
    reason: str = ""  # why it was not kept, in words
    change: float = 0.0  # share of the canvas changed since the previous keyframe
    to_final: float = 0.0  # share of the canvas still unlike the finished painting
    code: str = ""  # why it was not kept, as a code (the ledger counts codes)


def changed_fraction(a: np.ndarray, b: np.ndarray, pixel_change: float) -> float:
    """Share of pixels whose colour differs by more than ``pixel_change`` (lightly blurred views)."""
    a = cv2.GaussianBlur(a, (3, 3), 0).astype(np.int16)
    b = cv2.GaussianBlur(b, (3, 3), 0).astype(np.int16)
    return float((np.abs(a - b).max(-1) > pixel_change).mean())


def select_keyframes(views: list[np.ndarray], times: list[float], config: KeyframeConfig = KeyframeConfig()
                     ) -> list[FrameVerdict]:
    """Verdict per clean view (same order); ``views`` are small RGB canvases, lighting-normalised."""
    n = len(views)
    if n == 0:
        return []
    final = views[-1]
    to_final = [changed_fraction(v, final, config.pixel_change) for v in views]
    verdicts = [FrameVerdict(0, times[0], True, "", 0.0, to_final[0])]
    last = 0
    for i in range(1, n - 1):
        change = changed_fraction(views[i], views[last], config.pixel_change)
        v = FrameVerdict(i, times[i], False, "", change, to_final[i])
        ref = f"keyframe at t={times[last]:.1f}s"
        if change < config.duplicate_change:
            v.code, v.reason = "duplicate", f"duplicate of the {ref}"
        elif change < config.min_change:
            v.code, v.reason = "barely_changed", f"barely changed since the {ref} ({change:.2%} of the canvas)"
        elif to_final[i] > to_final[last] + config.regress_tolerance:
            v.code, v.reason = "moves_away", (f"moves away from the finished painting ({to_final[i]:.1%} unlike it, "
                                              f"{to_final[last]:.1%} at the {ref})")
        else:
            v.kept, last = True, i
        verdicts.append(v)
    if n > 1:
        change = changed_fraction(final, views[last], config.pixel_change)
        if last > 0 and change < config.min_change:
            verdicts[last].kept = False
            verdicts[last].code = "superseded"
            verdicts[last].reason = f"superseded by the finished painting at t={times[-1]:.1f}s (no change after it)"
        verdicts.append(FrameVerdict(n - 1, times[-1], True, "", change, 0.0))
    return verdicts
