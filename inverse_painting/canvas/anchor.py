"""Join camera set-ups through the canvas itself, once one of them shows it whole.

A canvas seen whole is rectified upright: every group of segments that saw the whole canvas
(with the same aspect ratio) shares that upright canvas, so such groups join without any
feature in common (the painting may have changed completely between them). Partial views and
close-ups register to it by features of the painted canvas: the frame is matched against the
upright canvas of the nearest-in-time frame that shows it whole, rectified at a resolution
close to the close-up's, which raw frames (where the canvas is a small part of the picture)
do not give. A whole quad of another shape than the canvas (a painted band outlined in a
close-up) is not believed: it must register like a close-up. What still does not join is
returned, so the finder can refuse it: in a video that shows its canvas whole, a set-up
with straight sides that is not that canvas is a palette, a table, a print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import cv2
import numpy as np

from .geometry import apply_homography, is_convex, polygon_area, quad_aspect, rectified_size, rectifying_homography
from .register import Groups
from .segments import CameraSegmenter, Segments, SegmentsConfig

Loader = Callable[[int], np.ndarray]


@dataclass
class Joined:
    """What :func:`join_by_canvas` could not join, and the whole-canvas groups it did not believe."""

    unregistered: set[int] = field(default_factory=set)  # groups that did not register to the canvas
    demoted: set[int] = field(default_factory=set)  # groups whose whole quad has another shape than the canvas


def join_by_canvas(quads: list[np.ndarray | None], whole: list[bool], polygons: list[np.ndarray | None],
                   segs: Segments, groups: Groups, load: Loader, config: SegmentsConfig,
                   width: int = 640, min_anchors: int = 3) -> Joined:
    """Join every group to the canvas seen whole most often (``groups`` is updated in place): whole
    groups of its aspect ratio through the upright canvas, the others (partial views, close-ups,
    whole quads of another shape) by features of the painted canvas. What did not join is reported
    only when at least ``min_anchors`` frames saw the canvas whole."""
    by_group: dict[int, list[int]] = {}
    for k, w in enumerate(whole):
        if w:
            by_group.setdefault(groups.group[segs.ids[k]], []).append(k)
    if not by_group:
        return Joined()
    aspect = {g: float(np.median([quad_aspect(quads[k]) for k in ks])) for g, ks in by_group.items()}
    main = max(by_group, key=lambda g: (len(by_group[g]), -g))
    size = rectified_size(aspect[main], width)
    upright = {g: rectifying_homography(quads[ks[0]], size).astype(np.float64) for g, ks in by_group.items()}
    joined = Joined()
    for g in sorted(by_group):
        if g == main:
            continue
        if abs(aspect[g] / aspect[main] - 1) >= 0.05:
            joined.demoted.add(g)
            continue
        r, a = by_group[main][0], by_group[g][0]
        _move(groups, segs, g, main, groups.frame_to_group(segs, r) @ np.linalg.inv(upright[main]) @ upright[g]
              @ np.linalg.inv(groups.frame_to_group(segs, a)), 0)
        by_group[main] += by_group[g]
    matcher = CameraSegmenter(SegmentsConfig(features_side=width, features=1500, ratio=config.ratio,
                                             min_inliers=config.min_inliers, min_inlier_ratio=config.min_inlier_ratio))
    anchors = sorted(by_group[main])
    for g in sorted((set(groups.group) - set(by_group)) | joined.demoted):
        frames = [k for k, p in enumerate(polygons) if p is not None and groups.group[segs.ids[k]] == g]
        if frames and not _register(frames, anchors, quads, polygons, segs, groups, load, matcher, size):
            joined.unregistered.add(g)
    if len(anchors) < min_anchors:  # one frame seen whole is no proof the rest is something else
        joined.unregistered.clear()
    return joined


def _move(groups: Groups, segs: Segments, g: int, target: int, A: np.ndarray, inliers: int) -> None:
    """Segments of group g join ``target``; ``A`` maps g's reference frame to target's."""
    members = groups.members(g)
    for s in members:
        groups.to_group[s] = A @ groups.to_group[s]
        groups.group[s] = target
    groups.links.append((groups.members(target)[0], members[0], inliers))


def _register(frames, anchors, quads, polygons, segs, groups, load, matcher, size) -> bool:
    """Match up to three frames of a partial group against the upright canvas of the frames nearest in
    time before and after them (with and without a margin of surroundings: the canvas's edges and
    corners are features too); the match with the most inliers joins the group."""
    largest = max(frames, key=lambda k: polygon_area(polygons[k]))
    uprights: dict[tuple[int, int], tuple] = {}
    best = None
    for p in list(dict.fromkeys([largest, frames[0], frames[-1]])):
        image = load(p)
        feats = matcher.features(image)
        before, after = [k for k in anchors if k <= p], [k for k in anchors if k > p]
        for r in {before[-1] if before else after[0], after[0] if after else before[-1]}:
            for m in (int(round(0.1 * size[0])), 0):
                if (r, m) not in uprights:
                    T = rectifying_homography(quads[r], size, m).astype(np.float64)
                    view = cv2.warpPerspective(load(r), T, (size[0] + 2 * m, size[1] + 2 * m), flags=cv2.INTER_AREA)
                    uprights[(r, m)] = (T, matcher.features(view))
                T, target = uprights[(r, m)]
                link = matcher.match(feats, target, max_scale=1e6)
                if link.ok and _lands_on_canvas(link.H, image.shape, size, m) and (best is None or link.inliers > best[0]):
                    best = (link.inliers, p, r, T, link.H)
    if best is None:
        return False
    inliers, p, r, T, H = best
    A = groups.frame_to_group(segs, r) @ np.linalg.inv(T) @ H @ np.linalg.inv(groups.frame_to_group(segs, p))
    _move(groups, segs, groups.group[segs.ids[p]], groups.group[segs.ids[r]], A, inliers)
    return True


def _lands_on_canvas(H: np.ndarray, shape: tuple[int, ...], size: tuple[int, int], margin: int) -> bool:
    """The frame maps to a convex region whose centre lies on the upright canvas (``margin`` inside its
    image) and that covers between 1 % and 400 % of it (a close-up, or a wider view)."""
    h, w = shape[:2]
    corners = apply_homography(H, np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64))
    if not np.all(np.isfinite(corners)) or not is_convex(corners):
        return False
    cx, cy = apply_homography(H, np.array([[w / 2, h / 2]]))[0] - margin
    share = polygon_area(corners) / (size[0] * size[1])
    return bool(0 <= cx <= size[0] and 0 <= cy <= size[1] and 0.01 <= share <= 4.0)
