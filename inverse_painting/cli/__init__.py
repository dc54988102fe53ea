"""The ``inverse-painting`` command line. Each area registers its commands in its own module.

Every expected failure (:class:`~inverse_painting.pipeline.errors.UserError`: a bad path, a
bad manifest, an output folder that is not ours, no network) ends as one ``error:`` line and
exit code 1; bad options are usage errors (exit 2) with the valid choices listed in ``--help``.
"""

from __future__ import annotations

# Command modules register themselves on `app` when imported.
from . import canvas, dataset, ingest, ledger, model, sample, synth, weights  # noqa: F401
from .app import app

__all__ = ["app"]
