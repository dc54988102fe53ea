"""How a stage asks for MediaPipe's models: the weights folder, or explicitly none.

A stage section holding :class:`MediaPipeSettings` (``canvas.person``, ``clean.fused.mediapipe``)
loads the models from the weights stage's folder once per process. Missing files are one
clear error naming the setting that turns the signals off; ``enabled: false`` turns them off
on purpose, and the stage report says so. Never silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..weights import WeightsMissing


@dataclass(frozen=True)
class MediaPipeSettings:
    weights: str = "models/weights"  # the weights stage's folder (mediapipe/*.tflite)
    enabled: bool = True  # false: the signals that need MediaPipe are off (the stage report says so)


def _missing(exc: WeightsMissing, setting: str) -> WeightsMissing:
    return WeightsMissing(f"{exc}; or set {setting}.enabled: false to go without the signals that need it")


@lru_cache(maxsize=2)
def _segmenter(weights: str):
    from . import load_segmenter

    return load_segmenter(weights, num_threads=1)


@lru_cache(maxsize=2)
def _tracker(weights: str):
    from . import load_hand_tracker

    return load_hand_tracker(weights, num_threads=1)


def person_segmenter(settings: MediaPipeSettings, setting: str):
    """The selfie segmenter (``probability(rgb) -> HxW``), or None when turned off."""
    return _built(settings, setting, _segmenter)


def hand_tracker(settings: MediaPipeSettings, setting: str):
    """Palm detection + hand landmarks (``hands(rgb) -> [Hand]``), or None when turned off."""
    return _built(settings, setting, _tracker)


def _built(settings: MediaPipeSettings, setting: str, build):
    """``build(weights)``, or None when turned off; missing weights: an error naming ``setting``."""
    if not settings.enabled:
        return None
    try:
        return build(settings.weights)
    except WeightsMissing as exc:
        raise _missing(exc, setting) from None
