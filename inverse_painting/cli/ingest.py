"""``inverse-painting fetch`` and ``frames``: the ingestion steps outside DVC."""

from __future__ import annotations

from pathlib import Path
import typer

from ..pipeline.atomic import check_output_folder
from ..config import replace, setting_type
from ..ingest.frames import FramesConfig
from .app import app
from .common import print_report, run_reporting

FRAMES = FramesConfig()  # the defaults of the frames stage: one place for params and options
VideoReader = setting_type(FramesConfig, "backend")


@app.command("fetch")
def fetch_command(
    manifest: Path = typer.Argument(..., help="Sources manifest (YAML with a 'sources:' list, or CSV)."),
    out: Path = typer.Option(Path("data/raw"), help="Output folder: one sub-folder per video."),
    workers: int = typer.Option(2, min=1, help="Parallel worker processes."),
    max_failure_fraction: float = typer.Option(0.5, min=0, max=1, help="Exit 1 when more items than this fail."),
    allow_local: bool = typer.Option(False, help="Allow file:// URLs and local-network hosts for remote sources."),
) -> None:
    """Fetch every source of a manifest: generate sample:// sources, copy local videos,
    download URLs (playlists and channels expand into their videos, as in the `fetch` stage).
    Finished items are not redone; each item gets a ledger row."""
    from ..ingest.download import DownloadOptions, expand_sources
    from ..ingest.fetch import fetch_item
    from ..ingest.sources import load_manifest
    from ..pipeline import NoItems, run_stage

    check_output_folder(out, "fetch")

    sources = load_manifest(manifest)
    if not sources:
        raise NoItems(f"{manifest}: the manifest lists no sources (expected a 'sources:' list of urls)")
    options = {"allow_local": allow_local}
    items = expand_sources(sources, DownloadOptions.from_params(options))
    report = run_reporting(run_stage, "fetch", items, fetch_item, out, {"download": options},
                           workers=workers, max_failure_fraction=max_failure_fraction)
    print_report(report, out)


@app.command("frames")
def frames_command(
    raw: Path = typer.Argument(Path(FRAMES.raw), help="Folder of fetched videos (from `fetch`)."),
    out: Path = typer.Option(Path(FRAMES.out), help="Output folder: one sub-folder per video."),
    rate: float = typer.Option(FRAMES.rate, min=0.01, help="Frames per second of video to keep."),
    backend: VideoReader = typer.Option(FRAMES.backend, help="Video decoder (auto: decord where it is installed)."),
    workers: int = typer.Option(FRAMES.workers, min=1, help="Parallel worker processes."),
) -> None:
    """Sample timestamped frames from every fetched video at a fixed rate."""
    from ..ingest.frames import fetched_items, frames_item
    from ..pipeline import run_stage

    check_output_folder(out, "frames")
    config = replace(FRAMES, raw=str(raw), out=str(out), rate=rate, backend=backend, workers=workers)
    report = run_reporting(run_stage, "frames", fetched_items(raw), frames_item, out, config)
    print_report(report, out)
