"""The ``inverse-painting`` command line. Each area registers its commands in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="inverse-painting",
    help="Build painting-process datasets and turn finished paintings into painting time-lapses.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="markdown",
)

# Command modules register themselves on `app` when imported.
from . import canvas, dataset, ingest, ledger, model, sample, synth, weights  # noqa: E402,F401

__all__ = ["app"]
