"""Painting a picture: the step rules, the loop, the pipeline, its outputs, the command, the stage."""

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
from inverse_painting.models.sampler import make_scheduler
from inverse_painting.painting import AreaRule, PaintingPipeline
from inverse_painting.painting.loop import FINISH
from inverse_painting.painting.steps import StopRule, choose_mask, composite
from inverse_painting.perceptual import load_distance
from inverse_painting.sample import make_landscape

runner = CliRunner(env={"COLUMNS": "300", "NO_COLOR": "1"})
TINY = dict(resolution=32, mask_resolution=16, renderer_channels=(8, 16, 16), mask_channels=(8, 16, 16),
            head_channels=(8, 16), token_width=16)
RULE = AreaRule(c0=-4.0, c_first=1.0, c_dt=1.0, c_left=0.3, max_step_area=0.33)  # a step of 20 s paints ~0.37 left^0.3


def tiny_pipeline(rule: AreaRule = RULE) -> PaintingPipeline:
    torch.manual_seed(0)
    model = PaintingModel(vocabulary=["sky", "mountains", "water"], **TINY).eval()
    return PaintingPipeline(model, make_scheduler(model.config), area_rule=rule.to_dict())


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("painter")
    tiny_pipeline().save_pretrained(str(out))
    return out


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    path = tmp_path_factory.mktemp("pic") / "landscape.png"
    Image.fromarray(make_landscape(4, (90, 60)).final()).save(path)
    return path


def test_area_rule_grows_with_interval_and_shrinks_with_what_is_left():
    assert RULE.area(5, 0.8, False) < RULE.area(10, 0.8, False) < RULE.area(20, 0.8, False)
    assert RULE.area(10, 0.2, False) < RULE.area(10, 0.8, False)
    assert RULE.area(1000, 1.0, False) == RULE.max_step_area  # capped after the first step
    assert RULE.area(1000, 1.0, True) == 1.0 and RULE.area(1000, 0.1, False) <= 0.1  # never more than is left
    dt = np.exp(np.random.default_rng(0).uniform(0, 3, 200))
    fitted = AreaRule.fit(dt, 0.01 * dt, np.ones(200), np.ones(200, int))
    assert fitted.c_dt == pytest.approx(1.0, abs=1e-6) and fitted.fitted_on == 200
    noisy = 0.01 * dt * np.exp(np.random.default_rng(1).normal(0, 0.5, 200))
    median, mean = (AreaRule.fit(dt, noisy, np.ones(200), np.ones(200, int), mean=m) for m in (False, True))
    assert mean.c0 - median.c0 == pytest.approx(median.residual_std ** 2 / 2)  # the mean step of log-normal residuals
    assert AreaRule.fit(dt[:3], dt[:3], np.ones(3), np.ones(3)) == AreaRule()  # too few steps: the defaults


def test_choose_mask_takes_the_rule_area_of_the_best_outstanding_pixels():
    probs = np.tile(np.linspace(0, 1, 100, dtype=np.float32), (100, 1))
    allowed = np.ones((100, 100), bool)
    mask = choose_mask(probs, allowed, 0.2, None)
    assert abs(mask.mean() - 0.2) < 0.02 and mask[:, -1].all() and not mask[:, 0].any()
    visits = mask.astype(np.float32) * 3  # painted three times already: the next step moves on
    assert (choose_mask(probs, allowed, 0.2, visits) & mask).mean() < 0.05
    allowed[:, 50:] = False  # nothing outside the outstanding paint
    assert not (choose_mask(probs, allowed, 0.2, None) & ~allowed).any()


def test_composite_keeps_the_canvas_outside_the_mask_and_flat_colour_without_a_match():
    canvas = np.full((64, 64, 3), 255, np.uint8)
    target = np.random.default_rng(0).integers(0, 255, (64, 64, 3)).astype(np.uint8)
    mask = np.zeros((64, 64), bool)
    mask[:, :32] = True
    flat = np.zeros((16, 16, 3), np.uint8)  # far from the target: no target detail added
    out = composite(canvas, flat, target, mask, 0.15)
    assert (out[:, 32:] == 255).all() and out[:, :32].max() < 10
    matched = cv2.resize(target, (16, 16), interpolation=cv2.INTER_AREA)  # matches its low-pass: sharp
    assert np.abs(composite(canvas, matched, target, mask, 0.15)[:, :32].astype(int) - target[:, :32]).mean() < 3


