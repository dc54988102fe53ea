"""Distance-curve plots drawn with OpenCV (no plotting library needed) and CSVs for DVC."""

from __future__ import annotations

import cv2
import numpy as np

PALETTE = [(20, 20, 20), (214, 39, 40), (31, 119, 180), (44, 160, 44), (255, 127, 14), (148, 103, 189)]


def curves_image(curves: dict[str, np.ndarray], title: str, size: tuple[int, int] = (640, 400)) -> np.ndarray:
    """Line plot of named (n, 2) curves (minutes, distance) with axes, ticks and a legend."""
    w, h = size
    left, right, top, bottom = 60, 20, 30, 45
    img = np.full((h, w, 3), 255, np.uint8)
    pts = np.concatenate([np.asarray(c, float) for c in curves.values() if len(c)]) if curves else np.zeros((1, 2))
    xmax = max(float(pts[:, 0].max()), 1e-6)
    ymax = max(float(pts[:, 1].max()), 1e-6) * 1.05

    def to_px(x: float, y: float) -> tuple[int, int]:
        return (int(left + x / xmax * (w - left - right)), int(h - bottom - y / ymax * (h - top - bottom)))

    cv2.line(img, to_px(0, 0), to_px(xmax, 0), (0, 0, 0), 1)
    cv2.line(img, to_px(0, 0), to_px(0, ymax), (0, 0, 0), 1)
    for frac in np.linspace(0, 1, 5):
        x, y = to_px(frac * xmax, 0)
        cv2.putText(img, f"{frac * xmax:.1f}", (x - 10, y + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
        x, y = to_px(0, frac * ymax)
        cv2.putText(img, f"{frac * ymax:.2f}", (4, y + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, "minutes", (w // 2 - 25, h - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, title[:70], (left, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    for i, (name, curve) in enumerate(curves.items()):
        colour = PALETTE[i % len(PALETTE)]
        c = np.asarray(curve, float)
        if len(c):
            cv2.polylines(img, [np.array([to_px(x, y) for x, y in c], np.int32)], False, colour, 2, cv2.LINE_AA)
        cv2.putText(img, name, (w - right - 150, top + 16 * (i + 1)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1,
                    cv2.LINE_AA)
    return img
