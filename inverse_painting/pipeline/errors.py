"""Expected failures: problems the user can fix, each told in one line.

Anything raising a :class:`UserError` is a mistake in the input or the environment (a bad
path, a bad choice, an output folder that is not ours, no network), never a bug. The command
line prints its message as one line and exits non-zero; a DVC stage does the same. Errors that
are bugs keep their tracebacks.
"""

from __future__ import annotations


class UserError(Exception):
    """An expected failure; ``str(exc)`` says what went wrong and what to do, in one line."""

    exit_code = 1


class UnsafeOutput(UserError):
    """An output path this tool will not write into (it would replace what it did not write)."""


class NoItems(UserError):
    """A stage found nothing to work on: the message names the folder and what it expected."""


class ModelUnavailable(UserError):
    """A pretrained model cannot be loaded (offline, or not where the settings say)."""


class NetworkUnavailable(UserError):
    """A network resource cannot be reached right now (a retry may succeed)."""


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (the type name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
