"""Painting sequences from the sample world, with the exact layer painted in every step.

Tests and benchmarks use these instead of waiting for the clean/synth stages: the
landscape's strokes give the exact clean canvas after any number of strokes, so keyframes
and per-step ground-truth labels are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..media.images import write_image
from ..records import Keyframe, PaintingSequence, Rejection
from .painting import blank_canvas, make_landscape
from .video import ASPECTS

SECONDS_PER_STROKE = 0.05  # a plausible painting pace; only dt depends on it


@dataclass(frozen=True)
class SampleSequence:
    root: Path
    layers: list[str]  # ground-truth sample layer per step (step k: keyframe k-1 -> k)


def write_sample_sequence(out_dir: str | Path, seed: int, *, width: int = 256, steps_per_layer: int = 2,
                          origin: str = "real", split_hint: str = "auto",
                          licence: str = "CC0-1.0") -> SampleSequence:
    """Write ``sequence.json`` + ``keyframes/`` for sample landscape ``seed``.

    Keyframe 0 is the blank canvas; each layer is split into ``steps_per_layer`` steps
    of equal stroke counts. Returns the ground-truth layer of each step.
    """
    out = Path(out_dir)
    aspect = ASPECTS[seed % len(ASPECTS)]
    landscape = make_landscape(seed, (width, int(round(width / aspect))))
    cuts, layers, done = [0], [], 0
    for layer in landscape.layers:
        n = len(layer.strokes)
        for part in range(1, steps_per_layer + 1):
            cut = done + int(round(n * part / steps_per_layer))
            if cut > cuts[-1]:
                cuts.append(cut)
                layers.append(layer.name)
        done += n
    keyframes = []
    for i, cut in enumerate(cuts):
        image = landscape.state(cut) if cut else blank_canvas(landscape.size)
        write_image(out / "keyframes" / f"{i:03d}.png", image)
        keyframes.append(Keyframe(i, round(2.0 + cut * SECONDS_PER_STROKE, 3), f"keyframes/{i:03d}.png"))
    PaintingSequence(out.name, origin, out, keyframes, landscape.size[0], landscape.size[1],
                     f"sample://landscape/{seed}", licence, "inverse-painting sample world", f"Sample landscape {seed}",
                     split_hint, [Rejection(3.0, "hand over canvas (occluder 5.0% of canvas)")]).write()
    return SampleSequence(out, layers)
