"""``inverse-painting sample``: generate sample time-lapses and stills."""

from __future__ import annotations

from pathlib import Path

import typer

from ..pipeline.atomic import claim_output_folder
from ..sample.uri import STILL_WIDTH, parse_seeds as parse
from ..sample.video import SampleSpec
from .app import app
from .common import console

SPEC = SampleSpec()  # a sample video's defaults


@app.command("sample")
def sample_command(
    out: Path = typer.Argument(..., help="Folder to write into: one sub-folder per video, stills/ for stills."),
    seeds: str = typer.Option("0", help="Comma-separated seeds, or a range like 0-4."),
    duration: float = typer.Option(SPEC.duration_s, min=16, help="Video length in seconds."),
    fps: float = typer.Option(SPEC.fps, min=1, help="Video frame rate."),
    stills: int = typer.Option(0, min=0, help="Also write this many finished still paintings (seeds 100+)."),
    still_width: int = typer.Option(STILL_WIDTH, min=16, help="Width of the stills in pixels."),
    videos: bool = typer.Option(True, help="Write the videos (use --no-videos for stills only)."),
) -> None:
    """Generate deterministic sample painting time-lapses with exact ground truth.

    Each video folder holds video.mp4 (1280x720 H.264), ground_truth.json (canvas quad,
    hand occlusion, layer and clean state per frame), states/ and final.png.
    """
    from ..sample import generate_sample_video, write_stills

    claim_output_folder(out, "sample")

    seed_list = parse_seeds(seeds)
    if videos:
        for seed in seed_list:
            dest = out / f"sample-landscape-{seed:04d}"
            gt = generate_sample_video(dest, SampleSpec(seed=seed, duration_s=duration, fps=fps), progress=True)
            console.print(f"{dest}: {gt['n_frames']} frames, {len(gt['layers'])} layers, "
                          f"{gt['occluded_fraction']:.0%} of frames with the hand over the canvas")
    if stills:
        paths = write_stills(out / "stills", range(100, 100 + stills), still_width)
        console.print(f"{out / 'stills'}: {len(paths)} still paintings")


def parse_seeds(text: str) -> list[int]:
    try:
        return parse(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r}: expected seeds like '0,3,5' or '0-4'") from None
