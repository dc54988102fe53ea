"""``inverse-painting synth``: painting processes with exact ground truth from any images."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import typer

from ..pipeline.atomic import check_output_folder
from .app import app
from .common import print_report, run_reporting


@app.command("synth")
def synth_command(
    source: str = typer.Argument(..., help="Image folder or file, `sample://stills?seeds=100-102&width=384`, "
                                           "or `hf://<dataset id or folder>` (a Hugging Face image dataset)."),
    out: Path = typer.Option(Path("data/synth"), help="Output folder: one sub-folder per image."),
    size: int = typer.Option(256, min=16, help="Long side of the working canvas in pixels (quality: 512)."),
    strokes: int = typer.Option(600, min=1, help="Stroke budget per image (quality: 2000)."),
    frames: int = typer.Option(24, min=1, help="Keyframes per process; the last is the finished image."),
    layers: int = typer.Option(4, min=1, help="Depth layers, painted far to near."),
    order: Literal["layers", "passes"] = typer.Option("layers", help="`layers`: each layer coarse to fine; `passes`: "
                                                                      "each pass far to near."),
    depth_backend: Literal["prior", "depth-anything"] = typer.Option("prior", help="Depth for layering: `prior` "
                                                                                   "(offline) or `depth-anything`."),
    depth_model: str = typer.Option("depth-anything/Depth-Anything-V2-Small-hf",
                                    help="Depth Anything Hub id or local folder (with --depth-backend depth-anything)."),
    split: str = typer.Option("train", help="Dataset split (hf:// sources)."),
    column: str = typer.Option("image", help="Image column (hf:// sources)."),
    limit: int = typer.Option(0, min=0, help="Use at most this many images (0: all)."),
    workers: int = typer.Option(2, min=1, help="Parallel worker processes."),
) -> None:
    """Decompose each image into brush strokes, order them back to front by depth and
    coarse to fine, and write the painting process: sequence.json + keyframes/ (the
    format of cleaned real recordings, origin "synthetic"), per-step masks/, region
    labels, strokes.parquet, process.mp4/.gif and a contact sheet."""
    from ..pipeline import run_stage
    from ..synth.config import SynthConfig
    from ..synth.stage import synth_item, synth_items

    check_output_folder(out, "synth")

    params = {**SynthConfig(size=size, strokes=strokes, frames=frames, layers=layers, order=order,
                            depth_backend=depth_backend, depth_model=depth_model).to_dict(),
              "input": source, "out": str(out), "dataset_split": split, "dataset_column": column, "limit": limit}
    try:
        items = synth_items(params)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="SOURCE") from None
    report = run_reporting(run_stage, "synth", items, synth_item, out, params, workers=workers)
    print_report(report, out)
