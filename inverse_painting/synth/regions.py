"""Colour regions and their names: grouping strokes and labelling what a step painted."""

from __future__ import annotations

import cv2
import numpy as np

# Basic colour terms with a representative sRGB value each (nearest in Lab names a colour).
_COLOUR_TERMS = {
    "white": (245, 245, 240), "light grey": (190, 190, 190), "grey": (128, 128, 128),
    "dark grey": (70, 70, 70), "black": (20, 20, 20), "red": (200, 40, 40), "dark red": (120, 25, 30),
    "orange": (235, 130, 40), "yellow": (235, 215, 60), "light green": (150, 200, 110),
    "green": (70, 140, 60), "dark green": (30, 70, 40), "teal": (40, 130, 130), "light blue": (150, 190, 230),
    "blue": (50, 100, 190), "dark blue": (25, 40, 100), "purple": (120, 70, 150), "pink": (230, 150, 180),
    "brown": (120, 80, 45), "beige": (215, 195, 160),
}
_TERM_NAMES = list(_COLOUR_TERMS)
_TERM_LAB = cv2.cvtColor(np.array([list(_COLOUR_TERMS.values())], np.uint8), cv2.COLOR_RGB2LAB)[0].astype(np.float32)

_LAYER_NAMES = {
    1: ("canvas",),
    2: ("background", "foreground"),
    3: ("background", "middle ground", "foreground"),
    4: ("far background", "background", "middle ground", "foreground"),
    5: ("far background", "background", "middle ground", "foreground", "near foreground"),
}


def layer_names(n_layers: int) -> list[str]:
    """Names of depth layers, far to near."""
    return list(_LAYER_NAMES.get(n_layers, [f"depth layer {i + 1} of {n_layers}" for i in range(n_layers)]))


def colour_name(rgb) -> str:
    """The nearest basic colour term for an RGB colour (0-255 or 0-1 floats)."""
    c = np.asarray(rgb, np.float32).reshape(3)
    if c.max() <= 1.0:
        c = c * 255
    lab = cv2.cvtColor(np.clip(c, 0, 255).astype(np.uint8)[None, None], cv2.COLOR_RGB2LAB)[0, 0].astype(np.float32)
    return _TERM_NAMES[int(((_TERM_LAB - lab) ** 2).sum(1).argmin())]


def colour_clusters(image: np.ndarray, clusters: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """k-means in Lab on a lightly blurred image: (H, W) cluster index and (k, 3) RGB centres."""
    h, w = image.shape[:2]
    blur = cv2.GaussianBlur(image, (0, 0), max(1.0, max(h, w) / 256))
    lab = cv2.cvtColor(blur, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
    rng = np.random.default_rng(seed)
    sample = lab[rng.choice(lab.shape[0], min(lab.shape[0], 4000), replace=False)]
    k = min(clusters, len(np.unique(sample, axis=0)))
    if k < 2:
        return np.zeros((h, w), np.int32), blur.reshape(-1, 3).mean(0, keepdims=True)
    cv2.setRNGSeed(seed)
    _, _, centres = cv2.kmeans(sample, k, None, (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5),
                               2, cv2.KMEANS_PP_CENTERS)
    assign = np.empty(lab.shape[0], np.int32)
    for i in range(0, lab.shape[0], 65536):  # chunks keep the distance table small
        assign[i:i + 65536] = ((lab[i:i + 65536, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
    rgb = cv2.cvtColor(np.clip(centres, 0, 255).astype(np.uint8)[None], cv2.COLOR_LAB2RGB)[0]
    return assign.reshape(h, w), rgb.astype(np.float32)


def colour_segments(image: np.ndarray, clusters: int = 8, seed: int = 0) -> np.ndarray:
    """Label map of connected regions of similar colour."""
    assign, centres = colour_clusters(image, clusters, seed)
    labels = np.zeros(assign.shape, np.int32)
    offset = 0
    for c in range(len(centres)):
        n, comp = cv2.connectedComponents((assign == c).astype(np.uint8), connectivity=4)
        labels = np.where(comp > 0, comp - 1 + offset, labels)
        offset += n - 1
    return labels
