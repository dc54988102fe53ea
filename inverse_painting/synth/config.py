"""Parameters of stroke synthesis, one typed record shared by library, stage and CLI."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

from .depth import DEFAULT_DEPTH_MODEL


@dataclass
class SynthConfig:
    """How an image becomes an ordered stroke process.

    The defaults are the quick setting the pipeline runs on sample stills (256 px, 600
    strokes, a few seconds per image on 2 cores). The quality setting used for the figures
    in the README is ``size=512, strokes=2000``.
    """

    size: int = 256  # long side of the working canvas, pixels
    strokes: int = 600  # total stroke budget
    pass_widths: tuple[float, ...] = (0.09, 0.045, 0.022, 0.011)  # brush width per pass / long side
    pass_shares: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4)  # share of the budget per pass
    steps: tuple[int, ...] = (60, 50, 40, 40)  # Adam steps per pass
    layers: int = 4  # depth layers painted far to near
    order: str = "layers"  # "layers": each layer coarse-to-fine; "passes": each pass far-to-near
    softness: float = 0.5  # edge softness of a stroke, pixels of the working canvas
    optimise_brush_px: float = 12.0  # coarse passes are optimised on a canvas scaled so brushes are this wide
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
    frames: int = 24  # keyframes of the process (the last is the finished image)
    seconds_per_stroke: float = 0.5  # synthetic time of an average stroke
    depth_backend: str = "prior"  # prior | depth-anything
    depth_model: str = DEFAULT_DEPTH_MODEL  # Hub id or local folder (depth-anything)
    threads: int = 1  # torch threads while decomposing: the tensors are small, more threads mostly wait
    seed: int = 0

    def __post_init__(self) -> None:
        self.pass_widths = tuple(float(x) for x in self.pass_widths)
        self.pass_shares = tuple(float(x) for x in self.pass_shares)
        steps = self.steps if isinstance(self.steps, (list, tuple)) else [self.steps] * len(self.pass_widths)
        self.steps = tuple(int(x) for x in steps)
        if not (len(self.pass_widths) == len(self.pass_shares) == len(self.steps)):
            raise ValueError("pass_widths, pass_shares and steps need one entry per pass")
        if self.order not in ("layers", "passes"):
            raise ValueError(f"order must be 'layers' or 'passes', not {self.order!r}")
        if self.size < 16 or self.strokes < 1 or self.frames < 1 or self.layers < 1:
            raise ValueError("size >= 16, strokes >= 1, frames >= 1 and layers >= 1 are required")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> "SynthConfig":
        """Build from a params mapping, ignoring keys that are not synthesis settings."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (values or {}).items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
