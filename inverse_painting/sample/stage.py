"""The ``sequences`` stage: many sample-world painting processes, without videos.

One item per seed: ``data/sequences/sample-seq-<seed>/`` gets ``sequence.json`` (origin
``synthetic``: generated, with exact truth), its keyframes and ``truth.json`` (``step_truth``:
per step the pixels its strokes changed and the layer painted), which ``annotate`` reads like
any other painting sequence. Seeds that the evaluation holds out (the validation video's
landscape, the benchmark's held-out stills) are refused (``held_out``), so no evaluated
picture is ever trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import Execution
from ..media.images import write_image
from ..pipeline import Item, ItemContext, ItemResult, UserError, atomic_dir, atomic_write_json
from ..records import Keyframe, PaintingSequence
from .process import sample_process
from .uri import parse_seeds

TRUTH_NAME = "truth.json"


@dataclass(frozen=True)
class SequencesConfig(Execution):
    """Sample-world sequences (params.yaml ``sequences:``)."""

    seeds: str = "1000-1039"  # landscapes, e.g. "1000-1159" or "5,7,9"
    held_out: tuple[int, ...] = (3, 900, 901, 902, 903, 904)  # seeds evaluated elsewhere: refused
    out: str = "data/sequences"
    width: int = 256  # canvas width, pixels (height from the seed's aspect ratio)
    duration_s: float = 60.0  # the sample painter's timeline (its video length)
    min_change: float = 0.004  # share of the canvas a keyframe changes at least (the clean stage's rule)
    pixel_change: float = 24.0  # grey levels: a pixel changed
    mean_interval_s: float = 23.0  # times scaled to this mean keyframe interval (0: the sample painter's clock)
    split: str = "train"  # split hint of every sequence (auto: by painting id)

    def seed_list(self) -> list[int]:
        seeds = parse_seeds(self.seeds)
        refused = sorted(set(seeds) & set(self.held_out))
        if refused:
            raise UserError(f"sequences.seeds: {refused} are held out for evaluation (sequences.held_out)")
        return seeds


def sequence_items(config: SequencesConfig) -> list[Item]:
    return [Item(f"sample-seq-{seed:04d}", {"seed": seed}) for seed in config.seed_list()]


def _truth(process, folder) -> dict:
    steps = []
    for k, (mask, layer, word) in enumerate(zip(process.masks, process.layers, process.words), start=1):
        write_image(folder / f"strokes/{k:03d}.png", np.where(mask, 255, 0).astype(np.uint8))
        steps.append({"index": k, "mask": f"strokes/{k:03d}.png", "layer": layer, "layer_name": word,
                      "label": word, "regions": []})
    return {"steps": steps}


def sequence_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function: write one sample-world sequence with its step truth."""
    cfg: SequencesConfig = ctx.config
    seed = int(item.payload["seed"])
    process = sample_process(seed, cfg.width, cfg.duration_s, cfg.min_change, cfg.pixel_change, cfg.mean_interval_s)
    h, w = process.frames[0].shape[:2]
    with atomic_dir(ctx.out_dir / item.id) as tmp:
        keyframes = []
        for k, (frame, t) in enumerate(zip(process.frames, process.times)):
            write_image(tmp / f"keyframes/{k:03d}.png", frame)
            keyframes.append(Keyframe(k, t, f"keyframes/{k:03d}.png"))
        atomic_write_json(tmp / TRUTH_NAME, _truth(process, tmp))
        PaintingSequence(item.id, "synthetic", tmp, keyframes, width=w, height=h,
                         source_url=f"sample://landscape/{seed}", licence="generated (sample world)",
                         uploader="inverse-painting sample world", title=f"sample landscape {seed} (process)",
                         split_hint=cfg.split, start_t=0.0, step_truth=TRUTH_NAME).write(tmp)
    return ItemResult.ok([f"{item.id}/sequence.json"], keyframes=len(process.frames) - 1,
                         duration_s=process.times[-1])
