"""Annotation: painting sequences -> per-step difference masks, intervals and instruction labels.

``annotate_sequence`` writes ``data/annotations/<id>/steps.json`` and ``masks/*.png`` for one
``sequence.json`` (see ARCHITECTURE.md), plus ``stroke_masks/*.png`` for the steps whose exact
truth the sequence carries (``truth.py``). Torch and transformers are imported only by the
backends that need them.
"""

from .sequence import Keyframe, PaintingSequence, find_sequences, load_sequence

__all__ = ["Keyframe", "PaintingSequence", "find_sequences", "load_sequence"]
