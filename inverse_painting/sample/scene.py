"""Filming a painting: a 1280x720 scene with the canvas as a perspective quadrilateral.

The world is a textured wall with an easel ledge; the canvas sits on it as a quad.
A camera (similarity transform with a smooth jitter, one move or zoom mid-video) maps
the world to the frame; light drifts slowly; a hand with a brush, casting a soft shadow,
covers part of the canvas while strokes are being laid.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FRAME_SIZE = (1280, 720)
SKIN_TONES = ((224, 172, 138), (198, 134, 96), (141, 85, 54), (236, 188, 160))


@dataclass
class Camera:
    """World-to-frame similarity: scale about the frame centre, shift, small roll."""

    scale: float = 1.0
    dx: float = 0.0
    dy: float = 0.0
    roll_deg: float = 0.0

    def matrix(self) -> np.ndarray:
        w, h = FRAME_SIZE
        a = np.deg2rad(self.roll_deg)
        c, s = self.scale * np.cos(a), self.scale * np.sin(a)
        cx, cy = w / 2, h / 2
        return np.array([[c, -s, cx - c * cx + s * cy + self.dx],
                         [s, c, cy - s * cx - c * cy + self.dy],
                         [0, 0, 1]], np.float64)


def lerp_camera(a: Camera, b: Camera, t: float) -> Camera:
    t = 0.5 - 0.5 * np.cos(np.pi * np.clip(t, 0, 1))  # ease in/out
    return Camera(*(float(x + (y - x) * t) for x, y in
                    zip((a.scale, a.dx, a.dy, a.roll_deg), (b.scale, b.dx, b.dy, b.roll_deg))))


def make_background(rng: np.random.Generator) -> np.ndarray:
    """A wall (plaster with blotches) over a wooden table; RGB uint8 at frame size."""
    w, h = FRAME_SIZE
    wall_col = np.array(rng.choice([[170, 160, 145], [120, 125, 130], [150, 135, 120], [95, 100, 90]]), np.float32)
    noise = cv2.resize(rng.uniform(-1, 1, (18, 32)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    fine = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.2)
    img = wall_col[None, None] * (1 + 0.08 * noise[..., None]) + 6 * fine[..., None]
    table_y = int(h * rng.uniform(0.86, 0.92))
    wood = np.array([120, 80, 50], np.float32)
    xs = np.arange(w, dtype=np.float32)
    grain = np.sin(xs[None, :] * 0.05 + 3 * noise[table_y:, :]) * 14
    img[table_y:] = wood[None, None] + grain[..., None] + 5 * fine[table_y:, :, None]
    img[table_y:table_y + 4] *= 0.6  # table edge
    return np.clip(img, 0, 255).astype(np.uint8)


def canvas_world_quad(rng: np.random.Generator, aspect: float) -> np.ndarray:
    """The canvas corners (TL, TR, BR, BL) in world pixels: a tilted, slightly keystoned quad."""
    w, h = FRAME_SIZE
    ch = h * rng.uniform(0.58, 0.66)
    cw = ch * aspect
    cx = w * rng.uniform(0.45, 0.55)
    cy = h * rng.uniform(0.46, 0.52)
    keystone = rng.uniform(0.02, 0.06) * cw  # top edge narrower: camera looks up at the easel
    skew = rng.uniform(-0.03, 0.03) * ch
    return np.array([[cx - cw / 2 + keystone, cy - ch / 2 + skew],
                     [cx + cw / 2 - keystone, cy - ch / 2 - skew],
                     [cx + cw / 2, cy + ch / 2],
                     [cx - cw / 2, cy + ch / 2]], np.float64)


def apply_h(H: np.ndarray, pts: np.ndarray) -> np.ndarray:
    p = np.c_[pts, np.ones(len(pts))] @ H.T
    return p[:, :2] / p[:, 2:3]


def paste(frame: np.ndarray, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``frame`` with ``image``'s pixels where the bool ``mask`` is set, in place (OpenCV's
    masked copy: about 0.1 ms at 720p, where ``np.copyto(where=)`` took 15 ms)."""
    return cv2.copyTo(image, mask.view(np.uint8), frame)


def mask_box(mask: np.ndarray) -> list[int] | None:
    """[x0, y0, x1, y1] (exclusive ends) of the bool ``mask``'s set pixels; None when there are none."""
    x, y, w, h = cv2.boundingRect(mask.view(np.uint8))
    return [x, y, x + w, y + h] if w and h else None


