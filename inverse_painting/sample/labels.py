"""Which instruction labels name a sample-world layer: the check of a labeller on sample sequences."""

from __future__ import annotations

# Sample-world layer names (painting.LAYER_NAMES) -> vocabulary classes a correct label may take.
SAMPLE_LAYER_CLASSES = {
    "sky": {"sky"}, "clouds": {"clouds"}, "mountains_far": {"mountain"}, "mountains": {"mountain"},
    "water": {"water"}, "trees": {"trees"}, "grass": {"grass"}, "details": {"details", "flowers", "rocks"},
}


def matches_sample_layer(label: str, layer: str) -> bool:
    """Whether a label names a sample-world ground-truth layer (mountains_far -> mountain, ...)."""
    return label in SAMPLE_LAYER_CLASSES.get(layer, {layer})
