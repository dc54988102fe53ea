"""``inverse-painting fetch``, ``download`` and ``frames``: the ingestion steps outside DVC."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer

from ..config import replace, setting_type
from ..ingest.fetch import FetchConfig
from ..ingest.frames import FramesConfig
from ..pipeline.atomic import check_output_folder
from .app import app
from .common import print_report, run_reporting

FETCH = FetchConfig()  # the defaults of the fetch stage: one place for params and options
FRAMES = FramesConfig()  # the defaults of the frames stage
VideoReader = setting_type(FramesConfig, "backend")


def _download_settings(out: Path, archive: Path | None, **changes):
    """The stage's download settings with ``changes``; the archive sits in ``out`` unless given."""
    archive = archive or out / Path(FETCH.download.archive or ".download-archive.txt").name
    return replace(FETCH.download, archive=str(archive), **changes)


def _fetch(sources, out: Path, config: FetchConfig) -> None:
    from ..ingest.fetch import fetch_item, fetch_items
    from ..pipeline import run_stage

    report = run_reporting(run_stage, "fetch", fetch_items(sources, config), fetch_item, out, config)
    print_report(report, out)


@app.command("fetch")
def fetch_command(
    manifest: Path = typer.Argument(..., help="Sources manifest (YAML with a 'sources:' list, or CSV)."),
    out: Path = typer.Option(Path(FETCH.out), help="Output folder: one sub-folder per video."),
    workers: int = typer.Option(FETCH.workers, min=1, help="Parallel worker processes."),
    max_failure_fraction: float = typer.Option(FETCH.max_failure_fraction, min=0, max=1,
                                               help="Exit 1 when more items than this fail."),
    allow_local: bool = typer.Option(FETCH.download.allow_local,
                                     help="Allow file:// URLs and local-network hosts for remote sources."),
) -> None:
    """Fetch every source of a manifest: generate sample:// sources, copy local videos,
    download URLs (playlists and channels expand into their videos, as in the `fetch` stage).
    Finished items are not redone; each item gets a ledger row."""
    from ..ingest.sources import load_manifest
    from ..pipeline import NoItems

    check_output_folder(out, "fetch")
    sources = load_manifest(manifest)
    if not sources:
        raise NoItems(f"{manifest}: the manifest lists no sources (expected a 'sources:' list of urls)")
    config = replace(FETCH, sources=str(manifest), out=str(out), workers=workers,
                     max_failure_fraction=max_failure_fraction,
                     download=_download_settings(out, None, allow_local=allow_local))
    _fetch(sources, out, config)


@app.command("download")
def download_command(
    urls: list[str] = typer.Argument(..., help="Video, playlist or channel URLs."),
    out: Path = typer.Option(Path(FETCH.out), help="Output folder: one sub-folder per video."),
    max_height: int = typer.Option(FETCH.download.max_height, min=144, help="Highest video resolution to fetch."),
    archive: Path = typer.Option(None, help="yt-dlp download archive file (skips videos already downloaded); "
                                            "default: .download-archive.txt in the output folder."),
    rate_limit: str = typer.Option(FETCH.download.rate_limit or "",
                                   help="Download rate limit, e.g. 2M (bytes/s); empty for none."),
    allow_local: bool = typer.Option(FETCH.download.allow_local, help="Allow file:// URLs and local-network hosts."),
    licence: str = typer.Option("", help="Licence to record for these videos (overrides their metadata)."),
) -> None:
    """Download videos with yt-dlp (playlists and channels expand into their videos), keeping
    each video's info JSON; unreadable URLs, 404s and duplicates get a ledger row with the reason."""
    from ..ingest.sources import Source, classify_url

    check_output_folder(out, "fetch")
    download = _download_settings(out, archive, max_height=max_height, allow_local=allow_local)
    config = replace(FETCH, out=str(out), workers=1, download=dataclasses.replace(download, rate_limit=rate_limit or None))
    _fetch([Source(url=u, kind=classify_url(u), licence=licence) for u in urls], out, config)


@app.command("frames")
def frames_command(
    raw: Path = typer.Argument(Path(FRAMES.raw), help="Folder of fetched videos (from `fetch`)."),
    out: Path = typer.Option(Path(FRAMES.out), help="Output folder: one sub-folder per video."),
    rate: float = typer.Option(FRAMES.rate, min=0.01, help="Frames per second of video to keep."),
    backend: VideoReader = typer.Option(FRAMES.backend, help="Video decoder (auto: decord where it is installed, "
                                                             "PyAV for GIFs and files decord refuses)."),
    companions: float = typer.Option(FRAMES.companions_s, min=0, help="Also keep the decoded frames this many "
                                                                      "seconds before and after each sample (0: none)."),
    workers: int = typer.Option(FRAMES.workers, min=1, help="Parallel worker processes."),
) -> None:
    """Sample timestamped frames from every fetched video at a fixed rate."""
    from ..ingest.frames import fetched_items, frames_item
    from ..pipeline import run_stage

    check_output_folder(out, "frames")
    config = replace(FRAMES, raw=str(raw), out=str(out), rate=rate, backend=backend, companions_s=companions,
                     workers=workers)
    report = run_reporting(run_stage, "frames", fetched_items(raw), frames_item, out, config)
    print_report(report, out)
