"""``inverse-painting train``, ``paint`` and ``evaluate``: the compact model outside DVC."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

import typer

from ..pipeline.atomic import check_output_folder
from .app import app
from .common import console, progress_bar


@app.command("train")
def train_command(
    dataset: Path = typer.Option(Path("data/dataset"), help="Built dataset folder (Hub layout: data/<config>/<split>-*.parquet)."),
    out: Path = typer.Option(Path("models/painter"), help="Model folder (save_pretrained) with checkpoints/ inside."),
    steps: int = typer.Option(200, min=1, help="Optimisation steps in total (a rerun resumes from the last checkpoint)."),
    resolution: int = typer.Option(128, min=16, help="Square working size in pixels (a multiple of 8)."),
    batch_size: int = typer.Option(4, min=1, help="Pairs per step (per process)."),
    lr: float = typer.Option(1e-3, min=0, help="AdamW learning rate."),
    seed: int = typer.Option(0, help="Seed of every random draw (resuming stays exact)."),
    live_dir: Path = typer.Option(Path("dvclive"), help="dvclive folder for metrics and plots."),
) -> None:
    """Train the renderer, mask generator and instruction head on the train split.

    Runs on CPU or CUDA as accelerate finds them; for several GPUs run
    `accelerate launch "$(which inverse-painting)" train ...`."""
    from ..training import TrainConfig, train

    check_output_folder(out, "train")
    result = train(TrainConfig(dataset=str(dataset), out=str(out), steps=steps, resolution=resolution,
                               batch_size=batch_size, lr=lr, seed=seed, live_dir=str(live_dir)))
    console.print(f"trained {result.steps} steps (resumed from {result.resumed_from}) in {result.seconds:.1f} s -> {out}")


@app.command("paint")
def paint_command(
    picture: Path = typer.Argument(..., help="The finished painting (any image format, size and aspect ratio)."),
    model: Path = typer.Option(..., "--model", help="Trained model folder (from `train`)."),
    interval: float = typer.Option(20.0, min=0.1, help="Seconds of painting per generated keyframe."),
    max_frames: int = typer.Option(30, min=1, help="Stop after this many keyframes at the latest."),
    out: Optional[Path] = typer.Option(
        None, help="The time-lapse: a .mp4 or .gif file (frames, masks, contact sheet and time map go to a folder "
                   "of the same name beside it), or a folder for everything. Default: <picture name>_painting.mp4."),
    sampler: Literal["ddim", "dpm"] = typer.Option("ddim", help="Few-step sampler."),
    sampler_steps: int = typer.Option(4, min=1, help="Sampler steps per keyframe."),
    guidance: float = typer.Option(1.0, min=0, help="Classifier-free guidance scale (1 = off, half the UNet passes)."),
    seed: int = typer.Option(0, help="Noise seed."),
    max_side: int = typer.Option(512, min=16, help="Long side of the output frames in pixels."),
    distance: Literal["lpips", "delta-e"] = typer.Option("lpips", help="Distance of the stop test: LPIPS with the "
                                                                      "official weights, or the Delta E stand-in."),
    lpips_weights: Path = typer.Option(Path("models/weights"), help="LPIPS weights: the `weights` stage's folder "
                                                                    "or one holding the official files."),
) -> None:
    """Turn a finished painting into a time-lapse of how it could have been painted.

    From a white canvas, each step predicts an instruction, a mask and the next frame, keeping
    the pixels outside the mask; it stops when the canvas is close to the picture, stops
    changing, or after --max-frames. The output is checked before any work starts."""
    from ..media.images import read_image
    from ..painting import PaintingOutput, PaintSettings, load_painter, paint
    from ..perceptual.distance import load_distance

    target = PaintingOutput.for_picture(picture, out)
    painter = load_painter(model)
    image = read_image(picture)
    settings = PaintSettings(interval=interval, max_frames=max_frames, sampler=sampler, sampler_steps=sampler_steps,
                             guidance=guidance, seed=seed, max_output_side=max_side)
    distance_fn = load_distance(distance, str(lpips_weights))
    with progress_bar(total=max_frames, desc="paint", unit="keyframe") as bar:
        def on_step(step) -> None:
            bar.update(1)
            bar.set_postfix(distance=f"{step.distance:.3f}", mask=f"{step.mask_area:.0%}", label=step.label)

        result = paint(painter, image, settings, distance_fn, on_step)
    written = target.save(result)
    record = result.record()
    console.print(f"{record['keyframes']} keyframes ({record['stop_reason']}), {record['s_per_keyframe']} s each "
                  f"-> {', '.join(str(p) for p in written)}")


@app.command("evaluate")
def evaluate_command(
    dataset: Path = typer.Option(Path("data/dataset"), help="Built dataset folder."),
    split: str = typer.Option("validation", help="Split whose paintings are the real processes."),
    model: Path = typer.Option(Path("models/painter"), help="Trained model folder."),
    paint_dir: Path = typer.Option(Path("data/paint"), help="Paint-stage outputs to reuse (missing paintings are painted)."),
    real_sequence: Path = typer.Option(None, help="Optional folder of real keyframes named NN_t<seconds>s.jpg."),
    out: Path = typer.Option(Path("reports/evaluate"), help="Folder for curves, per-painting scores and paintings."),
    report: Path = typer.Option(Path("reports/evaluate.json"), help="The metrics JSON."),
    interval: float = typer.Option(20.0, min=0.1, help="Seconds per generated keyframe."),
    lpips_weights: Path = typer.Option(Path("models/weights"), help="LPIPS weights: the `weights` stage's folder "
                                                                    "or one holding the official files."),
    fid_inception: Path = typer.Option(None, help="TorchScript inception-2015-12-05.pt (else FID is unavailable)."),
) -> None:
    """Score the model and two baselines (cross-fade, stroke process) with the paper's
    metrics: LPIPS, IoU, DDC, DTS and FID."""
    from ..evaluation.stage import run_evaluation, table

    check_output_folder(out, "evaluate")
    params = {"dataset": str(dataset), "split": split, "model": str(model), "paint": str(paint_dir),
              "real_sequence": str(real_sequence) if real_sequence else "", "out": str(out),
              "curves": str(out / "curves"), "interval": interval, "max_frames": 30, "eval_long_side": 256,
              "baseline_frames": "auto", "lpips_weights": str(lpips_weights),
              "fid_inception": str(fid_inception) if fid_inception else ""}
    result = run_evaluation(params, report)
    console.print(table(result))
    console.print(f"-> {report}")
