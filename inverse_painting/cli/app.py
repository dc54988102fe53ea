"""The ``inverse-painting`` Typer application; the command modules register on it.

Every expected failure (:class:`~inverse_painting.pipeline.errors.UserError`: a bad path, a
bad manifest, an output folder that is not ours, no network) ends as one ``error:`` line and
exit code 1; bad options are usage errors (exit 2) with the valid choices listed in ``--help``.
"""

from __future__ import annotations

import typer
from rich.markup import escape
from typer.core import TyperGroup

from ..pipeline.errors import UserError, one_line


class _Commands(TyperGroup):
    """Runs a command; a :class:`UserError` becomes one line on stderr and a non-zero exit."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            from .common import console

            console.print(f"[red]error:[/] {escape(one_line(exc))}", soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    name="inverse-painting",
    cls=_Commands,
    help="Build painting-process datasets and turn finished paintings into painting time-lapses.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="markdown",
)