def test_stop_rule():
    rule = StopRule()
    assert rule.reason([0.01], [0.5]).startswith("outstanding")
    assert rule.reason([0.5], [0.01]).startswith("distance")
    assert rule.reason([0.5, 0.5, 0.5, 0.5], [0.3, 0.3, 0.3, 0.3]).startswith("no progress")
    assert rule.reason([0.9, 0.7, 0.5, 0.3], [0.5, 0.4, 0.3, 0.2]) is None


def test_unchanging_renderer_stops_and_ends_on_the_picture(monkeypatch):
    import inverse_painting.models.sampler as sampler

    monkeypatch.setattr(sampler, "render_next", lambda model, current, *a, **k: (torch.ones_like(current), 1))
    target = make_landscape(2, (48, 32)).final()
    result = tiny_pipeline()(target, interval=20, max_frames=10, distance="delta-e", finish=True)
    assert "painted nothing visible" in result.stop_reason and result.stopped
    assert [s.mask_source for s in result.steps] == [FINISH]  # nothing visible was painted: only the finish
    assert np.array_equal(result.frames[-1], result.target) and result.times == [0.0, 20.0]


def test_rendering_the_target_converges_region_by_region(monkeypatch):
    import inverse_painting.models.sampler as sampler

    monkeypatch.setattr(sampler, "render_next", lambda model, current, target, *a, **k: (target, 1))
    target = make_landscape(2, (64, 48)).final()
    result = tiny_pipeline()(target, interval=8, max_frames=25, distance="delta-e", finish=True)
    distances = [s.distance for s in result.steps]
    assert len(result.steps) >= 4 and distances[-1] == 0.0 and distances[0] > distances[-2] and result.stopped
    assert all(0 < s.mask_area <= RULE.max_step_area + 0.1 for s in result.steps[1:-1])  # region by region
    assert result.steps[-1].mask_source == FINISH and np.array_equal(result.frames[-1], result.target)
    for k, mask in enumerate(result.masks[:-1], start=1):  # pixels outside a mask are kept
        assert np.array_equal(result.frames[k][~mask], result.frames[k - 1][~mask])


def test_each_mask_has_the_rule_area_and_no_later_step_changes_half_the_canvas(monkeypatch):
    import inverse_painting.models.sampler as sampler
    from inverse_painting.perceptual.masks import DifferenceMasker, MaskSettings, fit_long_side

    monkeypatch.setattr(sampler, "render_next", lambda model, current, target, *a, **k: (target, 1))
    target = make_landscape(5, (96, 64)).final()
    result = tiny_pipeline()(target, interval=12, max_frames=30, distance="delta-e")
    painted = [s for s in result.steps if s.mask_source == "area-rule"]
    assert len(painted) >= 3 and result.stopped
    for s in painted:  # exactly the rule's area (up to speck cleaning), never more than the rule allows
        assert s.rule_area is not None and abs(s.mask_area - s.rule_area) < 0.03
    assert all(s.rule_area <= RULE.max_step_area for s in painted[1:])
    masker = DifferenceMasker(MaskSettings(backend="lab"), None)
    small = [fit_long_side(f, 256) for f in result.frames]
    changed = (masker.masks(small[1:], small[:-1]) > 0).reshape(len(small) - 1, -1).mean(1)
    assert changed[0] > 0.1 and (changed[1:] <= 0.5).all(), changed


def test_a_longer_interval_paints_larger_masks_in_fewer_keyframes(monkeypatch):
    import inverse_painting.models.sampler as sampler

    monkeypatch.setattr(sampler, "render_next", lambda model, current, target, *a, **k: (target, 1))
    target, pipe = make_landscape(3, (64, 48)).final(), tiny_pipeline()
    short, long = (pipe(target, interval=dt, max_frames=30, distance="delta-e") for dt in (5.0, 20.0))
    assert np.mean([s.mask_area for s in long.steps]) > np.mean([s.mask_area for s in short.steps])
    assert len(long.steps) < len(short.steps)


