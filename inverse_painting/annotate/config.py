"""The ``annotate`` stage's settings: one frozen record, with each labeller's own settings nested."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..config import Execution
from ..perceptual.masks import MaskSettings
from ..vision.grounding_dino import DEFAULT_MODEL as DEFAULT_DETECTOR

DEFAULT_VOCABULARY = ("sky", "clouds", "mountain", "trees", "grass", "water", "flowers", "rocks", "sun", "reflection")


@dataclass(frozen=True)
class LabelSettings:
    """How a step's instruction is chosen from the classes its mask covers."""

    vocabulary: tuple[str, ...] = DEFAULT_VOCABULARY
    details_max_fraction: float = 0.03   # changes below this share of the canvas are details ...
    details_max_component: float = 0.01  # ... when no connected piece exceeds this share either
    min_changed_fraction: float = 0.0005  # below this nothing was painted: label "details"


@dataclass(frozen=True)
class ClassicalConfig:
    """The classical labeller (also grounded-sam's fallback where no detection lies)."""

    priors: str = ""  # priors YAML (paint colours, picture bands per class); "": the packaged default
    work_size: int = 160  # long side the segmentation works at


@dataclass(frozen=True)
class GroundedSamConfig:
    """The grounded-sam labeller: Grounding DINO boxes for the vocabulary, refined by SAM."""

    detector: str = DEFAULT_DETECTOR  # Grounding DINO: Hub id or local save_pretrained folder
    sam: str = "facebook/sam-vit-base"  # SAM: Hub id or local folder
    box_threshold: float = 0.3
    text_threshold: float = 0.25
    device: str = "cpu"


@dataclass(frozen=True)
class AnnotateConfig(Execution):
    """Painting sequences -> steps: intervals, difference masks, instruction labels (params.yaml ``annotate:``)."""

    keyframes: str = "data/keyframes"  # real sequences (clean stage); skipped when absent
    synth: str = "data/synth"  # synthetic sequences (synth stage); skipped when absent
    sequences: str = "data/sequences"  # sample-world sequences (sequences stage); skipped when absent
    out: str = "data/annotations"
    masks: MaskSettings = field(default_factory=MaskSettings)  # difference masks D(A, B, alpha)
    mask_sizes: tuple[int, ...] = (64, 32)  # downsampled mask variants (long side, px)
    # The masks a training pair needs beside D(next, current): the outstanding paint D(target,
    # current, alpha), made at this long side (the evaluation's, where the painter judges its
    # canvas), and the pixels the step painted (largest channel change above painted_change).
    outstanding_long_side: int = 256
    painted_change: float = 24.0
    label_backend: Literal["classical", "grounded-sam"] = "classical"
    labels: LabelSettings = field(default_factory=LabelSettings)
    classical: ClassicalConfig = field(default_factory=ClassicalConfig)
    grounded_sam: GroundedSamConfig = field(default_factory=GroundedSamConfig)
