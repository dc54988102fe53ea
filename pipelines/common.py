"""What every stage module shares: its params section, the executor call, the exit code."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml

from inverse_painting.pipeline import Item, ItemContext, ItemResult, StageFailed, StageReport, UserError, run_stage
from inverse_painting.pipeline.errors import one_line

PARAMS_FILE = Path(os.environ.get("INVERSE_PAINTING_PARAMS", "params.yaml"))
REPORTS = Path("reports")
# Executor knobs: they change how a stage runs, not what it produces, so they are not hashed.
EXECUTION_KEYS = ("workers", "max_failure_fraction", "executor", "ray_address")


def stage_params(stage: str) -> dict[str, Any]:
    """This stage's section of params.yaml."""
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8")) or {}
    if stage not in params:
        raise SystemExit(f"{PARAMS_FILE}: no '{stage}:' section")
    return params[stage]


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
              out_dir: str | Path, params: dict[str, Any]) -> StageReport:
    """Run a per-item stage with the executor and write ``reports/<stage>.json``."""
    work_params = {k: v for k, v in params.items() if k not in EXECUTION_KEYS}
    work_params["_code"] = code_digest(stage)
    return run_stage(stage, items, fn, out_dir, work_params, workers=int(params.get("workers", 1)),
                     max_failure_fraction=float(params.get("max_failure_fraction", 0.5)),
                     report_path=REPORTS / f"{stage}.json", progress=True,
                     executor=str(params.get("executor", "process")), ray_address=params.get("ray_address"))


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
