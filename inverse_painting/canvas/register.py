"""Register camera segments to each other through the painted canvas (cuts and set-ups).

Two segments show the same canvas from different set-ups when features *on the canvas* of
one frame of each match under one homography (the canvas is a plane). Matches outside
either frame's visible canvas are ignored, so a reference print or the table seen in both
shots does not link them. Linked segments form a group with one canvas frame (the first
segment's reference frame); a segment that links to nothing is a group of its own: the
sequence is split there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import polygon_area, polygon_mask
from .segments import CameraSegmenter, Features, Segments


@dataclass
class Groups:
    group: list[int]  # per segment: its group
    to_group: list[np.ndarray]  # per segment: homography from its reference frame to its group's
    links: list[tuple[int, int, int]]  # (segment a, segment b, inliers) that were joined

    def members(self, g: int) -> list[int]:
        return [s for s, x in enumerate(self.group) if x == g]

    def of_frame(self, segs: Segments, k: int) -> int:
        return self.group[segs.ids[k]]

    def frame_to_group(self, segs: Segments, k: int) -> np.ndarray:
        """Homography from frame k's pixels to its group's reference frame."""
        return self.to_group[segs.ids[k]] @ np.linalg.inv(segs.to_frame[k])


def canvas_features(f: Features, polygon: np.ndarray | None) -> Features:
    """Only the features on the visible canvas."""
    if polygon is None or len(polygon) < 3 or not len(f.points):
        return f.within(np.zeros(len(f.points), bool))
    mask = polygon_mask(polygon, f.size)
    x = np.clip(np.round(f.points[:, 0]).astype(int), 0, f.size[0] - 1)
    y = np.clip(np.round(f.points[:, 1]).astype(int), 0, f.size[1] - 1)
    return f.within(mask[y, x])


def register_segments(feats: list[Features], segs: Segments, polygons: list[np.ndarray | None],
                      segmenter: CameraSegmenter) -> Groups:
    """Union of segments whose canvases match; ``polygons`` are the visible canvas per frame."""
    n = segs.count
    reps = [_representatives(segs.members(s), polygons) for s in range(n)]
    canvas = [{r: canvas_features(feats[r], polygons[r]) for r in rs} for rs in reps]
    parent = list(range(n))
    edges: dict[tuple[int, int], np.ndarray] = {}
    links = []

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a in range(n):
        for b in range(a + 1, min(n, a + 1 + segmenter.config.register_window)):
            H, inliers, ra, rb = _best_match(canvas[a], canvas[b], segmenter)
            if H is None:
                continue
            # reference of a -> frame ra -> frame rb -> reference of b
            Hab = np.linalg.inv(segs.to_frame[rb]) @ H @ segs.to_frame[ra]
            edges[(a, b)], edges[(b, a)] = Hab, np.linalg.inv(Hab)
            links.append((a, b, inliers))
            parent[root(b)] = root(a)
    return _groups(n, root, edges, links)


def _best_match(a: dict[int, Features], b: dict[int, Features], segmenter: CameraSegmenter):
    """The best homography between any representative of a and any of b: (H, inliers, ra, rb)."""
    best = (None, 0, -1, -1)
    for ra, fa in a.items():
        for rb, fb in b.items():
            link = segmenter.match(fa, fb, max_scale=4.0)
            if link.ok and link.inliers > best[1]:
                best = (link.H, link.inliers, ra, rb)
    return best


def _representatives(members: list[int], polygons, count: int = 3) -> list[int]:
    """Up to ``count`` member frames with a canvas: the one showing the most of it, the first, the last."""
    with_canvas = [k for k in members if polygons[k] is not None and len(polygons[k]) >= 3]
    if not with_canvas:
        return []
    largest = max(with_canvas, key=lambda k: polygon_area(polygons[k]))
    return list(dict.fromkeys([largest, with_canvas[0], with_canvas[-1]]))[:count]


def _groups(n: int, root, edges: dict, links: list) -> Groups:
    """Group ids in order of first segment; transforms to each group's first segment by BFS."""
    ids: dict[int, int] = {}
    group = [ids.setdefault(root(s), len(ids)) for s in range(n)]
    to_group = [np.eye(3) for _ in range(n)]
    for g in set(group):
        members = [s for s in range(n) if group[s] == g]
        done, queue = {members[0]}, [members[0]]
        while queue:
            a = queue.pop(0)
            for b in members:
                if b not in done and (b, a) in edges:
                    to_group[b] = to_group[a] @ edges[(b, a)]
                    done.add(b)
                    queue.append(b)
    return Groups(group, to_group, links)
