"""Line sweep: the straight boundaries of a partly visible canvas, where colour statistics change.

A canvas edge in real footage is a long straight line with the canvas on one side and the
floor, table or wall on the other. For every line of a Hough grid (direction theta, offset
rho) on a small copy of the frame, two quantities are computed in one pass per direction:

- ``split``: in a band a few pixels wide on either side of the line, how much knowing the
  side tells about a pixel's quantised colour (mutual information / colour entropy of the
  band, 0..1). Along a canvas edge the two bands hold different stuff over the whole length
  (paint against floor); across a painting's own strokes they mix. Cumulative colour
  histograms along rho give every offset at once.
- ``cover``: the share of the line lying on a colour step across it (box means on either
  side differ by more than ``contrast`` Delta E): a boundary, not a soft drift.

A line scores ``split * cover``. :func:`find_lines` keeps the best few lines after
non-maximum suppression; :func:`choose_sides` picks the subset of up to four of them,
with distinct outward directions, that best bounds one convex region. Sides never seen
stay on the frame border: the canvas continues out of view there.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import cv2
import numpy as np
from scipy.special import entr

from .geometry import clip_half_plane

LAB_BINS = 6  # per channel: 216 colour codes


@dataclass(frozen=True)
class SweepImage:
    """A small frame prepared for sweeping: colour codes and the LAB image for step responses."""

    codes: np.ndarray  # (h, w) int, quantised LAB
    lab: np.ndarray  # (h, w, 3) float32 LAB (L 0..100, a/b centred on 0)
    scale: float  # small / full resolution

    @property
    def shape(self) -> tuple[int, int]:
        return self.codes.shape


@dataclass(frozen=True)
class Line:
    """A boundary: points p with p . normal = rho (small-image pixels). The canvas lies where
    p . normal < rho: ``normal`` points out of the canvas."""

    normal: np.ndarray
    rho: float
    split: float
    cover: float

    @property
    def score(self) -> float:
        return self.split * self.cover

    @property
    def theta(self) -> float:
        return float(np.arctan2(self.normal[1], self.normal[0]))

    def scaled(self, factor: float) -> "Line":
        return Line(self.normal, self.rho * factor, self.split, self.cover)


def prepare(rgb: np.ndarray, long_side: int = 128) -> SweepImage:
    """Downscale and quantise colours in LAB."""
    h, w = rgb.shape[:2]
    scale = long_side / max(h, w)
    small = cv2.resize(rgb, (max(8, round(w * scale)), max(8, round(h * scale))), interpolation=cv2.INTER_AREA)
    lab8 = cv2.cvtColor(small, cv2.COLOR_RGB2LAB)
    q = (cv2.GaussianBlur(lab8, (3, 3), 0).astype(np.int32) * LAB_BINS) // 256
    codes = (q[..., 0] * LAB_BINS + q[..., 1]) * LAB_BINS + q[..., 2]
    lab = lab8.astype(np.float32) - np.float32([0, 128, 128])
    lab[..., 0] *= 100 / 255
    return SweepImage(codes, lab, scale)


def step_response(lab: np.ndarray, theta: float, half: int = 2) -> np.ndarray:
    """Delta E between the means of two small boxes either side of each pixel along ``theta``:
    large on a boundary crossing that direction, a soft one included."""
    k = 2 * half + 3
    yy, xx = np.mgrid[-(k // 2):k // 2 + 1, -(k // 2):k // 2 + 1].astype(np.float32)
    along = xx * np.cos(theta) + yy * np.sin(theta)
    across = -xx * np.sin(theta) + yy * np.cos(theta)
    box = np.abs(across) <= half
    pos = (box & (along >= 0.5) & (along <= half + 0.5)).astype(np.float32)
    neg = (box & (along <= -0.5) & (along >= -half - 0.5)).astype(np.float32)
    d = cv2.filter2D(lab, cv2.CV_32F, pos / pos.sum() - neg / neg.sum(), borderType=cv2.BORDER_REPLICATE)
    return np.sqrt((d**2).sum(-1))


def _entropy_rows(hist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entropy (nats) of each row of a count matrix, and the row totals."""
    n = hist.sum(1)
    return entr(hist / np.maximum(n, 1)[:, None]).sum(1), n  # entr: -p log p, 0 at 0, in one pass


def sweep_direction(img: SweepImage, theta: float, n_rho: int, band: int = 4, contrast: float = 10.0):
    """For lines with normal angle ``theta`` (0..pi): rho values, split, cover, share below."""
    h, w = img.shape
    ys, xs = np.mgrid[0:h, 0:w]
    p = (xs * np.cos(theta) + ys * np.sin(theta)).ravel()
    lo, hi = p.min(), p.max() + 1e-6
    bins = np.minimum(((p - lo) / (hi - lo) * n_rho).astype(np.int32), n_rho - 1)
    nb = LAB_BINS**3
    hist = np.bincount(bins * nb + img.codes.ravel(), minlength=n_rho * nb).reshape(n_rho, nb).astype(np.float64)
    cum = np.vstack([np.zeros((1, nb)), np.cumsum(hist, 0)])  # cum[k]: bins < k
    k = np.arange(1, n_rho)
    below = cum[k] - cum[np.maximum(k - band, 0)]
    above = cum[np.minimum(k + band, n_rho)] - cum[k]
    h_both, n_both = _entropy_rows(below + above)
    h1, m1 = _entropy_rows(below)
    h2, m2 = _entropy_rows(above)
    split = (h_both - (m1 * h1 + m2 * h2) / np.maximum(n_both, 1)) / np.maximum(h_both, 1e-6)
    split = np.where((m1 > 0.25 * n_both) & (m2 > 0.25 * n_both), split, 0.0)
    strong = (step_response(img.lab, theta) > contrast).ravel()
    edge_bin = np.clip(np.round((p - lo) / (hi - lo) * n_rho - 0.5).astype(np.int32), 0, n_rho - 2)
    on_band = np.bincount(edge_bin, minlength=n_rho - 1).astype(np.float64)
    cover = np.bincount(edge_bin[strong], minlength=n_rho - 1) / np.maximum(on_band, 1)
    rhos = lo + k * (hi - lo) / n_rho
    return rhos, split, cover, cum[k].sum(1) / cum[-1].sum()


