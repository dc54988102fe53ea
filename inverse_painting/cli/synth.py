"""``inverse-painting synth``: painting processes with exact ground truth from any images."""

from __future__ import annotations

from pathlib import Path

import typer

from ..config import replace, setting_type
from ..pipeline.atomic import check_output_folder
from ..synth.config import SynthConfig
from .app import app
from .common import print_report, run_reporting

SYNTH = SynthConfig()  # the defaults of the synth stage: one place for params and options
Order = setting_type(SynthConfig, "order")
DepthBackend = setting_type(SynthConfig, "depth_backend")


@app.command("synth")
def synth_command(
    source: str = typer.Argument(SYNTH.input, help="Image folder or file, `sample://stills?seeds=100-102&width=384`, "
                                                   "or `hf://<dataset id or folder>` (a Hugging Face image dataset)."),
    out: Path = typer.Option(Path(SYNTH.out), help="Output folder: one sub-folder per image."),
    size: int = typer.Option(SYNTH.size, min=16, help="Long side of the working canvas in pixels (quality: 512)."),
    strokes: int = typer.Option(SYNTH.strokes, min=1, help="Stroke budget per image (quality: 2000)."),
    frames: int = typer.Option(SYNTH.frames, min=1, help="Rendered frames per process (the keyframes with --no-recut); "
                                                         "the last is the finished image."),
    recut: bool = typer.Option(bool(SYNTH.keyframe_gap_s), help="Keep a rendered frame as a keyframe only after "
                                                                "12-34 s of strokes that visibly changed the canvas."),
    layers: int = typer.Option(SYNTH.layers, min=1, help="Depth layers, painted far to near."),
    order: Order = typer.Option(SYNTH.order, help="`layers`: each layer coarse to fine; `passes`: each pass far to "
                                                  "near."),
    depth_backend: DepthBackend = typer.Option(SYNTH.depth_backend, help="Depth for layering: `prior` (offline) or "
                                                                         "`depth-anything`."),
    depth_model: str = typer.Option(SYNTH.depth_model, help="Depth Anything Hub id or local folder "
                                                            "(with --depth-backend depth-anything)."),
    split: str = typer.Option(SYNTH.dataset_split, help="Dataset split (hf:// sources)."),
    column: str = typer.Option(SYNTH.dataset_column, help="Image column (hf:// sources)."),
    limit: int = typer.Option(SYNTH.limit, min=0, help="Use at most this many images (0: all)."),
    workers: int = typer.Option(SYNTH.workers, min=1, help="Parallel worker processes."),
) -> None:
    """Decompose each image into brush strokes, order them back to front by depth and
    coarse to fine, and write the painting process: sequence.json + keyframes/ (the
    format of cleaned real recordings, origin "synthetic"), per-step masks/, region
    labels, strokes.parquet, process.mp4/.gif and a contact sheet."""
    from ..pipeline import run_stage
    from ..synth.stage import synth_item, synth_items

    check_output_folder(out, "synth")
    config = replace(SYNTH, input=source, out=str(out), size=size, strokes=strokes, frames=frames, layers=layers,
                     keyframe_gap_s=SYNTH.keyframe_gap_s if recut else (),
                     order=order, depth_backend=depth_backend, depth_model=depth_model, dataset_split=split,
                     dataset_column=column, limit=limit, workers=workers)
    try:
        items = synth_items(config)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="SOURCE") from None
    report = run_reporting(run_stage, "synth", items, synth_item, out, config)
    print_report(report, out)
