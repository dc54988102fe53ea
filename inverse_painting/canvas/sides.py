"""Quads whose sides may leave the frame: side lines, corners, seen sides, snapping to edges.

A partly visible canvas is described by four side lines in the order top, right, bottom,
left. A side seen in the frame lies on the canvas edge; an unseen side is put on the frame
border (the canvas goes on beyond it, how far is unknown). The quad's corners are where
neighbouring side lines cross, so they may lie outside the frame; the visible canvas is
the quad clipped to the frame (:func:`~inverse_painting.canvas.geometry.visible_polygon`).
"""

from __future__ import annotations

import cv2
import numpy as np

from .geometry import visible_polygon
from .refine import fit_side
from .sweep import Line

OUTWARD = np.array([[0.0, -1.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])  # top, right, bottom, left


def frame_lines(size: tuple[int, int]) -> list[Line]:
    """The frame border as the four side lines (canvas inside: p . n < rho)."""
    w, h = size
    return [Line(OUTWARD[0], 0.0, 0, 0), Line(OUTWARD[1], float(w), 0, 0), Line(OUTWARD[2], float(h), 0, 0),
            Line(OUTWARD[3], 0.0, 0, 0)]


def assign_sides(lines: list[Line], size: tuple[int, int]) -> tuple[list[Line], list[bool]]:
    """Put each seen line on the side its outward normal points to; the rest on the frame border."""
    sides, seen = frame_lines(size), [False] * 4
    for line in sorted(lines, key=lambda ln: -ln.score):
        i = int(np.argmax(OUTWARD @ line.normal))
        if not seen[i]:
            sides[i], seen[i] = line, True
    return sides, seen


def intersect(a: Line, b: Line) -> np.ndarray | None:
    m = np.array([a.normal, b.normal])
    if abs(np.linalg.det(m)) < 1e-6:
        return None
    return np.linalg.solve(m, np.array([a.rho, b.rho]))


def quad_from_sides(sides: list[Line], size: tuple[int, int], reach: float = 3.0) -> np.ndarray | None:
    """Corners TL, TR, BR, BL where neighbouring sides cross; None when two are parallel or a
    corner lies more than ``reach`` frame sizes away."""
    w, h = size
    corners = []
    for i in range(4):
        p = intersect(sides[(i + 3) % 4], sides[i])  # left/top, top/right, right/bottom, bottom/left
        if p is None or abs(p[0] - w / 2) > reach * w or abs(p[1] - h / 2) > reach * h:
            return None
        corners.append(p)
    quad = np.array(corners)
    return quad if cv2.isContourConvex(quad.astype(np.float32).reshape(-1, 1, 2)) else None


def sides_seen_by_frame(quad: np.ndarray, size: tuple[int, int], margin: float = 2.0) -> list[bool]:
    """For a quad from elsewhere (tracked): does each side run inside the frame (not on its border)?"""
    poly = visible_polygon(quad, size)
    w, h = size
    seen = []
    q = np.asarray(quad, np.float64)
    for i in range(4):
        a, b = q[i], q[(i + 1) % 4]
        d = b - a
        n = np.array([d[1], -d[0]]) / max(np.linalg.norm(d), 1e-9)
        on = [p for p in poly if abs((p - a) @ n) < margin]
        mid = np.mean(on[:2], axis=0) if len(on) >= 2 else None
        inside = mid is not None and margin < mid[0] < w - margin and margin < mid[1] < h - margin
        inner = any(margin < p[0] < w - margin and margin < p[1] < h - margin for p in on)
        seen.append(len(on) >= 2 and (inner or bool(inside)))
    return seen


def snap_line(grads, line: Line, poly: np.ndarray, scale: float, search: float = 6.0) -> Line:
    """Move a seen side (full-resolution line) onto the strongest edge nearby, where it bounds
    ``poly``; ``grads`` are colour gradients at ``scale`` x full resolution."""
    ends = [p for p in poly if abs(p @ line.normal - line.rho) < 1.0]
    if len(ends) < 2:
        return line
    a, b = sorted(ends, key=lambda p: p @ np.array([-line.normal[1], line.normal[0]]))[::len(ends) - 1]
    # fit_side's outward normal is (d1, -d0): order the ends so it matches ours.
    d = b - a
    if np.array([d[1], -d[0]]) @ line.normal < 0:
        a, b = b, a
    point, direction = fit_side(grads, a * scale, b * scale, search, 40.0)
    n = np.array([direction[1], -direction[0]])
    if n @ line.normal < 0:
        n = -n
    n /= max(np.linalg.norm(n), 1e-9)
    if n @ line.normal < np.cos(np.deg2rad(8)):
        return line
    return Line(n, float(point @ n) / scale, line.split, line.cover)


def side_line(quad: np.ndarray, i: int) -> Line:
    """Side i (0 top, 1 right, 2 bottom, 3 left) of a TL, TR, BR, BL quad as a line, normal outward."""
    q = np.asarray(quad, np.float64)
    d = q[(i + 1) % 4] - q[i]
    n = np.array([d[1], -d[0]]) / max(np.linalg.norm(d), 1e-9)
    return Line(n, float(q[i] @ n), 1.0, 1.0)


def align_sides(quad: np.ndarray, found: list[Line], size: tuple[int, int], max_angle: float = 10.0,
                max_shift: float = 0.1) -> np.ndarray:
    """``quad`` with each side the frame shows moved onto the nearest straight boundary the frame
    shows (``found``, full-resolution lines) within ``max_angle`` degrees and ``max_shift`` of the
    frame diagonal: a registered outline, good to a few per cent, onto the canvas edges themselves."""
    lines = [side_line(quad, i) for i in range(4)]
    reach = max_shift * float(np.hypot(*size))
    for i, in_view in enumerate(sides_seen_by_frame(quad, size)):
        if not in_view:
            continue
        a, b = np.asarray(quad, np.float64)[i], np.asarray(quad, np.float64)[(i + 1) % 4]
        mid = (a + b) / 2
        near = [ln for ln in found if ln.normal @ lines[i].normal >= np.cos(np.deg2rad(max_angle))
                and abs(mid @ ln.normal - ln.rho) <= reach]
        if near:
            lines[i] = min(near, key=lambda ln: abs(mid @ ln.normal - ln.rho))
    aligned = quad_from_sides(lines, size, reach=10.0)
    return quad if aligned is None else aligned
