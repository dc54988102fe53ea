"""The ``synth`` stage's settings: one frozen record shared by the stage, the library and the CLI."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from ..config import EXECUTION_KEYS, Execution

DEFAULT_DEPTH_MODEL = "depth-anything/Depth-Anything-V2-Small-hf"
# Where the images come from and how the process is shown: they do not change the strokes.
STAGE_KEYS = ("input", "out", "dataset_split", "dataset_column", "limit", "video_fps", "gif")


@dataclass(frozen=True)
class SynthConfig(Execution):
    """How images become ordered stroke processes (params.yaml ``synth:``).

    The defaults are the quick setting of the default run (256 px, 800 strokes, a few seconds
    per image on 2 cores). The quality setting used for the figures in the README is
    ``size=512, strokes=2000``.
    """

    # Input: sample stills (``sample://stills?seeds=100-102&width=384``), an image folder or
    # file, or a Hugging Face image dataset (``hf://<id or folder>``; split, column, limit).
    input: str = "sample://stills?seeds=100-102&width=384"
    out: str = "data/synth"
    dataset_split: str = "train"  # hf:// inputs
    dataset_column: str = "image"  # hf:// inputs
    limit: int = 0  # use at most this many images (0: all); folders and hf:// datasets
    size: int = 256  # long side of the working canvas, pixels
    strokes: int = 800  # total stroke budget
    pass_widths: tuple[float, ...] = (0.09, 0.045, 0.022, 0.011)  # brush width per pass / long side
    pass_shares: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4)  # share of the budget per pass
    steps: tuple[int, ...] = (60, 50, 40, 40)  # Adam steps per pass
    layers: int = 4  # depth layers painted far to near
    order: Literal["layers", "passes"] = "layers"  # layers: each layer coarse to fine; passes: each pass far to near
    softness: float = 0.5  # edge softness of a stroke, pixels of the working canvas
    # Coarse passes are optimised on a canvas scaled so brushes are this wide (pixels; kept as
    # written, so 12 stays 12 in synth.json).
    optimise_brush_px: int | float = 12.0
    lr_position: float = 0.04  # Adam step for control points, in brush widths
    lr_width: float = 0.03  # Adam step for width, in brush widths
    lr_color: float = 0.03
    lr_opacity: float = 0.03
    max_aspect: float = 5.0  # longest stroke, in brush widths
    spill_weight: float = 0.05  # penalty for paint on layers not started yet (keeps layering clean)
    lpips_weight: float = 0.0  # adds LPIPS to the L2 loss; needs lpips_model
    lpips_model: str = ""  # folder with LPIPS weights (inverse_painting.perceptual)
    group_by_region: bool = True  # within a pass, paint one colour region after another
    region_clusters: int = 6
    frames: int = 96  # keyframes of the process (the last is the finished image); rendered frames when re-cut
    seconds_per_stroke: float = 0.5  # synthetic time of an average stroke
    # Re-cut (recut.py): keep a rendered frame once a random gap of stroke time in this range
    # (seconds) has passed and it visibly changed the canvas; () keeps every rendered frame.
    keyframe_gap_s: tuple[float, ...] = (12.0, 34.0)  # mean 23 s: the paper's mean keyframe interval
    min_visible_change: float = 0.004  # share of the canvas a re-cut keyframe changes at least
    recolour_share: float = 0.0  # share of images recoloured first (hue, saturation, contrast; seeded per item)
    depth_backend: Literal["prior", "depth-anything"] = "prior"  # prior: offline; depth-anything: a model
    depth_model: str = DEFAULT_DEPTH_MODEL  # Hub id or local folder (depth-anything)
    threads: int = 1  # torch threads while decomposing: the tensors are small, more threads mostly wait
    seed: int = 0
    video_fps: float = 4.0  # process.mp4 / process.gif
    gif: bool = True  # also write process.gif

    def __post_init__(self) -> None:
        for name, cast in (("pass_widths", float), ("pass_shares", float), ("steps", int)):
            object.__setattr__(self, name, tuple(cast(x) for x in getattr(self, name)))
        if not (len(self.pass_widths) == len(self.pass_shares) == len(self.steps)):
            raise ValueError("pass_widths, pass_shares and steps need one entry per pass")
        if self.order not in ("layers", "passes"):
            raise ValueError(f"order must be 'layers' or 'passes', not {self.order!r}")
        object.__setattr__(self, "keyframe_gap_s", tuple(float(x) for x in self.keyframe_gap_s))
        if self.keyframe_gap_s and (len(self.keyframe_gap_s) != 2 or not 0 <= self.keyframe_gap_s[0] <= self.keyframe_gap_s[1]):
            raise ValueError(f"keyframe_gap_s must be () or [low, high] seconds, not {list(self.keyframe_gap_s)}")
        if self.size < 16 or self.strokes < 1 or self.frames < 1 or self.layers < 1:
            raise ValueError("size >= 16, strokes >= 1, frames >= 1 and layers >= 1 are required")

    def process_settings(self) -> dict[str, Any]:
        """The settings that decide the strokes and the process (``synth.json``'s ``config``)."""
        skip = set(STAGE_KEYS) | set(EXECUTION_KEYS)
        return {k: v for k, v in asdict(self).items() if k not in skip}

