"""Training metrics and plots through dvclive, resumable without logging a step twice."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ..pipeline import atomic_write_text

log = logging.getLogger(__name__)


def open_live(live_dir: str | Path, start_step: int, params: dict):
    """A dvclive ``Live`` in ``live_dir`` that continues a run resumed at ``start_step`` (0: a new run)."""
    from dvclive import Live

    if start_step > 0:
        trim_live_plots(live_dir, start_step)
        drop_half_written(live_dir)
    settings = dict(resume=start_step > 0, save_dvc_exp=False, dvcyaml=False)
    try:
        live = Live(str(live_dir), **settings)
    except Exception as exc:
        try:
            from scmrepo.exceptions import SCMError  # installed with dvc, which dvclive uses for git
        except ImportError:
            raise exc from None
        if not isinstance(exc, SCMError):
            raise
        live = _live_outside_dvc(live_dir, settings, exc)
    live.log_params(params)
    return live


def _live_outside_dvc(live_dir: str | Path, settings: dict, exc: Exception):
    """dvclive asks git for the current revision before it checks that there is one
    (treeverse/dvclive#522), so it fails in a repository without a commit yet: log the same
    files without looking up the DVC repository."""
    import dvclive.live as live_module

    log.info("dvclive could not read the git revision (%s); logging without the DVC repository", exc)
    lookup = live_module.get_dvc_repo
    live_module.get_dvc_repo = lambda: None
    try:
        return live_module.Live(str(live_dir), **settings)
    finally:
        live_module.get_dvc_repo = lookup


def log_metrics(live, step: int, group: str, metrics: dict[str, float]) -> None:
    """Log ``group/<name>`` metrics at ``step`` (the step is advanced by the caller)."""
    live.step = step
    for k, v in metrics.items():
        live.log_metric(f"{group}/{k}", v)


def trim_live_plots(live_dir: str | Path, step: int) -> None:
    """Drop dvclive metric rows logged after ``step``.

    A killed run logged steps past its last checkpoint; the resumed run logs them again,
    and dvclive appends, so without this the curves would hold those steps twice.
    """
    for tsv in (Path(live_dir) / "plots" / "metrics").rglob("*.tsv"):
        lines = tsv.read_text(encoding="utf-8").splitlines(keepends=True)
        if not lines:
            continue
        column = lines[0].rstrip("\r\n").split("\t").index("step") if "step" in lines[0] else 0
        kept = [line for line in lines[1:] if line.endswith("\n") and _row_step(line, column) <= step]
        if len(kept) != len(lines) - 1:
            atomic_write_text(tsv, "".join(lines[:1] + kept))


def _row_step(line: str, column: int) -> float:
    try:
        return float(line.split("\t")[column])
    except (IndexError, ValueError):
        return float("inf")  # a half-written row: drop it


def drop_half_written(live_dir: str | Path) -> None:
    """Remove the summary and params files a killed run left half-written.

    dvclive writes them in place, and reads them back on resume: a run killed while writing
    one would fail to resume. Both are written again (params at once, the summary at the next
    logged step) and the step comes from the checkpoint, not from the summary.
    """
    import yaml

    for name, load in (("metrics.json", json.loads), ("params.yaml", yaml.safe_load)):
        path = Path(live_dir) / name
        if not path.is_file():
            continue
        try:
            load(path.read_text(encoding="utf-8"))
        except (ValueError, yaml.YAMLError, UnicodeDecodeError):
            log.warning("%s was left half-written by a stopped run; it is written again", path)
            path.unlink()
