"""Evaluation: the paper's metrics on simple cases, baselines, FID honesty, the stage end to end
(known answers for each definition: ``test_evaluate_definitions.py``)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from inverse_painting.perceptual import DifferenceMasker, MaskSettings
from inverse_painting.evaluation import (ProcessSequence, crossfade, dtw, fid_status, frechet_distance, instant,
                                         mask_iou, score_sequence, sequence_from_folder, stroke_process_baseline)
from inverse_painting.evaluation.baselines import BaselineUnavailable
from inverse_painting.perceptual import load_distance
from inverse_painting.sample import make_landscape
from inverse_painting.sample.painting import PaintingCanvas


def sample_process(seed=7, size=(64, 48), steps=4, dt=30.0) -> ProcessSequence:
    land = make_landscape(seed, size)
    canvas = PaintingCanvas(land)
    frames = [np.full_like(land.final(), 255)]
    for k in range(1, steps + 1):
        frames.append(canvas.advance(land.n_strokes * k // steps).copy())
    return ProcessSequence(f"p{seed}", frames, [k * dt for k in range(steps + 1)], land.final())


def test_dtw_and_iou_on_hand_computed_cases():
    a = np.array([[0, 0], [1, 1], [2, 2]], float)
    assert dtw(a, a) == 0
    assert dtw(a, a[[0, 0, 1, 2]]) == 0  # repeating a point costs nothing when warped
    assert dtw(np.array([[0.0], [1.0]]), np.array([[0.0], [3.0]])) == pytest.approx(2.0)
    m1, m2 = np.zeros((4, 4), bool), np.zeros((4, 4), bool)
    m1[:2], m2[1:3] = True, True
    assert mask_iou(m1, m2) == pytest.approx(4 / 12) and mask_iou(m1, m1) == 1.0


def test_a_process_scores_perfectly_against_itself_and_worse_as_a_crossfade():
    real = sample_process()
    distance, masker = load_distance("delta-e"), DifferenceMasker.build(MaskSettings(backend="lab"))
    same = score_sequence(real, real, distance, masker)
    assert same.frame_distance == 0 and same.iou == 1.0 and same.ddc_sum == 0 and same.dts_min == 0
    assert same.mask_recall == 1.0 and same.order_agreement == pytest.approx(1.0) and same.keyframes_after_real_end == 0
    fade = crossfade(real.painting_id, real.target, n_frames=6, interval=20.0)
    assert np.array_equal(fade.frames[-1], real.target) and (fade.frames[0] == 255).all()
    worse = score_sequence(real, fade, distance, masker)
    assert worse.frame_distance > 0 and worse.ddc_sum > worse.ddc_mean > 0 and worse.iou < 1.0
    assert worse.dts_min == pytest.approx(abs(120 - 120) / 60) and worse.generated_keyframes == 6
    assert np.asarray(worse.real_curve)[:, 0].tolist() == [0, 0.5, 1.0, 1.5, 2.0]  # minutes on x


def test_instant_baseline_is_the_blank_canvas_then_the_target_one_interval_later():
    target = make_landscape(3, (40, 30)).final()
    seq = instant("p", target, interval=20.0)
    assert seq.times == [0.0, 20.0] and (seq.frames[0] == 255).all() and np.array_equal(seq.frames[1], target)


def test_stroke_process_baseline_is_used_when_importable_else_unavailable(monkeypatch):
    import inverse_painting.synth as synth

    target = make_landscape(3, (40, 30)).final()
    monkeypatch.delattr(synth, "stroke_process", raising=False)
    with pytest.raises(BaselineUnavailable, match="not importable"):
        stroke_process_baseline("p", target, 3, 20.0)
    monkeypatch.setattr(synth, "stroke_process",
                        lambda image, n: [(image * (k / n)).astype(np.uint8) for k in range(1, n + 1)], raising=False)
    seq = stroke_process_baseline("p", target, 3, 20.0)
    assert len(seq.frames) == 4 and seq.times == [0, 20.0, 40.0, 60.0] and (seq.frames[0] == 255).all()


def test_fid_is_unavailable_without_inception_weights_and_frechet_is_right():
    images = [np.zeros((8, 8, 3), np.uint8)] * 3
    assert fid_status(images, images, None).startswith("unavailable")
    assert fid_status(images, images, "/no/such/inception.pt").startswith("unavailable")
    rng = np.random.default_rng(0)
    a = rng.normal(size=(400, 3))
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-6)
    assert frechet_distance(a, a + [2, 0, 0]) == pytest.approx(4.0, rel=1e-3)


def test_keyframe_folder_reads_times_from_names(tmp_path):
    for k, t in [(1, 15), (2, 40), (3, 53)]:
        Image.fromarray(np.full((20, 30, 3), 40 * k, np.uint8)).save(tmp_path / f"{k:02d}_t{t:04d}s.jpg")
    (tmp_path / "notes.txt").write_text("ignored")
    seq = sequence_from_folder(tmp_path)
    assert seq.times == [0.0, 15.0, 40.0, 53.0] and (seq.frames[0] == 255).all()
    assert seq.target.shape == (20, 30, 3) and seq.duration_s == 53.0


def test_evaluate_stage_reports_model_and_baselines_side_by_side(tmp_path, monkeypatch):
    import inverse_painting.synth as synth
    from inverse_painting.config import parse_config
    from inverse_painting.evaluation.config import EvaluateConfig
    from inverse_painting.evaluation.report import table
    from inverse_painting.evaluation.stage import run_evaluation
    from inverse_painting.models import PaintingModel
    from inverse_painting.sample.pairs import write_sample_pairs_dataset

    monkeypatch.delattr(synth, "stroke_process", raising=False)
    ds = write_sample_pairs_dataset(tmp_path / "ds", {"train": [1], "validation": [3]}, steps=4, size=(64, 48))
    from inverse_painting.models.sampler import make_scheduler
    from inverse_painting.painting.pipeline import PaintingPipeline

    torch.manual_seed(0)
    model = PaintingModel(vocabulary=["sky", "water"], resolution=32, renderer_channels=(8, 16), mask_channels=(8, 16),
                          head_channels=(8,), token_width=16)
    PaintingPipeline(model, make_scheduler(model.config)).save_pretrained(str(tmp_path / "model"))
    real = tmp_path / "real"
    real.mkdir()
    seq = sample_process(seed=9, size=(60, 40), steps=3)
    for k, (f, t) in enumerate(zip(seq.frames[1:], seq.times[1:]), start=1):
        Image.fromarray(f).save(real / f"{k:02d}_t{int(t):04d}s.png")
    params = parse_config(EvaluateConfig, {
        "dataset": str(ds), "split": "validation", "paint": str(tmp_path / "none"), "model": str(tmp_path / "model"),
        "out": str(tmp_path / "eval"), "curves": str(tmp_path / "curves"), "real_sequence": str(real),
        "interval": 20, "max_frames": 3, "sampler_steps": 1, "eval_long_side": 64, "baseline_frames": "auto",
        "distance": "delta-e", "mask_backend": "lab"}, "evaluate")
    report = run_evaluation(params, tmp_path / "evaluate.json")
    assert json.loads((tmp_path / "evaluate.json").read_text()) == json.loads(json.dumps(report))
    assert report["baseline_frames"] == 4 and report["distance"] == "mean-delta-e/100"
    assert report["baselines"]["frames_from"] == "mean steps per painting of the train split"
    assert {"ddc_sum", "ddc_mean", "order_agreement", "fid_per_painting"} <= set(report["conventions"])
    for source in ("validation", "real_sequence"):
        block = report[source]
        real_keyframes = {"validation": 4, "real_sequence": 3}[source]
        assert block["real"]["paintings"] == 1 and block["real"]["keyframes"] == real_keyframes
        methods = block["methods"]
        assert methods["stroke_process"]["status"] == "unavailable"
        for name in ("model", "crossfade", "instant"):
            m = methods[name]
            assert (m["status"], m["paintings"], m["scored"], m["failures"]) == ("ok", 1, 1, 0), (source, name, m)
            paper, diagnostics = m["paper"], m["diagnostics"]
            assert 0 <= paper["iou"] <= 1 and paper["ddc_sum"] >= diagnostics["ddc_mean"] >= 0 and paper["dts_min"] >= 0
            assert paper["lpips"].startswith("unavailable") and paper["fid_per_painting"].startswith("unavailable")
            assert 0 <= diagnostics["mask_recall"] <= 1 and -1 <= diagnostics["order_agreement"] <= 1
        assert methods["instant"]["diagnostics"]["generated_keyframes"] == 1
        assert methods["crossfade"]["diagnostics"]["generated_keyframes"] == 4
    from inverse_painting.records import load_pairs

    real_duration = sum(load_pairs(ds, "validation")["dt"])
    assert report["validation"]["methods"]["crossfade"]["paper"]["dts_min"] == pytest.approx(
        abs(real_duration - 80) / 60, abs=1e-4)
    assert (tmp_path / "curves" / "validation_model.csv").read_text().startswith("minutes,distance")
    assert (tmp_path / "eval" / "curves_validation_sample-landscape-0003.png").is_file()
    assert (tmp_path / "eval" / "real_sequence" / "timelapse.mp4").is_file()
    printed = table(report)
    assert all(f"{source:15s} {name:15s}" in printed for source in ("validation", "real_sequence")
               for name in ("model", "crossfade", "instant", "stroke_process"))