def test_pipeline_saves_and_loads_model_scheduler_rule_and_lpips(tmp_path):
    from inverse_painting.painting import LpipsComponent
    from inverse_painting.perceptual import LPIPS

    pipe = tiny_pipeline()
    pipe.register_to_config(defaults={**pipe.config.defaults, "interval": 7.5})  # the training split's median step
    pipe.register_modules(lpips=LpipsComponent(LPIPS.random()))
    pipe.save_pretrained(str(tmp_path))
    assert {p.name for p in tmp_path.iterdir()} >= {"model_index.json", "model", "scheduler", "lpips"}
    assert not any(p.suffix in (".bin", ".pt", ".pth", ".pkl") for p in tmp_path.rglob("*"))
    loaded = PaintingPipeline.load(tmp_path, "cpu")
    assert loaded.area_rule == RULE and loaded.model.vocabulary == ["sky", "mountains", "water"]
    assert loaded.settings(interval=None, max_frames=None).interval == 7.5  # no interval given: the saved one
    assert loaded.settings(interval=3.0).interval == 3.0
    assert type(loaded.scheduler).__name__ == "DDIMScheduler" and not loaded.lpips.net.pretrained
    a, b = pipe.model.state_dict(), loaded.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(Exception, match="unknown painting settings: thresholds"):
        loaded(np.zeros((8, 8, 3), np.uint8), thresholds=(0.5,))


def test_paint_command_writes_every_output_and_keeps_pixels_outside_masks(model_dir, picture, tmp_path):
    out = tmp_path / "video.mp4"
    r = runner.invoke(app, ["paint", str(picture), "--model", str(model_dir), "--max-frames", "3", "--distance", "delta-e",
                            "--interval", "15", "--out", str(out), "--sampler-steps", "2"])
    assert r.exit_code == 0, r.output
    folder = tmp_path / "video"
    record = json.loads((folder / "paint.json").read_text())
    n = record["keyframes"]
    assert 1 <= n <= 3 and record["unet_passes"] % 3 == 0  # mask generator + 2 sampler steps per brush step
    times = [s["t_s"] for s in record["steps"]]
    assert times == sorted(times) and all(t % 15.0 == 0 for t in times)
    assert all(s["mask_source"] == "area-rule" for s in record["steps"])  # no finishing jump by default
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
    assert r.exit_code == 1 and "no trained painting pipeline" in r.output


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
    assert json.loads((tmp_path / "landscape_painting" / "paint.json").read_text())["keyframes"] == 1
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
    with pytest.raises(ConfigError, match="paint.thresholds: unknown setting"):
        parse_config(PaintConfig, {"thresholds": [0.5, 0.2]}, "paint")  # the first-threshold rule is gone
    config = parse_config(PaintConfig, {"interval": 15, "stop_outstanding": 0.05}, "paint")
    settings = config.settings(15.0)
    assert settings["stop_outstanding"] == 0.05 and settings["interval"] == 15.0
    assert settings["max_frames"] == LOOP.max_frames == PaintConfig().max_frames
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


def test_the_judge_reuses_features_and_judges_as_the_masker_and_distance_do():
    from inverse_painting.painting.judge import Judge
    from inverse_painting.perceptual import LPIPS

    model = LPIPS.random(4)
    cached = Judge.build("lpips", lpips_model=model, long_side=64)
    plain = Judge(cached.masker, cached.distance, 64)  # the same measures, no feature cache
    rng = np.random.default_rng(0)
    target = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    canvas = np.full_like(target, 255)
    target_small = cached.small(target)
    seen = []
    model.backbone.register_forward_hook(lambda module, args, out: seen.append(args[0].shape[0]))
    for step in range(3):
        before = canvas.copy()
        canvas = canvas.copy()
        canvas[:, step * 20:(step + 1) * 20] = target[:, step * 20:(step + 1) * 20]
        seen.clear()
        left, distance = cached.outstanding(canvas, target_small)
        moved = cached.changed(canvas, before)
        passes = sum(seen)
        plain_left, plain_distance = plain.outstanding(canvas, target_small)
        # the network sees one image at a time instead of two: equal to float rounding
        assert np.array_equal(left, plain_left) and distance == pytest.approx(plain_distance, rel=1e-5)
        assert np.array_equal(moved, plain.changed(canvas, before))
        assert passes == (3 if step == 0 else 1)  # target, blank and canvas once; then the new canvas only
