"""Painting a picture: the loop's rules, its outputs, the command, the stage."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from inverse_painting.cli import app
from inverse_painting.models import PaintingModel
from inverse_painting.painting import PaintSettings, load_painter, paint
from inverse_painting.perceptual import load_distance
from inverse_painting.painting.loop import choose_mask
from inverse_painting.sample import make_landscape

runner = CliRunner(env={"COLUMNS": "300", "NO_COLOR": "1"})
DELTA_E = load_distance("delta-e")  # the named stand-in: these tests check the loop, not LPIPS
TINY = dict(resolution=32, renderer_channels=(8, 16, 16), mask_channels=(8, 16, 16), head_channels=(8, 16),
            token_width=16)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("painter")
    PaintingModel(vocabulary=["sky", "mountains", "water"], **TINY).save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    path = tmp_path_factory.mktemp("pic") / "landscape.png"
    Image.fromarray(make_landscape(4, (90, 60)).final()).save(path)
    return path


def test_choose_mask_follows_thresholds_area_and_overlap():
    probs = np.zeros((20, 20), np.float32)
    probs[:10] = 0.45  # half the canvas at 0.45, a sliver at 0.9
    probs[0, :4] = 0.9
    outstanding = np.zeros((20, 20), bool)
    outstanding[15:] = True
    s = PaintSettings()
    mask, thr, source = choose_mask(probs, None, outstanding, s)
    assert (thr, source) == (0.4, "generator") and mask.sum() == 200  # 0.5 gives < 5 % area
    mask, thr, source = choose_mask(probs, probs > 0.4, outstanding, s)
    assert source == "outstanding" and np.array_equal(mask, outstanding)  # candidates repeat the last mask
    mask, thr, source = choose_mask(probs, probs > 0.4, outstanding[::-1], s)
    assert source == "outstanding" and np.array_equal(mask, outstanding[::-1])
    mask, thr, source = choose_mask(probs, probs > 0.4, probs > 0.4, s)
    assert source == "lowest-threshold" and thr == 0.1 and mask.sum() == 200
    mask, thr, source = choose_mask(np.zeros((20, 20), np.float32), None, np.zeros((20, 20), bool), s)
    assert source == "outstanding" and mask.all()  # nothing left to choose: the whole canvas


def test_unchanging_renderer_stops_after_two_small_changes(model_dir, monkeypatch):
    import inverse_painting.models.sampler as sampler

    monkeypatch.setattr(sampler, "render_next", lambda model, current, *a, **k: (current, 1))
    result = paint(load_painter(model_dir), make_landscape(2, (48, 32)).final(), PaintSettings(max_frames=10), DELTA_E)
    assert len(result.steps) == 2 and "consecutive" in result.stop_reason
    assert all(np.array_equal(f, result.frames[0]) for f in result.frames)


def test_rendering_the_target_converges_and_stops_on_distance(model_dir, monkeypatch):
    import inverse_painting.models.sampler as sampler

    monkeypatch.setattr(sampler, "render_next", lambda model, current, target, *a, **k: (target, 1))
    target = make_landscape(2, (64, 48)).final()
    result = paint(load_painter(model_dir), target, PaintSettings(max_frames=25, stop_fallback=0.02), DELTA_E)
    distances = [s.distance for s in result.steps]
    assert distances[-1] < distances[0] and result.stop_reason.startswith("distance to target")
    assert distances[-1] < 0.02


def test_paint_command_writes_every_output_and_keeps_pixels_outside_masks(model_dir, picture, tmp_path):
    out = tmp_path / "video.mp4"
    r = runner.invoke(app, ["paint", str(picture), "--model", str(model_dir), "--max-frames", "3", "--distance", "delta-e",
                            "--interval", "15", "--out", str(out), "--sampler-steps", "2"])
    assert r.exit_code == 0, r.output
    folder = tmp_path / "video"
    record = json.loads((folder / "paint.json").read_text())
    n = record["keyframes"]
    assert 1 <= n <= 3 and record["unet_passes"] == n * 3  # mask generator + 2 sampler steps
    assert [s["t_s"] for s in record["steps"]] == [15.0 * (k + 1) for k in range(n)]
    frames = [np.asarray(Image.open(folder / "frames" / f"{k:03d}.png")) for k in range(n + 1)]
    assert frames[0].shape == (60, 90, 3) and (frames[0] == 255).all()  # input aspect kept, white start
    for k in range(1, n + 1):
        mask = np.asarray(Image.open(folder / "masks" / f"{k:03d}.png")) > 0
        assert np.array_equal(frames[k][~mask], frames[k - 1][~mask])
    from inverse_painting.media import probe_video

    info = probe_video(out)
    assert (info.width, info.height) == (90, 60) and info.n_frames >= n + 1
    assert Image.open(folder / "timelapse.gif").n_frames >= n + 1
    time_map = np.asarray(Image.open(folder / "time_map.png"))
    assert time_map.shape == (60, 90, 3) and time_map.any()
    assert cv2.imread(str(folder / "contact_sheet.png")).shape[1] >= 160 * (n + 1) - 1


def test_paint_command_rejects_unreadable_images_clearly(model_dir, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image at all")
    r = runner.invoke(app, ["paint", str(bad), "--model", str(model_dir), "--out", str(tmp_path / "o.mp4"),
                            "--distance", "delta-e"])
    assert r.exit_code == 1 and "not a readable image" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o.mp4").exists() and not (tmp_path / "o").exists()
    r = runner.invoke(app, ["paint", str(bad), "--model", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1 and "no trained painting model" in r.output


def test_paint_stage_paints_each_held_out_target_once(model_dir, tmp_path):
    from inverse_painting.painting.stage import PaintConfig, paint_item, paint_items
    from inverse_painting.pipeline import run_stage
    from inverse_painting.records import load_pairs
    from inverse_painting.sample.pairs import write_sample_pairs_dataset

    ds = write_sample_pairs_dataset(tmp_path / "ds", {"train": [5, 6], "validation": [5, 6]}, steps=3, size=(48, 32))
    params = PaintConfig(dataset=str(ds), model=str(model_dir), max_frames=2, sampler_steps=1, distance="delta-e")
    assert params.split == "validation" and params.interval == "auto"
    items = paint_items(str(ds), "validation", str(model_dir))
    assert [i.id for i in items] == ["sample-landscape-0005", "sample-landscape-0006"]
    assert all(set(i.payload) == {"painting_id", "target_sha", "model_sha"} for i in items)  # content, no paths
    report = run_stage("paint", items, paint_item, tmp_path / "paint", params, progress=False)
    assert report.ok == 2 and (tmp_path / "paint" / "sample-landscape-0006" / "timelapse.mp4").is_file()
    record = json.loads((tmp_path / "paint" / "sample-landscape-0005" / "paint.json").read_text())
    dts = load_pairs(ds, "train")["dt"]  # auto: the median step of the train split
    assert record["settings"]["interval"] == pytest.approx(float(np.median(dts)))
    again = run_stage("paint", items, paint_item, tmp_path / "paint", params, progress=False)
    assert again.cached == 2


def test_paint_outputs_are_named_after_the_picture_and_a_gif_is_a_gif(model_dir, picture, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["paint", str(picture), "--model", str(model_dir), "--sampler-steps", "1", "--interval", "10",
            "--distance", "delta-e"]
    r = runner.invoke(app, args + ["--max-frames", "3"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "landscape_painting.mp4").stat().st_size > 0
    first = json.loads((tmp_path / "landscape_painting" / "paint.json").read_text())["keyframes"]
    r = runner.invoke(app, args + ["--max-frames", "1"])  # a second run replaces the first as a whole
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "landscape_painting" / "frames").iterdir()) == ["000.png", "001.png"]
    assert first >= 1
    r = runner.invoke(app, args + ["--max-frames", "1", "--out", "small.gif"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "small.gif").read_bytes()[:6] == b"GIF89a"
    assert Image.open(tmp_path / "small.gif").n_frames >= 2
    assert (tmp_path / "small" / "timelapse.mp4").is_file() and not (tmp_path / "small" / "timelapse.gif").exists()


def test_lpips_is_the_default_distance_and_missing_weights_say_what_to_run(model_dir, picture, tmp_path, monkeypatch):
    from inverse_painting.perceptual import LPIPS, LpipsUnavailable

    monkeypatch.chdir(tmp_path)
    with pytest.raises(LpipsUnavailable, match="run `inverse-painting weights`"):
        load_distance()
    r = runner.invoke(app, ["paint", str(picture), "--model", str(model_dir), "--max-frames", "1"])
    assert r.exit_code == 1 and "LPIPS weights missing" in r.output and not (tmp_path / "landscape_painting").exists()
    LPIPS.random().save_pretrained(tmp_path / "models" / "weights" / "lpips")  # the weights stage's layout
    assert load_distance().name == "lpips-random-weights (not a metric)"  # found, and never passed off as LPIPS


def test_paint_config_is_strict_and_its_choices_are_the_registries():
    from typing import get_args

    from inverse_painting.config import ConfigError, parse_config, setting_type
    from inverse_painting.models.sampler import SAMPLERS
    from inverse_painting.painting.stage import LOOP, PaintConfig
    from inverse_painting.perceptual.distance import DISTANCES

    assert get_args(setting_type(PaintConfig, "sampler")) == SAMPLERS.names()
    assert get_args(setting_type(PaintConfig, "distance")) == DISTANCES.names()
    with pytest.raises(ConfigError, match="paint.max_frame: unknown setting; did you mean 'max_frames'"):
        parse_config(PaintConfig, {"max_frame": 3}, "paint")
    with pytest.raises(ConfigError, match="paint.sampler: 'euler' is not one of"):
        parse_config(PaintConfig, {"sampler": "euler"}, "paint")
    config = parse_config(PaintConfig, {"interval": 15, "thresholds": [0.5, 0.2]}, "paint")
    settings = config.settings(15.0)
    assert settings.thresholds == (0.5, 0.2) and settings.max_frames == LOOP.max_frames == PaintConfig().max_frames
    assert parse_config(PaintConfig, {}, "paint").interval == "auto"


def test_model_commands_take_their_defaults_from_the_stage_configs():
    import typer.main

    from inverse_painting.evaluation.config import EvaluateConfig
    from inverse_painting.painting.stage import LOOP, PaintConfig
    from inverse_painting.training.config import TrainConfig

    commands = typer.main.get_command(app).commands

    def defaults(name):
        return {p.name: p.default for p in commands[name].params}

    train, paint_, evaluate = defaults("train"), defaults("paint"), defaults("evaluate")
    assert (train["steps"], train["lr"], str(train["out"])) == (TrainConfig.steps, TrainConfig.lr, TrainConfig.out)
    assert (paint_["max_frames"], paint_["sampler"], paint_["distance"], paint_["interval"]) == (
        PaintConfig.max_frames, PaintConfig.sampler, PaintConfig.distance, LOOP.interval)
    assert (evaluate["interval"], str(evaluate["real_sequence"]), str(evaluate["curves"])) == (
        "auto", EvaluateConfig.real_sequence, EvaluateConfig.curves)
