"""A copied checkout (new place, new file times) finds every finished item done: completion
markers hold paths relative to the stage's folders and content hashes, never absolute paths
or modification times."""

from __future__ import annotations

import shutil

from inverse_painting.annotate.annotate import annotate_item, annotate_items
from inverse_painting.annotate.config import AnnotateConfig
from inverse_painting.canvas.person import PersonShotConfig
from inverse_painting.canvas.stage import CanvasConfig, canvas_item, frames_items
from inverse_painting.clean.fused import FusedOccluderConfig
from inverse_painting.clean.stage import CleanConfig, canvas_items, clean_item
from inverse_painting.mediapipe_models.settings import MediaPipeSettings
from inverse_painting.ingest.fetch import FetchConfig, fetch_item, fetch_items
from inverse_painting.ingest.frames import FramesConfig, fetched_items, frames_item
from inverse_painting.ingest.sources import load_manifest
from inverse_painting.media.images import write_image
from inverse_painting.painting.stage import PaintConfig, paint_item, paint_items
from inverse_painting.perceptual.masks import MaskSettings
from inverse_painting.pipeline import run_stage
from inverse_painting.sample import generate_still
from inverse_painting.synth.config import SynthConfig
from inverse_painting.synth.stage import synth_item, synth_items

TINY_PAINTER = dict(resolution=32, renderer_channels=(8, 16), mask_channels=(8, 16), head_channels=(8,),
                    token_width=16)


def _stages():
    """Run every per-item stage in the current folder; return their reports."""
    fetch = FetchConfig(sources="sources.yaml", out="raw", workers=1)
    frames = FramesConfig(raw="raw", out="frames", rate=0.5, workers=1)
    canvas = CanvasConfig(frames="frames", out="canvas", width=128, workers=1, person=PersonShotConfig(enabled=False))
    clean = CleanConfig(canvas="canvas", frames="frames", out="keyframes", analysis_width=96, workers=1,
                        fused=FusedOccluderConfig(mediapipe=MediaPipeSettings(enabled=False)))
    synth = SynthConfig(input="images", out="synth", size=32, strokes=12, steps=(2, 2, 1, 1), frames=3, layers=2,
                        gif=False, workers=1)
    annotate = AnnotateConfig(keyframes="keyframes", synth="synth", out="annotations",
                              masks=MaskSettings(backend="lab"), mask_sizes=(16,), workers=1)
    paint = PaintConfig(dataset="pairs", model="painter", out="paint", max_frames=1, sampler_steps=1,
                        distance="delta-e")
    reports = {"fetch": run_stage("fetch", fetch_items(load_manifest(fetch.sources), fetch), fetch_item, fetch.out,
                                  fetch, progress=False)}
    reports["frames"] = run_stage("frames", fetched_items(frames.raw), frames_item, frames.out, frames, progress=False)
    reports["canvas"] = run_stage("canvas", frames_items(canvas.frames), canvas_item, canvas.out, canvas,
                                  progress=False)
    reports["clean"] = run_stage("clean", canvas_items(clean.canvas), clean_item, clean.out, clean, progress=False)
    reports["synth"] = run_stage("synth", synth_items(synth), synth_item, synth.out, synth, progress=False)
    reports["annotate"] = run_stage("annotate", annotate_items(annotate), annotate_item, annotate.out, annotate,
                                    progress=False)
    reports["paint"] = run_stage("paint", paint_items(paint.dataset, paint.split, paint.model), paint_item,
                                 paint.out, paint, progress=False)
    return reports


def _inputs(root, video) -> None:
    """A local video in a manifest, two tiny pictures for synth, a tiny dataset and model for paint."""
    import torch

    from inverse_painting.models.painting_model import PaintingModel
    from inverse_painting.sample.pairs import write_sample_pairs_dataset

    (root / "videos").mkdir(parents=True)
    shutil.copy(video, root / "videos" / "clip.mp4")
    (root / "sources.yaml").write_text("sources:\n  - url: videos/clip.mp4\n    licence: CC0-1.0\n")
    for seed in (3, 4):
        write_image(root / "images" / f"still-{seed}.png", generate_still(seed, 40))
    write_sample_pairs_dataset(root / "pairs", {"train": [1], "validation": [2]}, steps=2, size=(32, 24))
    torch.manual_seed(0)
    PaintingModel(vocabulary=["sky", "water"], **TINY_PAINTER).save_pretrained(root / "painter")


def test_a_copied_checkout_redoes_nothing(tmp_path, short_sample, monkeypatch):
    video_dir, _ = short_sample
    first = tmp_path / "checkout"
    _inputs(first, video_dir / "video.mp4")
    monkeypatch.chdir(first)
    reports = _stages()
    assert all(r.ok == r.items and r.cached == 0 for r in reports.values()), \
        {name: [(row.status, row.reason) for row in r.rows] for name, r in reports.items()}
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(first, moved, copy_function=shutil.copy)  # new modification times everywhere
    monkeypatch.chdir(moved)
    again = _stages()
    assert {name: r.cached for name, r in again.items()} == {name: r.items for name, r in reports.items()}
