"""What every stage module shares: its params section, the executor call, the exit code."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

import yaml

from inverse_painting.config import ConfigError, parse_config
from inverse_painting.pipeline import Item, ItemContext, ItemResult, StageFailed, StageReport, UserError, run_stage
from inverse_painting.pipeline.errors import one_line

PARAMS_FILE = Path(os.environ.get("INVERSE_PAINTING_PARAMS", "params.yaml"))
REPORTS = Path("reports")
C = TypeVar("C")


def stage_config(stage: str, cls: type[C]) -> C:
    """This stage's section of params.yaml as its config dataclass (strict: a misspelt key is
    an error naming it); the only place a stage reads params."""
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8")) or {}
    if stage not in params:
        raise ConfigError(f"{PARAMS_FILE}: no '{stage}:' section")
    return parse_config(cls, params[stage], stage)


def code_digest(stage: str) -> str:
    """Hash of the code a stage lists as deps in dvc.yaml (its pipeline module and library folders).

    It joins the params in each item's completion marker, so when DVC re-runs a stage
    because its code changed, finished items are redone rather than kept stale.
    """
    root = Path(__file__).resolve().parent.parent
    deps: list[str] = [f"pipelines/{stage}.py"]
    dvc_file = root / "dvc.yaml"
    if dvc_file.exists():
        spec = (yaml.safe_load(dvc_file.read_text(encoding="utf-8")) or {}).get("stages", {}).get(stage, {})
        deps += [d for d in spec.get("deps", []) if isinstance(d, str) and d.startswith(("inverse_painting", "pipelines"))]
    digest = hashlib.sha256()
    for dep in sorted(set(deps)):
        path = root / dep
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.is_file() else []
        for f in files:
            digest.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:16]


def run_items(stage: str, items: Sequence[Item], fn: Callable[[Item, ItemContext], ItemResult],
              config: Any) -> StageReport:
    """Run a per-item stage over its items into ``config.out``; write ``reports/<stage>.json``."""
    return run_stage(stage, items, fn, config.out, config, code_digest=code_digest(stage),
                     report_path=REPORTS / f"{stage}.json", progress=True)


def write_csv(path: str | Path, rows: list[dict[str, Any]]) -> Path:
    """A small CSV for DVC plots, written atomically."""
    import csv
    import io

    from inverse_painting.pipeline import atomic_write_text

    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return atomic_write_text(path, buf.getvalue())


def main(body: Callable[[], StageReport | None]) -> None:
    """Run a stage body; exit 1 with a readable message when too many items failed."""
    logging.basicConfig(level=os.environ.get("LOGLEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s")
    try:
        report = body()
    except (StageFailed, UserError) as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        sys.exit(1)
    if report is not None:
        print(f"{report.stage}: {report.ok} ok, {report.skipped} skipped, {report.failed} failed, "
              f"{report.cached} up to date ({report.seconds:.1f} s)", file=sys.stderr)
