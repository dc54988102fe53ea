"""The sample world: generated painting time-lapses and stills with exact ground truth.

They stand in for real recordings in the default pipeline and in every test.
"""

from .hard import HardSampleSpec, generate_hard_video
from .painting import LAYER_NAMES, Landscape, PaintingCanvas, make_landscape
from .uri import STILL_WIDTH, SampleURI, StillsURI, is_sample_uri, parse_sample_uri, parse_stills_uri
from .video import SampleSpec, generate_sample_video, generate_still, still_landscape

__all__ = [
    "LAYER_NAMES", "STILL_WIDTH", "HardSampleSpec", "Landscape", "PaintingCanvas", "SampleSpec", "SampleURI",
    "StillsURI", "generate_hard_video", "generate_sample_video", "generate_still", "is_sample_uri", "make_landscape", "parse_sample_uri",
    "parse_stills_uri", "still_landscape", "write_stills",
]


def write_stills(out_dir, seeds, width: int = STILL_WIDTH):
    """Write finished sample paintings ``still-<seed>.png`` for the synthesis stage."""
    from pathlib import Path

    from ..media.images import write_image

    out = []
    for seed in seeds:
        out.append(write_image(Path(out_dir) / f"still-{seed:04d}.png", generate_still(seed, width)))
    return out
