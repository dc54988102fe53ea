"""Camera segments: which sampled frames see the canvas from one camera set-up, and how they map.

The canvas is a plane, so any two views of it are related by a homography. Between
consecutive sampled frames (a second apart, so handheld motion is large) SIFT features
matched with the ratio test give a RANSAC homography; a link holds when enough matches
agree and the homography is not degenerate. Where matching fails (plain walls, a blank
canvas, heavy blur) a static camera is recognised by the frames barely differing. A frame
that links to neither neighbour starts a new segment: a cut or a jump.

Within a segment every frame is also matched straight to the segment's reference frame (its
first), so the homography reference -> frame does not drift along a chain; where that match
fails, or is weaker than the link to the previous frame (a few chance matches between a blank
canvas and a painted one, against two frames that barely differ), the chain through the
previous frame is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

IDENTITY = np.eye(3)


@dataclass(frozen=True)
class SegmentsConfig:
    """``canvas.segments``: features, links between frames, and registration of segments."""

    features_side: int = 400  # SIFT runs at this long side
    features: int = 700  # SIFT features per frame
    ratio: float = 0.75  # Lowe's ratio test
    min_inliers: int = 20  # matches a homography needs (links and registrations)
    min_inlier_ratio: float = 0.25  # ... and this share of the ratio-test matches
    static_diff: float = 3.0  # grey levels: frames this alike are one static camera
    register_window: int = 12  # each segment is matched against this many later ones


@dataclass(frozen=True)
class Features:
    points: np.ndarray  # (n, 2) full-resolution pixels
    descriptors: np.ndarray | None
    thumb: np.ndarray  # small grey image for the static test
    size: tuple[int, int]  # (width, height) of the frame

    def within(self, keep: np.ndarray) -> "Features":
        """Only the features where ``keep`` (one bool per point) holds."""
        desc = self.descriptors[keep] if self.descriptors is not None else None
        return Features(self.points[keep], desc, self.thumb, self.size)


@dataclass(frozen=True)
class Link:
    """Homography mapping frame a's pixels to frame b's (full resolution)."""

    H: np.ndarray
    ok: bool
    inliers: int
    kind: str  # "features" | "static" | "none"


NO_LINK = Link(IDENTITY, False, 0, "none")


@dataclass
class Segments:
    ids: list[int]  # segment per frame
    to_frame: list[np.ndarray]  # per frame: homography from its segment's reference frame to it
    links: list[Link] = field(default_factory=list)  # links[k]: frame k-1 -> k (links[0] unused)

    def members(self, s: int) -> list[int]:
        return [k for k, i in enumerate(self.ids) if i == s]

    @property
    def count(self) -> int:
        return (max(self.ids) + 1) if self.ids else 0


class CameraSegmenter:
    """Features per frame, links between frames, segments from the links."""

    def __init__(self, config: SegmentsConfig = SegmentsConfig()):
        self.config = config
        self.sift = cv2.SIFT_create(nfeatures=config.features)
        self.matcher = cv2.BFMatcher(cv2.NORM_L2)

    def features(self, rgb: np.ndarray) -> Features:
        h, w = rgb.shape[:2]
        scale = self.config.features_side / max(h, w)
        grey = cv2.cvtColor(cv2.resize(rgb, (max(8, round(w * scale)), max(8, round(h * scale))),
                                       interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
        kps, desc = self.sift.detectAndCompute(grey, None)
        pts = (np.float32([k.pt for k in kps]).reshape(-1, 2) + 0.5) / scale - 0.5
        thumb = cv2.resize(grey, (64, max(8, round(64 * h / w))), interpolation=cv2.INTER_AREA).astype(np.float32)
        return Features(pts, desc, thumb, (w, h))

    def link(self, a: Features, b: Features) -> Link:
        """Homography a -> b from matched features, else identity for a static camera, else none. Where
        the frames barely differ, a feature homography that moves the frame by more than 2 % but does
        not bring the frames closer than they are followed something else (a hand, with few features
        on a blank wall): identity. A slow pan over a smooth scene is brought closer and kept."""
        link = self.match(a, b)
        static = a.size == b.size and a.thumb.shape == b.thumb.shape \
            and _thumb_diff(a.thumb, b.thumb) < self.config.static_diff
        if link.ok and not (static and _shift(link.H, a.size) > 0.02 * max(a.size)
                            and not _explains(link.H, a, b)):
            return link
        return Link(IDENTITY, True, 0, "static") if static else link

    def match(self, a: Features, b: Features, max_scale: float = 3.0) -> Link:
        """Homography a -> b from features alone (RANSAC, plausibility checked)."""
        c = self.config
        if a.descriptors is None or b.descriptors is None or len(a.points) < 8 or len(b.points) < 8:
            return NO_LINK
        pairs = self.matcher.knnMatch(a.descriptors, b.descriptors, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < c.ratio * p[1].distance]
        if len(good) < c.min_inliers:
            return Link(IDENTITY, False, len(good), "none")
        src = a.points[[m.queryIdx for m in good]]
        dst = b.points[[m.trainIdx for m in good]]
        H, mask = cv2.findHomography(src, dst, cv2.RANSAC, 0.006 * max(a.size), maxIters=2000, confidence=0.995)
        inliers = int(mask.sum()) if mask is not None else 0
        if H is None or inliers < c.min_inliers or inliers < c.min_inlier_ratio * len(good) \
                or not plausible_homography(H, a.size, max_scale):
            return Link(IDENTITY, False, inliers, "none")
        return Link(H, True, inliers, "features")

    def segments(self, feats: list[Features]) -> Segments:
        """Split into segments at failed links; map each frame from its segment's reference."""
        links = [NO_LINK] + [self.link(feats[k - 1], feats[k]) for k in range(1, len(feats))]
        ids: list[int] = []
        to_frame: list[np.ndarray] = []
        ref = 0
        for k, link in enumerate(links):
            if k == 0 or not link.ok:
                ref = k
                ids.append(ids[-1] + 1 if ids else 0)
                to_frame.append(IDENTITY.copy())
                continue
            ids.append(ids[-1])
            direct = self.match(feats[ref], feats[k])
            # A static link (the frames barely differ) is as good as 2 x min_inliers matches.
            strength = 2 * self.config.min_inliers if link.kind == "static" else link.inliers
            to_frame.append(direct.H if direct.ok and direct.inliers >= strength else link.H @ to_frame[-1])
        return Segments(ids, to_frame, links)


