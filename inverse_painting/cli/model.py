"""``inverse-painting train``, ``paint`` and ``evaluate``: the compact model outside DVC.

Every option's default is the stage config's (``TrainConfig``, ``PaintConfig``,
``EvaluateConfig``): the command line and ``dvc repro`` start from the same settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..config import replace, setting_type
from ..evaluation.config import EvaluateConfig
from ..painting.stage import LOOP, PaintConfig
from ..pipeline.atomic import check_output_folder
from ..training.config import TrainConfig
from .app import app
from .common import console, progress_bar

TRAIN, PAINT, EVALUATE = TrainConfig(), PaintConfig(), EvaluateConfig()
Sampler = setting_type(PaintConfig, "sampler")
Distance = setting_type(PaintConfig, "distance")
MaskBackend = setting_type(EvaluateConfig, "mask_backend")


@app.command("train")
def train_command(
    dataset: Path = typer.Option(Path(TRAIN.dataset), help="Built dataset folder (Hub layout: "
                                                           "data/<config>/<split>-*.parquet)."),
    out: Path = typer.Option(Path(TRAIN.out), help="Model folder (save_pretrained) with checkpoints/ inside."),
    steps: int = typer.Option(TRAIN.steps, min=1, help="Optimisation steps in total (a rerun resumes from the "
                                                       "last checkpoint)."),
    resolution: int = typer.Option(TRAIN.resolution, min=16, help="Square working size in pixels (a multiple of 8)."),
    batch_size: int = typer.Option(TRAIN.batch_size, min=1, help="Pairs per step (per process)."),
    lr: float = typer.Option(TRAIN.lr, min=0, help="AdamW learning rate."),
    seed: int = typer.Option(TRAIN.seed, help="Seed of every random draw (resuming stays exact)."),
    live_dir: Path = typer.Option(Path(TRAIN.live_dir), help="dvclive folder for metrics and plots."),
) -> None:
    """Train the renderer, mask generator and instruction head on the train split.

    Runs on CPU or CUDA as accelerate finds them; for several GPUs run
    `accelerate launch "$(which inverse-painting)" train ...`."""
    from ..training.trainer import train

    check_output_folder(out, "train")
    result = train(replace(TRAIN, dataset=str(dataset), out=str(out), steps=steps, resolution=resolution,
                           batch_size=batch_size, lr=lr, seed=seed, live_dir=str(live_dir)))
    console.print(f"trained {result.steps} steps (resumed from {result.resumed_from}) in {result.seconds:.1f} s -> {out}")


@app.command("paint")
def paint_command(
    picture: Path = typer.Argument(..., help="The finished painting (any image format, size and aspect ratio)."),
    model: Path = typer.Option(..., "--model", help="Trained painting pipeline folder (from `train`)."),
    interval: float = typer.Option(LOOP.interval, min=0.1, help="Seconds of painting per generated "
                                                                         "keyframe (the paper's 20 s by default)."),
    max_frames: int = typer.Option(PAINT.max_frames, min=1, help="Stop after this many keyframes at the latest."),
    out: Optional[Path] = typer.Option(
        None, help="The time-lapse: a .mp4 or .gif file (frames, masks, contact sheet and time map go to a folder "
                   "of the same name beside it), or a folder for everything. Default: <picture name>_painting.mp4."),
    sampler: Sampler = typer.Option(PAINT.sampler, help="Few-step sampler."),
    sampler_steps: int = typer.Option(PAINT.sampler_steps, min=1, help="Sampler steps per keyframe."),
    guidance: float = typer.Option(PAINT.guidance, min=0, help="Classifier-free guidance scale (1 = off, half the "
                                                               "UNet passes)."),
    seed: int = typer.Option(PAINT.seed, help="Noise seed."),
    max_side: int = typer.Option(PAINT.max_output_side, min=16, help="Long side of the output frames in pixels."),
    distance: Distance = typer.Option(PAINT.distance, help="Distance of the stop test: LPIPS with the official "
                                                           "weights, or the Delta E stand-in."),
    lpips_weights: Path = typer.Option(Path(PAINT.lpips_weights), help="LPIPS weights: the `weights` stage's folder "
                                                                       "or one holding the official files."),
) -> None:
    """Turn a finished painting into a time-lapse of how it could have been painted.

    From a white canvas, each step paints what a painter covers in --interval seconds (the area
    rule fitted in training; a longer interval paints larger masks, so fewer keyframes), keeps
    the pixels outside the mask, and the painting ends when nothing is left to paint or nothing
    progresses, on the finished picture (or after --max-frames). The output is checked before
    any work starts."""
    from ..media import read_image
    from ..painting.loop import check_painter
    from ..painting.outputs import PaintingOutput

    target = PaintingOutput.for_picture(picture, out)
    check_painter(model)  # a wrong folder or a bad picture fails here, before seconds of model loading
    image = read_image(picture)

    from ..painting.pipeline import PaintingPipeline

    pipe = PaintingPipeline.load(model)
    config = replace(PAINT, max_frames=max_frames, sampler=sampler, sampler_steps=sampler_steps, guidance=guidance,
                     seed=seed, max_output_side=max_side)
    with progress_bar(total=max_frames, desc="paint", unit="keyframe") as bar:
        def on_step(step) -> None:
            bar.update(1)
            bar.set_postfix(distance=f"{step.distance:.3f}", mask=f"{step.mask_area:.0%}", label=step.label)

        result = pipe(image, on_step=on_step, distance=distance, lpips_weights=str(lpips_weights),
                      **config.settings(interval))
    written = target.save(result, fps=config.video_fps)
    record = result.record()
    console.print(f"{record['keyframes']} keyframes ({record['stop_reason']}), {record['s_per_keyframe']} s each "
                  f"-> {', '.join(str(p) for p in written)}")


def _seconds_or_auto(text: str, option: str) -> float | str:
    """A positive number of seconds, or ``auto``."""
    if text == "auto":
        return text
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise typer.BadParameter(f"{text!r}: give seconds (> 0) or 'auto'", param_hint=option)
    return seconds


@app.command("evaluate")
def evaluate_command(
    dataset: Path = typer.Option(Path(EVALUATE.dataset), help="Built dataset folder."),
    split: str = typer.Option(EVALUATE.split, help="Split whose paintings are the real processes."),
    model: Path = typer.Option(Path(EVALUATE.model), help="Trained model folder."),
    paint_dir: Path = typer.Option(Path(EVALUATE.paint), help="Paint-stage outputs to reuse (missing paintings are "
                                                              "painted)."),
    real_sequence: Path = typer.Option(Path(EVALUATE.real_sequence), help="Folder of real keyframes named "
                                                                          "NN_t<seconds>s.jpg (skipped when absent)."),
    out: Path = typer.Option(Path(EVALUATE.out), help="Folder for curve pictures, per-painting scores and paintings."),
    curves: Path = typer.Option(Path(EVALUATE.curves), help="Folder for the distance-curve CSVs (dvc plots)."),
    report: Path = typer.Option(Path("reports/evaluate.json"), help="The metrics JSON."),
    interval: str = typer.Option(str(EVALUATE.interval), help="Seconds per generated keyframe, or auto (the "
                                                              "median step of the train split)."),
    distance: Distance = typer.Option(EVALUATE.distance, help="Frame distance: LPIPS with the official weights, or "
                                                              "the Delta E stand-in."),
    mask_backend: MaskBackend = typer.Option(EVALUATE.mask_backend, help="Difference masks for IoU."),
    lpips_weights: Path = typer.Option(Path(EVALUATE.lpips_weights), help="LPIPS weights: the `weights` stage's "
                                                                          "folder or one holding the official files."),
    fid_inception: Optional[Path] = typer.Option(None, help="TorchScript inception-2015-12-05.pt (else FID is "
                                                            "unavailable)."),
) -> None:
    """Score the model and three baselines (instant, cross-fade, stroke process) with the
    paper's metrics: LPIPS, IoU, DDC, DTS and FID, with diagnostics beside them."""
    from ..evaluation.report import table
    from ..evaluation.stage import run_evaluation

    check_output_folder(out, "evaluate")
    config = replace(EVALUATE, dataset=str(dataset), split=split, model=str(model), paint=str(paint_dir),
                     real_sequence=str(real_sequence), out=str(out), curves=str(curves),
                     interval=_seconds_or_auto(interval, "--interval"), distance=distance, mask_backend=mask_backend,
                     lpips_weights=str(lpips_weights), fid_inception=str(fid_inception) if fid_inception else None)
    result = run_evaluation(config, report)
    console.print(table(result))
    console.print(f"-> {report}")
