"""A copied checkout (new place, new file times) finds every finished item done: completion
markers hold paths relative to the stage's folders and content hashes, never absolute paths
or modification times."""

from __future__ import annotations

import shutil

from inverse_painting.canvas.stage import CanvasConfig, canvas_item, frames_items
from inverse_painting.clean.stage import CleanConfig, canvas_items, clean_item
from inverse_painting.ingest.fetch import FetchConfig, fetch_item, fetch_items
from inverse_painting.ingest.frames import FramesConfig, fetched_items, frames_item
from inverse_painting.ingest.sources import load_manifest
from inverse_painting.pipeline import run_stage


def _stages(root):
    """Run the per-item stages on ``root`` (the current folder); return their reports."""
    fetch = FetchConfig(sources="sources.yaml", out="raw", workers=1)
    frames = FramesConfig(raw="raw", out="frames", rate=0.5, workers=1)
    canvas = CanvasConfig(frames="frames", out="canvas", width=128, workers=1)
    clean = CleanConfig(canvas="canvas", out="keyframes", analysis_width=96, workers=1)
    return {
        "fetch": run_stage("fetch", fetch_items(load_manifest(fetch.sources), fetch), fetch_item, fetch.out, fetch,
                           progress=False),
        "frames": run_stage("frames", fetched_items(frames.raw), frames_item, frames.out, frames, progress=False),
        "canvas": run_stage("canvas", frames_items(canvas.frames), canvas_item, canvas.out, canvas, progress=False),
        "clean": run_stage("clean", canvas_items(clean.canvas), clean_item, clean.out, clean, progress=False),
    }


def test_a_copied_checkout_redoes_nothing(tmp_path, short_sample, monkeypatch):
    video_dir, _ = short_sample
    first = tmp_path / "checkout"
    (first / "videos").mkdir(parents=True)
    shutil.copy(video_dir / "video.mp4", first / "videos" / "clip.mp4")
    (first / "sources.yaml").write_text("sources:\n  - url: videos/clip.mp4\n    licence: CC0-1.0\n")
    monkeypatch.chdir(first)
    reports = _stages(first)
    assert all(r.ok == r.items and r.cached == 0 for r in reports.values()), \
        {name: [(row.status, row.reason) for row in r.rows] for name, r in reports.items()}
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(first, moved, copy_function=shutil.copy)  # new modification times everywhere
    monkeypatch.chdir(moved)
    again = _stages(moved)
    assert {name: r.cached for name, r in again.items()} == {name: r.items for name, r in reports.items()}
