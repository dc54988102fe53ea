"""Where other stages find what the ``weights`` stage wrote, with one clear error when it is not there."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..pipeline.errors import UserError
from .hashing import check_sha256, tensors_sha256
from .lpips_weights import COMBINED_FILE, LPIPS_TENSORS_SHA256
from .mediapipe_weights import MEDIAPIPE_FILES
from .stage import LPIPS_SUBDIR, MANIFEST, MEDIAPIPE_SUBDIR

DEFAULT_DIR = Path("models/weights")
HOW_TO_FILL = "run `inverse-painting weights` or `dvc repro weights`"


class WeightsMissing(UserError, FileNotFoundError):
    """The weights stage has not put a model where it is looked for."""


def lpips_folder(weights_dir: str | os.PathLike = DEFAULT_DIR) -> Path:
    """The folder holding ``lpips_alex.safetensors`` (what ``lpips_weights`` params take)."""
    folder = Path(weights_dir) / LPIPS_SUBDIR
    if not (folder / COMBINED_FILE).is_file():
        raise WeightsMissing(f"LPIPS weights missing in {weights_dir} ({HOW_TO_FILL})")
    return folder


def pretrained_lpips(weights_dir: str | os.PathLike = DEFAULT_DIR, pin: str | None = LPIPS_TENSORS_SHA256):
    """The official LPIPS network from the weights folder, its tensors checked against ``pin``."""
    from ..perceptual.lpips import LPIPS

    model = LPIPS.from_pretrained(lpips_folder(weights_dir))
    if pin is not None:
        state = {k: v.numpy() for k, v in model.state_dict().items() if k.startswith(("backbone.", "lin"))}
        check_sha256(str(Path(weights_dir) / LPIPS_SUBDIR / COMBINED_FILE), tensors_sha256(state), pin)
    return model


def mediapipe_file(name: str, weights_dir: str | os.PathLike = DEFAULT_DIR) -> Path:
    """One MediaPipe model file (e.g. ``palm_detection_full.tflite``) from the weights folder."""
    if name not in MEDIAPIPE_FILES:
        raise ValueError(f"unknown MediaPipe model {name!r} (known: {', '.join(MEDIAPIPE_FILES)})")
    path = Path(weights_dir) / MEDIAPIPE_SUBDIR / name
    if not path.is_file():
        raise WeightsMissing(f"MediaPipe model {name} missing in {weights_dir} ({HOW_TO_FILL})")
    return path


def read_manifest(weights_dir: str | os.PathLike = DEFAULT_DIR) -> dict[str, Any]:
    """``weights.json``: per model its files with SHA-256, route, source and licence."""
    path = Path(weights_dir) / MANIFEST
    if not path.is_file():
        raise WeightsMissing(f"no {MANIFEST} in {weights_dir} ({HOW_TO_FILL})")
    return json.loads(path.read_text(encoding="utf-8"))
