"""Deterministic split of paintings (never of frames) into train / validation / test."""

from __future__ import annotations

import hashlib
from typing import Mapping

from ..records.dataset import SPLITS


def assign_split(painting_id: str, ratios: Mapping[str, float], hint: str = "auto", seed: int = 0) -> str:
    """The split of a painting: its manifest hint when it names a split, else a stable hash
    of (seed, id) placed on the cumulative ``ratios`` (so adding paintings moves no other)."""
    if hint in SPLITS:
        return hint
    total = sum(float(ratios.get(s, 0)) for s in SPLITS)
    if total <= 0:
        raise ValueError(f"split ratios must sum to a positive number, got {dict(ratios)}")
    u = int.from_bytes(hashlib.sha256(f"{seed}:{painting_id}".encode()).digest()[:8], "big") / 2**64
    edge = 0.0
    for split in SPLITS:
        edge += float(ratios.get(split, 0)) / total
        if u < edge:
            return split
    return SPLITS[-1]