def plausible_homography(H: np.ndarray, size: tuple[int, int], max_scale: float = 3.0) -> bool:
    """Not degenerate: keeps orientation, scales the frame by at most ``max_scale`` either way and
    keeps its corners in front of the camera."""
    w, h = size
    corners = np.float64([[0, 0], [w, 0], [w, h], [0, h]])
    p = np.c_[corners, np.ones(4)] @ np.asarray(H, np.float64).T
    if (p[:, 2] <= 1e-6).any():
        return False
    q = (p[:, :2] / p[:, 2:3]).astype(np.float32)
    area = abs(cv2.contourArea(q)) / (w * h)
    if not 1 / max_scale**2 <= area <= max_scale**2:
        return False
    return bool(cv2.isContourConvex(q.reshape(-1, 1, 2)))


def _shift(H: np.ndarray, size: tuple[int, int]) -> float:
    """Largest displacement of a frame corner under ``H`` (pixels)."""
    w, h = size
    corners = np.float64([[0, 0], [w, 0], [w, h], [0, h]])
    p = np.c_[corners, np.ones(4)] @ np.asarray(H, np.float64).T
    return float(np.abs(p[:, :2] / p[:, 2:3] - corners).max())


def _thumb_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Median grey-level difference of two thumbnails, as they are or with their light matched (the
    smaller: a change of light is no camera move, and a hand that darkens the mean is no change of light)."""
    gain = max(float(np.median(b)), 1.0) / max(float(np.median(a)), 1.0)
    return min(float(np.median(np.abs(a - b))), float(np.median(np.abs(a * gain - b))))


def _explains(H: np.ndarray, a: Features, b: Features) -> bool:
    """``H`` (a -> b, full pixels) brings a's thumbnail closer to b's than the frames are as they stand."""
    th, tw = a.thumb.shape
    S = np.diag([tw / a.size[0], th / a.size[1], 1.0])
    warped = cv2.warpPerspective(a.thumb, S @ H @ np.linalg.inv(S), (tw, th), flags=cv2.INTER_LINEAR)
    seen = cv2.warpPerspective(np.ones_like(a.thumb), S @ H @ np.linalg.inv(S), (tw, th)) > 0.99
    if seen.sum() < 0.5 * seen.size:
        return False
    moved = float(np.mean(np.abs(warped - b.thumb)[seen]))
    return moved < float(np.mean(np.abs(a.thumb - b.thumb)[seen]))
