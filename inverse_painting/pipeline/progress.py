"""Progress inside one item (frames decoded, keyframes painted, stroke passes optimised).

The executor shows one bar per stage; long items show a second, transient bar while they
run. It is drawn only on a terminal (a log file or a test gets none) and can be switched off
with ``INVERSE_PAINTING_PROGRESS=0``.
"""

from __future__ import annotations

import os
import sys


def progress_enabled() -> bool:
    return os.environ.get("INVERSE_PAINTING_PROGRESS", "1") != "0" and sys.stderr.isatty()


def item_progress(total: int | None, desc: str, unit: str = "it"):
    """A transient tqdm bar for work inside one item (a no-op bar when progress is off)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, leave=False, dynamic_ncols=True, mininterval=0.5,
                disable=not progress_enabled())