def polygon_mask(quad: np.ndarray, size=FRAME_SIZE) -> np.ndarray:
    m = np.zeros((size[1], size[0]), np.uint8)
    cv2.fillPoly(m, [np.round(quad * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
    return m.astype(bool)


def render_world(background: np.ndarray, painting: np.ndarray, world_quad: np.ndarray) -> np.ndarray:
    """Composite the painting (with a canvas edge and cast shadow) onto the wall, in world pixels."""
    w, h = FRAME_SIZE
    img = background.copy()
    shadow = np.zeros((h, w), np.float32)
    cv2.fillPoly(shadow, [np.round(world_quad + [10, 12]).astype(np.int32)], 1.0)
    shadow = cv2.GaussianBlur(shadow, (0, 0), 9)
    img = (img * (1 - 0.45 * shadow[..., None])).astype(np.uint8)
    # Canvas side edge: a slightly larger, darker quad behind the painted surface.
    centre = world_quad.mean(0)
    edge = centre + (world_quad - centre) * 1.012
    cv2.fillPoly(img, [np.round(edge * 16).astype(np.int32)], (205, 200, 190), lineType=cv2.LINE_AA, shift=4)
    ph, pw = painting.shape[:2]
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    H = cv2.getPerspectiveTransform(src, world_quad.astype(np.float32))
    warped = cv2.warpPerspective(painting, H, (w, h), flags=cv2.INTER_LINEAR)
    mask = polygon_mask(world_quad)
    img[mask] = warped[mask]
    return img


@dataclass
class Hand:
    """A painter's right hand holding a brush whose tip is at ``tip`` (frame pixels)."""

    tip: np.ndarray
    angle_deg: float
    skin: tuple[int, int, int]
    paint: tuple[int, int, int]

    def draw(self, frame: np.ndarray) -> np.ndarray:
        """Draw shadow, arm, hand and brush in place; return the occluder mask (bool)."""
        h, w = frame.shape[:2]
        a = np.deg2rad(self.angle_deg)
        d = np.array([np.cos(a), np.sin(a)])  # from tip towards the hand
        n = np.array([-d[1], d[0]])
        tip = self.tip
        ferrule = tip + d * 28
        grip = tip + d * 120
        palm = grip + d * 35 + n * 8
        elbow = palm + d * 260 + n * 60
        shoulder = elbow + np.array([260.0, 420.0])
        mask = np.zeros((h, w), np.uint8)
        layers = []  # (kind, drawing function) in painting order

        def P(p):
            return tuple(int(round(v)) for v in p)

        def arm(m, col):
            cv2.line(m, P(palm), P(elbow), col, 62, cv2.LINE_AA)
            cv2.line(m, P(elbow), P(shoulder), col, 90, cv2.LINE_AA)

        def hand(m, col):
            cv2.ellipse(m, P(palm), (46, 32), float(np.rad2deg(a)), 0, 360, col, -1, cv2.LINE_AA)
            for k in range(4):  # fingers curled round the handle
                f = grip + d * (k * 11 - 10) - n * 16
                cv2.ellipse(m, P(f), (10, 17), float(np.rad2deg(a)) + 90, 0, 360, col, -1, cv2.LINE_AA)
            cv2.line(m, P(grip + n * 14), P(grip - d * 22 + n * 4), col, 14, cv2.LINE_AA)  # thumb

        def brush(m, col_handle, col_ferrule, col_tip):
            cv2.line(m, P(ferrule), P(grip + d * 90), col_handle, 9, cv2.LINE_AA)
            cv2.line(m, P(tip + d * 12), P(ferrule), col_ferrule, 10, cv2.LINE_AA)
            cv2.line(m, P(tip), P(tip + d * 13), col_tip, 8, cv2.LINE_AA)

        arm(mask, 1), hand(mask, 1), brush(mask, 1, 1, 1)
        # Soft shadow: the occluder shape, offset away from the light and blurred.
        small = cv2.resize(mask.astype(np.float32), (w // 4, h // 4), interpolation=cv2.INTER_AREA)
        small = np.roll(small, (6, 8), axis=(0, 1))
        shade = cv2.resize(cv2.GaussianBlur(small, (0, 0), 4), (w, h), interpolation=cv2.INTER_LINEAR)
        # only where the shade is not 0 (elsewhere the product is the frame itself)
        x0, y0, bw, bh = cv2.boundingRect((shade > 0).astype(np.uint8))
        box = (slice(y0, y0 + bh), slice(x0, x0 + bw))
        frame[box] = (frame[box] * (1 - 0.5 * shade[box][..., None])).astype(np.uint8)
        skin = np.array(self.skin, np.float32)
        layers = np.zeros_like(frame)
        arm(layers, tuple(int(c) for c in skin * 0.85))
        hand(layers, tuple(int(c) for c in skin))
        brush(layers, (150, 40, 30), (190, 190, 195), self.paint)
        # Light shading across the hand so it is not a flat colour.
        ramp = (0.85 + 0.3 * (np.arange(w, dtype=np.float32) / w))[None, :, None]
        mb = mask.astype(bool)
        frame[mb] = np.clip(layers[mb] * ramp[0, np.nonzero(mb)[1]], 0, 255).astype(np.uint8)
        return mb


def lighting_lut(gain: float, tint: np.ndarray) -> list[np.ndarray]:
    """Per-channel lookup tables for a global light change (fast on full frames)."""
    x = np.arange(256, dtype=np.float32)
    return [np.clip(x * gain * t, 0, 255).astype(np.uint8) for t in tint]


def apply_lighting(frame: np.ndarray, gain: float, tint: np.ndarray) -> np.ndarray:
    # one three-channel lookup: no split into strided channel views and no merge (3x faster)
    return cv2.LUT(frame, np.stack(lighting_lut(gain, tint), -1).reshape(256, 1, 3))


def title_card(text: str, t: float) -> np.ndarray:
    """Intro/outro frame without the canvas: a dark card with the title."""
    w, h = FRAME_SIZE
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = np.broadcast_to((25 + 30 * y) * np.array([1.0, 0.9, 1.1], np.float32), (h, w, 3)).astype(np.uint8).copy()
    scale = 1.6 + 0.01 * t  # a slow zoom, like a real title card
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 3)
    cv2.putText(img, text, ((w - tw) // 2, (h + th) // 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (235, 225, 200), 3,
                cv2.LINE_AA)
    return img