def find_lines(img: SweepImage, n_theta: int = 36, n_rho: int = 80, keep: int = 8, min_score: float = 0.03,
               min_share: float = 0.05, min_cover: float = 0.55) -> list[Line]:
    """The best lines after non-maximum suppression, each in both orientations. A line must lie on
    a colour step over ``min_cover`` of its length (text and soft shading do not)."""
    found = []
    for theta in np.linspace(0, np.pi, n_theta, endpoint=False):
        rhos, split, cover, share = sweep_direction(img, theta, n_rho)
        ok = (share > min_share) & (share < 1 - min_share) & (cover >= min_cover)
        score = np.where(ok, split * cover, 0.0)
        for i in np.nonzero(score >= min_score)[0]:
            if score[i] >= score[max(i - 1, 0)] and score[i] >= score[min(i + 1, len(score) - 1)]:
                found.append((float(score[i]), theta, float(rhos[i]), float(split[i]), float(cover[i])))
    found.sort(reverse=True)
    kept: list[tuple] = []
    for f in found:
        if all(_distinct(f, k, img.shape) for k in kept):
            kept.append(f)
        if len(kept) >= keep:
            break
    lines = []
    for _, theta, rho, split, cover in kept:
        n = np.array([np.cos(theta), np.sin(theta)])
        lines += [Line(n, rho, split, cover), Line(-n, -rho, split, cover)]
    return lines


def _distinct(a: tuple, b: tuple, shape: tuple[int, int]) -> bool:
    """Two (score, theta, rho, ...) lines differ when they are apart anywhere in the frame by > 4% of it."""
    h, w = shape
    dtheta = abs(a[1] - b[1])
    if min(dtheta, np.pi - dtheta) > 0.12:
        return True
    return abs(a[2] - b[2]) > 0.04 * max(h, w) if dtheta < np.pi / 2 else True


@dataclass(frozen=True)
class Sides:
    """A convex canvas region bounded by seen lines and the frame: polygon in small-image pixels."""

    lines: tuple[Line, ...]
    polygon: np.ndarray  # (k, 2) convex, clockwise in image coordinates
    score: float


def clip_polygon(poly: np.ndarray, line: Line) -> np.ndarray:
    """The part of a convex polygon on the canvas side of ``line``."""
    return clip_half_plane(poly, line.normal, line.rho)


def side_length(poly: np.ndarray, line: Line, tol: float = 0.75) -> float:
    """Length of the polygon's boundary lying on ``line``."""
    total = 0.0
    for i in range(len(poly)):
        a, b = poly[i], poly[(i + 1) % len(poly)]
        if abs(a @ line.normal - line.rho) < tol and abs(b @ line.normal - line.rho) < tol:
            total += float(np.linalg.norm(b - a))
    return total


def choose_sides(lines: list[Line], shape: tuple[int, int], min_area: float = 0.12, min_side: float = 0.2,
                 max_lines: int = 4) -> Sides:
    """The subset of lines (outward normals >= 60 degrees apart) bounding the best convex region
    that holds the frame centre, or is closed by three or more lines: each line adds its score
    times how much of it bounds the region. No line: the whole frame."""
    h, w = shape
    frame = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
    centre = np.array([w / 2, h / 2])
    diag = float(np.hypot(w, h))
    best = Sides((), frame, 0.0)
    for r in range(1, max_lines + 1):
        for idx in combinations(range(len(lines)), r):
            if any(i ^ 1 == j for i, j in combinations(idx, 2)):
                continue  # a line and its own flip
            subset = [lines[i] for i in idx]
            if any(float(a.normal @ b.normal) > 0.5 for a, b in combinations(subset, 2)):
                continue
            poly = frame
            for line in subset:
                poly = clip_polygon(poly, line)
                if len(poly) < 3:
                    break
            if len(poly) < 3 or cv2.contourArea(poly.astype(np.float32)) < min_area * w * h:
                continue
            if r < 3 and not all(centre @ l.normal < l.rho for l in subset):
                continue
            lengths = [side_length(poly, line) / diag for line in subset]
            if min(lengths) < min_side * 0.5:
                continue
            score = sum(l.score * min(1.0, s / min_side) for l, s in zip(subset, lengths))
            if score > best.score:
                best = Sides(tuple(subset), poly, score)
    return best
