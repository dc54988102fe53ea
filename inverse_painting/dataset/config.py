"""The ``build`` stage's settings: dataset, card and preview in one frozen record."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..records.dataset import SPLITS


def _default_ratios() -> dict[str, float]:
    return {"train": 0.8, "validation": 0.1, "test": 0.1}


@dataclass(frozen=True)
class BuildConfig:
    """Annotations -> Hugging Face dataset (Hub layout) + card + HTML preview (params.yaml ``build:``)."""

    annotations: str = "data/annotations"
    out: str = "data/dataset"
    preview: str = "reports/preview"
    cards: str = ""  # folder holding the card template; "": the one that ships with the package
    split_ratios: dict[str, float] = field(default_factory=_default_ratios)  # by painting; manifest hints win
    split_seed: int = 0
    max_shard_mb: float = 500.0
    card_examples: int = 3  # example strips in the card
    pretty_name: str = "Inverse painting: painting-process training pairs"
    repo_id: str = "ORG/inverse-painting"  # shown in the card's load_dataset example
    preview_paintings: int = 50

    def __post_init__(self) -> None:
        unknown = sorted(set(self.split_ratios) - set(SPLITS))
        if unknown:
            raise ValueError(f"split_ratios: unknown split(s) {unknown} (known: {', '.join(SPLITS)})")
        if sum(float(v) for v in self.split_ratios.values()) <= 0:
            raise ValueError(f"split_ratios must sum to a positive number, got {dict(self.split_ratios)}")
