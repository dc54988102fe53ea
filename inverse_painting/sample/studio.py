"""Props of the harder sample world: a photographic studio, a palette that gathers paint, a sleeved arm.

- :func:`photo_background`: a room as a photo shows it (window bars, a shelf of books, a
  plant, a table, soft light and sensor noise), procedural from the seed; or one of the
  user's own pictures (a folder of images), cropped to the frame.
- :class:`Palette`: an oval board on the table; a dab of each layer's paint appears on it as
  the layer is painted, so paint accumulates off the canvas too.
- :class:`SleevedArm`: a brush held in a dark glove at the end of a sleeve, no skin anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .scene import FRAME_SIZE, apply_h

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")


def photo_background(rng: np.random.Generator, photos: str = "") -> np.ndarray:
    """The studio behind the canvas (RGB uint8, frame size): a user's picture when ``photos`` names a
    folder of images, else a procedural room."""
    w, h = FRAME_SIZE
    if photos:
        from ..media.images import read_image

        files = sorted(p for p in Path(photos).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise ValueError(f"{photos}: no pictures ({', '.join(IMAGE_SUFFIXES)}) for the background")
        image = read_image(files[int(rng.integers(len(files)))])
        scale = max(w / image.shape[1], h / image.shape[0])
        image = cv2.resize(image, (int(np.ceil(image.shape[1] * scale)), int(np.ceil(image.shape[0] * scale))),
                           interpolation=cv2.INTER_AREA)
        y0, x0 = (image.shape[0] - h) // 2, (image.shape[1] - w) // 2
        return np.ascontiguousarray(image[y0:y0 + h, x0:x0 + w])
    return _room(rng)


def _room(rng: np.random.Generator) -> np.ndarray:
    w, h = FRAME_SIZE
    wall = np.array(rng.choice([[196, 186, 170], [150, 160, 168], [178, 160, 140]]), np.float32)
    light = np.linspace(1.15, 0.75, w, dtype=np.float32)[None, :, None] * np.linspace(1.05, 0.9, h)[:, None, None]
    img = wall * light * np.ones((h, w, 3), np.float32)
    wx, wy = int(rng.uniform(0.02, 0.12) * w), int(rng.uniform(0.05, 0.15) * h)  # a window, top left
    cv2.rectangle(img, (wx, wy), (wx + w // 5, wy + h // 3), (236, 240, 245), -1)
    for i in range(1, 3):
        cv2.line(img, (wx + i * w // 15, wy), (wx + i * w // 15, wy + h // 3), (70, 60, 50), 5)
    cv2.line(img, (wx, wy + h // 6), (wx + w // 5, wy + h // 6), (70, 60, 50), 5)
    sx = int(rng.uniform(0.78, 0.86) * w)  # a shelf of books, right
    for row in range(3):
        y = int((0.15 + 0.2 * row) * h)
        cv2.line(img, (sx - 20, y + 70), (w, y + 70), (110, 80, 55), 8)
        x = sx
        while x < w:
            bw = int(rng.uniform(12, 30))
            colour = tuple(float(c) for c in rng.uniform(40, 200, 3))
            cv2.rectangle(img, (x, y + int(rng.uniform(5, 25))), (x + bw, y + 66), colour, -1)
            x += bw + 2
    centre = (int(rng.uniform(0.03, 0.1) * w), int(0.7 * h))  # a plant, bottom left
    for _ in range(40):
        a, r = rng.uniform(0, 2 * np.pi), rng.uniform(10, 90)
        cv2.ellipse(img, (int(centre[0] + r * np.cos(a)), int(centre[1] + r * np.sin(a) * 0.8)), (22, 9),
                    float(np.rad2deg(a)), 0, 360, (float(rng.uniform(30, 70)), float(rng.uniform(90, 140)), 40), -1)
    table = int(rng.uniform(0.84, 0.9) * h)
    grain = 12 * np.sin(np.arange(w, dtype=np.float32)[None, :, None] * 0.07 + np.arange(h - table)[:, None, None] * 0.01)
    img[table:] = np.array([112, 82, 58], np.float32) * light[table:] + grain
    img = cv2.GaussianBlur(img, (0, 0), 1.4) + rng.normal(0, 3.0, (h, w, 3)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


@dataclass
class Palette:
    """An oval board (world pixels) and the paint dabs it gathers: (stroke count, position, colour)."""

    centre: np.ndarray
    axes: tuple[int, int]
    dabs: list[tuple[int, np.ndarray, tuple[int, int, int]]] = field(default_factory=list)

    @classmethod
    def for_layers(cls, rng: np.random.Generator, colours: list[tuple[int, int, int]], starts: list[int]) -> "Palette":
        w, h = FRAME_SIZE
        centre = np.array([rng.uniform(0.1, 0.2) * w, rng.uniform(0.86, 0.92) * h])
        palette = cls(centre, (int(0.09 * w), int(0.05 * h)))
        for colour, start in zip(colours, starts):
            for _ in range(2):
                offset = rng.uniform(-0.7, 0.7, 2) * np.array(palette.axes)
                palette.dabs.append((start, centre + offset, colour))
        return palette

    def draw(self, frame: np.ndarray, C: np.ndarray, strokes_done: int) -> None:
        """The board and the dabs laid by ``strokes_done`` strokes, through camera ``C``."""
        scale = float(np.sqrt(abs(np.linalg.det(C[:2, :2]))))
        centre = apply_h(C, self.centre[None])[0]
        axes = (int(self.axes[0] * scale), int(self.axes[1] * scale))
        angle = float(np.rad2deg(np.arctan2(C[1, 0], C[0, 0])))
        cv2.ellipse(frame, _pt(centre), axes, angle, 0, 360, (200, 170, 120), -1, cv2.LINE_AA)
        for start, pos, colour in self.dabs:
            if strokes_done >= start:
                cv2.circle(frame, _pt(apply_h(C, pos[None])[0]), max(2, int(14 * scale)), colour, -1, cv2.LINE_AA)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(p[0])), int(round(p[1]))


@dataclass
class SleevedArm:
    """A brush whose tip is at ``tip`` (frame pixels), held by a gloved hand in a sleeve; ``scale`` is
    the camera's zoom (a close-up shows it larger)."""

    tip: np.ndarray
    angle_deg: float
    cloth: tuple[int, int, int]
    paint: tuple[int, int, int]
    scale: float = 1.0

    def draw(self, frame: np.ndarray) -> np.ndarray:
        """Draw it in place; return its mask (bool)."""
        h, w = frame.shape[:2]
        s = self.scale
        a = np.deg2rad(self.angle_deg)
        d = np.array([np.cos(a), np.sin(a)])
        grip = self.tip + d * 110 * s
        wrist = grip + d * 45 * s
        elbow = wrist + d * 260 * s + np.array([-d[1], d[0]]) * 50 * s
        shoulder = elbow + np.array([300.0, 450.0]) * s
        mask = np.zeros((h, w), np.uint8)
        cv2.line(mask, _pt(self.tip), _pt(grip + d * 80 * s), 1, max(3, int(9 * s)), cv2.LINE_AA)
        for p, q, width in ((wrist, elbow, 70), (elbow, shoulder, 95)):
            cv2.line(mask, _pt(p), _pt(q), 1, max(4, int(width * s)), cv2.LINE_AA)
        cv2.ellipse(mask, _pt(grip + d * 15 * s), (max(3, int(42 * s)), max(3, int(28 * s))), float(np.rad2deg(a)),
                    0, 360, 1, -1, cv2.LINE_AA)
        body = mask.astype(bool)
        out = frame.astype(np.float32)
        stripes = 0.85 + 0.15 * np.sin((np.arange(w)[None, :] + np.arange(h)[:, None]) / (6.0 * s))
        out[body] = (np.array(self.cloth, np.float32)[None] * stripes[body][:, None])
        glove = np.zeros((h, w), np.uint8)
        cv2.ellipse(glove, _pt(grip + d * 15 * s), (max(3, int(40 * s)), max(3, int(26 * s))), float(np.rad2deg(a)),
                    0, 360, 1, -1, cv2.LINE_AA)
        out[glove.astype(bool)] = (35, 38, 42)
        handle = np.zeros((h, w), np.uint8)
        cv2.line(handle, _pt(self.tip), _pt(grip - d * 5 * s), 1, max(3, int(8 * s)), cv2.LINE_AA)
        out[handle.astype(bool)] = (150, 40, 30)
        tipmask = np.zeros((h, w), np.uint8)
        cv2.line(tipmask, _pt(self.tip), _pt(self.tip + d * 12 * s), 1, max(3, int(7 * s)), cv2.LINE_AA)
        out[tipmask.astype(bool)] = self.paint
        frame[:] = np.clip(out, 0, 255).astype(np.uint8)
        return body | tipmask.astype(bool)
