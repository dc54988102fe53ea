"""Annotation: painting sequences -> per-step difference masks, intervals and instruction labels.

``annotate.annotate_sequence`` reads a :class:`~inverse_painting.records.PaintingSequence` and
writes its :class:`~inverse_painting.records.StepsDoc` (``data/annotations/<id>/steps.json``) and
``masks/*.png``, plus ``stroke_masks/*.png`` for the steps whose exact truth the sequence carries
(``truth.py``). Labellers are chosen by name (``segmenters.py``); the stage's settings are one
:class:`~inverse_painting.annotate.config.AnnotateConfig`. Torch and transformers are imported
only by the backends that need them.
"""
