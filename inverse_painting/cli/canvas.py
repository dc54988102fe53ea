"""``inverse-painting canvas`` and ``clean``: real-video ingestion outside DVC."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer

from ..canvas.stage import CanvasConfig
from ..clean.stage import CleanConfig
from ..config import replace, setting_type
from ..pipeline.atomic import check_output_folder
from .app import app
from .common import print_report, run_reporting

CANVAS = CanvasConfig()  # the defaults of the canvas stage: one place for params and options
CLEAN = CleanConfig()  # the defaults of the clean stage
CanvasBackend = setting_type(CanvasConfig, "backend")
CanvasConfirm = setting_type(CanvasConfig, "confirm")
OccluderBackend = setting_type(CleanConfig, "backend")
Occluded = setting_type(CleanConfig, "occluded")


@app.command("canvas")
def canvas_command(
    frames: Path = typer.Argument(Path(CANVAS.frames), help="Folder of sampled frames (from `frames`)."),
    out: Path = typer.Option(Path(CANVAS.out), help="Output folder: canvas.json + rectified/ per video."),
    backend: CanvasBackend = typer.Option(CANVAS.backend, help="Canvas detector."),
    model: str = typer.Option(CANVAS.grounding_dino.model, help="grounding-dino: Hub id or local folder."),
    width: int = typer.Option(CANVAS.width, min=16, help="Rectified canvas width in pixels (height from the aspect)."),
    margin: float = typer.Option(CANVAS.margin, min=0, max=1,
                                 help="Surroundings kept around the canvas (share of width)."),
    confirm: CanvasConfirm = typer.Option(CANVAS.confirm, help="A second opinion on partial views."),
    weights: Path = typer.Option(Path(CANVAS.person.weights), help="The weights stage's folder (MediaPipe)."),
    person: bool = typer.Option(CANVAS.person.enabled, help="Refuse person shots (MediaPipe person segmentation)."),
    workers: int = typer.Option(CANVAS.workers, min=1, help="Parallel worker processes."),
) -> None:
    """Find the canvas in every sampled frame (camera segments, then per segment the whole canvas,
    a partial view or a registered close-up) and rectify it into its plane; frames without a
    canvas are recorded as "no canvas" with the reason."""
    from ..canvas.stage import canvas_item, frames_items
    from ..pipeline import run_stage

    check_output_folder(out, "canvas")
    config = replace(CANVAS, frames=str(frames), out=str(out), backend=backend, width=width, margin=margin,
                     confirm=confirm, workers=workers, grounding_dino=dataclasses.replace(CANVAS.grounding_dino, model=model),
                     person=dataclasses.replace(CANVAS.person, weights=str(weights), enabled=person))
    report = run_reporting(run_stage, "canvas", frames_items(frames), canvas_item, out, config)
    print_report(report, out)


@app.command("clean")
def clean_command(
    canvas: Path = typer.Argument(Path(CLEAN.canvas), help="Folder of rectified frames (from `canvas`)."),
    frames: Path = typer.Option(Path(CLEAN.frames), help="Folder of sampled frames and companions (from `frames`)."),
    out: Path = typer.Option(Path(CLEAN.out), help="Output folder: sequence.json + keyframes/ per sequence."),
    backend: OccluderBackend = typer.Option(CLEAN.backend, help="Occluder detector."),
    model: str = typer.Option(CLEAN.grounding_dino.model, help="grounding-dino: Hub id or local folder."),
    occluded: Occluded = typer.Option(CLEAN.occluded, help="Frames with a hand over the canvas: drop, or fill "
                                                            "from the last clean frame."),
    min_change: float = typer.Option(CLEAN.keyframes.min_change, min=0, max=1,
                                     help="Share of the canvas that must change between keyframes."),
    weights: Path = typer.Option(Path(CLEAN.fused.mediapipe.weights), help="The weights stage's folder (MediaPipe)."),
    mediapipe: bool = typer.Option(CLEAN.fused.mediapipe.enabled, help="fused: the hand and person signals."),
    workers: int = typer.Option(CLEAN.workers, min=1, help="Parallel worker processes."),
) -> None:
    """Drop (or fill) frames with hands, arms or brushes over the canvas, keep keyframes that
    show real progress (one sequence per canvas plane), and give every rejected frame a reason."""
    from ..clean.stage import canvas_items, clean_item
    from ..pipeline import run_stage

    check_output_folder(out, "clean")
    fused = dataclasses.replace(CLEAN.fused, mediapipe=dataclasses.replace(CLEAN.fused.mediapipe, weights=str(weights),
                                                                          enabled=mediapipe))
    config = replace(CLEAN, canvas=str(canvas), frames=str(frames), out=str(out), backend=backend, occluded=occluded,
                     workers=workers, fused=fused, grounding_dino=dataclasses.replace(CLEAN.grounding_dino, model=model),
                     keyframes=dataclasses.replace(CLEAN.keyframes, min_change=min_change))
    report = run_reporting(run_stage, "clean", canvas_items(canvas), clean_item, out, config)
    print_report(report, out)
