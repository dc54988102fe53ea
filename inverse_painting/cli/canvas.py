"""``inverse-painting canvas`` and ``clean``: real-video ingestion outside DVC."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import typer

from ..pipeline.atomic import check_output_folder
from .app import app
from .common import print_report, run_reporting


@app.command("canvas")
def canvas_command(
    frames: Path = typer.Argument(Path("data/frames"), help="Folder of sampled frames (from `frames`)."),
    out: Path = typer.Option(Path("data/canvas"), help="Output folder: canvas.json + rectified/ per video."),
    backend: Literal["classical", "grounding-dino"] = typer.Option("classical", help="Canvas detector."),
    model: str = typer.Option("IDEA-Research/grounding-dino-tiny", help="grounding-dino: Hub id or local folder."),
    width: int = typer.Option(512, min=16, help="Rectified canvas width in pixels (height from the aspect)."),
    margin: float = typer.Option(0.15, min=0, max=1, help="Surroundings kept around the canvas (share of width)."),
    workers: int = typer.Option(2, min=1, help="Parallel worker processes."),
) -> None:
    """Find the canvas in every sampled frame, keep it consistent per camera segment and
    rectify it upright; frames without a canvas are recorded as "no canvas"."""
    from ..canvas.stage import canvas_item, frames_items
    from ..pipeline import run_stage

    check_output_folder(out, "canvas")

    params = {"backend": backend, "model": model, "width": width, "margin": margin}
    report = run_reporting(run_stage, "canvas", frames_items(frames), canvas_item, out, params, workers=workers)
    print_report(report, out)


@app.command("clean")
def clean_command(
    canvas: Path = typer.Argument(Path("data/canvas"), help="Folder of rectified frames (from `canvas`)."),
    out: Path = typer.Option(Path("data/keyframes"), help="Output folder: sequence.json + keyframes/ per video."),
    backend: Literal["classical", "grounding-dino"] = typer.Option("classical", help="Occluder detector."),
    model: str = typer.Option("IDEA-Research/grounding-dino-tiny", help="grounding-dino: Hub id or local folder."),
    occluded: Literal["drop", "fill"] = typer.Option("drop", help="Frames with a hand over the canvas: drop, or fill "
                                                                  "from the last clean frame."),
    min_change: float = typer.Option(0.004, min=0, max=1, help="Share of the canvas that must change between "
                                                                "keyframes."),
    workers: int = typer.Option(2, min=1, help="Parallel worker processes."),
) -> None:
    """Drop (or fill) frames with hands, arms or brushes over the canvas, keep keyframes that
    show real progress, and give every rejected frame a reason."""
    from ..clean.stage import canvas_items, clean_item
    from ..pipeline import run_stage

    check_output_folder(out, "clean")

    params = {"backend": backend, "model": model, "occluded": occluded, "min_change": min_change}
    report = run_reporting(run_stage, "clean", canvas_items(canvas), clean_item, out, params, workers=workers)
    print_report(report, out)

