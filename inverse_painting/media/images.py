"""Image files in and out, RGB uint8 everywhere inside the library."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..pipeline.atomic import atomic_path
from ..pipeline.errors import UserError


class UnreadableImage(UserError, ValueError):
    """The file is missing, empty or not an image we can decode."""


FRAME_CACHE_BYTES = 512 * 2**20  # decoded frames one item may keep in memory


def frame_cache_size(width: int, height: int, least: int = 8) -> int:
    """How many decoded RGB frames of this size fit FRAME_CACHE_BYTES (at least ``least``): stages
    that come back to a video's frames several times decode each once (every frame of a few
    minutes of 720p at 1 frame/s)."""
    return max(least, FRAME_CACHE_BYTES // max(1, width * height * 3))


def read_image(path: str | os.PathLike, min_side: int | None = None) -> np.ndarray:
    """Read any PIL-readable image as RGB uint8, honouring EXIF rotation.

    Grayscale, palette, CMYK, 16-bit and alpha images are converted (alpha composited
    over white, since a painting's unpainted canvas is white). With ``min_side``, a JPEG
    may be decoded at 1/2, 1/4 or 1/8 scale as long as both sides stay >= ``min_side``
    (a caller about to shrink a 8000 px photo then decodes a fraction of its pixels).
    """
    path = Path(path)
    if not path.is_file():
        raise UnreadableImage(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise UnreadableImage(f"{path}: empty file (0 bytes)")
    try:
        with Image.open(path) as im:
            if min_side:
                im.draft(im.mode, (int(min_side), int(min_side)))  # a no-op for formats other than JPEG
            ImageOps.exif_transpose(im, in_place=True)  # a copy only where the EXIF says to turn it
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                arr = np.asarray(im, dtype=np.float64)
                arr = (arr / max(arr.max(), 1) * 255).astype(np.uint8)
                return np.stack([arr] * 3, -1)
            if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                im = im.convert("RGBA")
                bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(bg, im)
            return np.array(im if im.mode == "RGB" else im.convert("RGB"), dtype=np.uint8)  # one copy, writable
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise UnreadableImage(f"{path}: not a readable image ({exc})") from exc


def write_image(path: str | os.PathLike, rgb: np.ndarray, quality: int = 95) -> Path:
    """Write an RGB (or single-channel) uint8 image atomically; format from the suffix."""
    path = Path(path)
    img = rgb if rgb.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if path.suffix.lower() in (".jpg", ".jpeg") else []
    with atomic_path(path) as tmp:
        if not cv2.imwrite(str(tmp), img, params):
            raise OSError(f"could not encode {path.suffix} image {path}")
    return path


def write_gif(path: str | os.PathLike, frames: list[np.ndarray], fps: float, *, max_side: int | None = None,
              last_ms: int | None = None, optimize: bool = False) -> Path:
    """Write RGB frames as a looping GIF atomically; optionally shrunk to ``max_side`` and
    with the last frame held ``last_ms``."""
    path = Path(path)
    h, w = frames[0].shape[:2]
    scale = 1.0 if max_side is None else min(1.0, max_side / max(h, w))
    images = [Image.fromarray(f) for f in frames]
    if scale < 1.0:
        size = (round(w * scale), round(h * scale))
        images = [im.resize(size, Image.Resampling.LANCZOS) for im in images]
    step = int(1000 / fps)
    duration: int | list[int] = step if last_ms is None else [step] * (len(images) - 1) + [last_ms]
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=duration, loop=0,
                       optimize=optimize)
    return path
