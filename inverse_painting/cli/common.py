"""Helpers shared by the command modules."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from ..pipeline import StageFailed, StageReport

console = Console(stderr=True)


def print_report(report: StageReport, out_dir: Path) -> None:
    console.print(f"[bold]{report.stage}[/]: {report.ok} ok, {report.skipped} skipped, {report.failed} failed, "
                  f"{report.cached} already done ({report.seconds:.1f} s) -> {out_dir}", soft_wrap=True)
    for row in report.rows:
        if row.status != "ok":
            console.print(f"  {row.status:8s} {row.item_id}: {escape(row.reason)}", soft_wrap=True)


def progress_bar(total: int, desc: str, unit: str = "it"):
    """A progress bar on stderr for long work inside one command (keyframes, passes, frames)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True)


def run_reporting(fn, *args, **kwargs) -> StageReport:
    """Run a stage call; turn too-many-failures into exit code 1 with the reason."""
    try:
        return fn(*args, **kwargs)
    except StageFailed as exc:
        print_report(exc.report, Path("."))
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
