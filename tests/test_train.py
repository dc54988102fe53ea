"""Training: a run on a generated pairs dataset, exact resume from checkpoints, dvclive output."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from inverse_painting.models import PaintingModel
from inverse_painting.painting import PaintingPipeline
from inverse_painting.records import load_pairs
from inverse_painting.sample.pairs import write_sample_pairs_dataset
from inverse_painting.training import TrainConfig, train
from inverse_painting.training.checkpoints import list_checkpoints

TINY = dict(resolution=32, mask_resolution=16, renderer_channels=[8, 16, 16], mask_channels=[8, 16, 16],
            head_channels=[8, 16], token_width=16, batch_size=2, log_every=1, warmup_steps=2, lpips_weights="")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return write_sample_pairs_dataset(tmp_path_factory.mktemp("pairs"), {"train": [1, 2], "validation": [3]},
                                      steps=5, size=(64, 48))


def config(dataset, out, **kw) -> TrainConfig:
    return TrainConfig(**{**TINY, "dataset": str(dataset), "out": str(out), "live_dir": str(out) + "_live", **kw})


def weights(folder):
    return PaintingModel.from_pretrained(folder / "model").state_dict()


def test_fixture_dataset_follows_the_row_schema(dataset):
    import datasets

    from inverse_painting.dataset.build import features

    rows = load_pairs(dataset, "train")
    assert rows.features == features()  # the very schema the build publishes
    assert isinstance(rows.features["mask"], datasets.Image) and len(rows) == 10
    assert rows[0]["stroke_mask"] is None and rows[0]["mask"].size == (64, 48)
    assert set(datasets.load_dataset(str(dataset))) == {"train", "validation"}  # Hub layout + card


def test_training_writes_model_checkpoints_and_dvclive_metrics(dataset, tmp_path):
    cfg = config(dataset, tmp_path / "m", steps=12, lr=3e-3, checkpoint_every=4, keep_checkpoints=2, eval_every=4)
    result = train(cfg, progress=False)
    assert result.resumed_from == 0
    out = tmp_path / "m"
    model = PaintingModel.from_pretrained(out / "model")
    assert set(model.vocabulary) == set(load_pairs(dataset, "train")["text"])
    pipe = PaintingPipeline.load(out, "cpu")  # what paint, evaluate and the CLI load
    assert pipe.area_rule.fitted_on > 0 and pipe.lpips is None  # the rule fitted on the training steps
    assert pipe.config.defaults["interval"] == pytest.approx(float(np.median(load_pairs(dataset, "train")["dt"])), abs=1e-4)
    assert [p.name for p in list_checkpoints(out / "checkpoints")] == ["step-0000008", "step-0000012"]
    for ckpt in list_checkpoints(out / "checkpoints"):  # no pickle anywhere
        assert {p.suffix for p in ckpt.rglob("*") if p.is_file()} <= {".json", ".safetensors"}
    summary = json.loads((out / "training.json").read_text())
    history = summary["history"]
    assert [h["step"] for h in history] == [4, 8, 12]
    assert history[-1]["val_render"] < history[0]["val_render"]  # the renderer learns
    metrics = json.loads((tmp_path / "m_live" / "metrics.json").read_text())
    assert metrics["step"] == 12 and "loss" in metrics["train"] and "total" in metrics["val"]
    tsv = (tmp_path / "m_live" / "plots" / "metrics" / "train" / "loss.tsv").read_text().splitlines()
    assert tsv[0].split("\t") == ["step", "loss"] and len(tsv) == 13
    losses = [float(line.split("\t")[1]) for line in tsv[1:]]
    assert sum(losses[-4:]) < sum(losses[:4])


def test_resume_continues_exactly_like_an_uninterrupted_run(dataset, tmp_path):
    flat = dict(checkpoint_every=3, eval_every=0, lr_schedule="constant")  # a longer run extends a constant schedule
    straight = config(dataset, tmp_path / "a", steps=6, **flat)
    train(straight, progress=False)
    first = config(dataset, tmp_path / "b", steps=3, **flat)
    train(first, progress=False)
    resumed = train(config(dataset, tmp_path / "b", steps=6, **flat), progress=False)
    assert resumed.resumed_from == 3
    a, b = weights(tmp_path / "a"), weights(tmp_path / "b")
    for name in a:
        assert torch.allclose(a[name], b[name], atol=1e-6), name
    # Another configuration never resumes these checkpoints.
    other = train(config(dataset, tmp_path / "b", steps=4, lr=5e-4, checkpoint_every=0, eval_every=0), progress=False)
    assert other.resumed_from == 0
    # A cosine schedule depends on the run's length: a longer run is another configuration.
    train(config(dataset, tmp_path / "c", steps=3, checkpoint_every=3, eval_every=0), progress=False)
    assert train(config(dataset, tmp_path / "c", steps=6, checkpoint_every=3, eval_every=0),
                 progress=False).resumed_from == 0


def test_a_changed_dataset_is_trained_afresh_not_resumed(dataset, tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(dataset, data)
    cfg = config(data, tmp_path / "m", steps=4, checkpoint_every=2)
    first = train(cfg, progress=False)
    assert first.resumed_from == 0
    again = train(cfg, progress=False)
    assert again.resumed_from == 4  # same config, same data: nothing to redo ...
    summary = json.loads((tmp_path / "m" / "training.json").read_text())
    assert again.final == first.final and summary["final"] == {k: round(v, 5) for k, v in first.final.items()} != {}
    shard = sorted((data / "data").rglob("train-*.parquet"))[0]
    rows = load_pairs(data, "train").select(range(6))
    rows.to_parquet(str(shard.with_suffix(".tmp")))
    shard.with_suffix(".tmp").replace(shard)  # the same path, other rows
    assert train(cfg, progress=False).resumed_from == 0


@pytest.mark.parametrize("stage", ["weights", "train", "paint", "evaluate"])
def test_model_stage_configs_are_their_params_sections_and_dvc_params(stage):
    from dataclasses import fields
    from pathlib import Path

    import yaml

    from inverse_painting.config import parse_config
    from inverse_painting.evaluation.config import EvaluateConfig
    from inverse_painting.painting.stage import PaintConfig
    from inverse_painting.weights import WeightsConfig

    cls = {"weights": WeightsConfig, "train": TrainConfig, "paint": PaintConfig, "evaluate": EvaluateConfig}[stage]
    root = Path(__file__).resolve().parent.parent
    section = yaml.safe_load((root / "params.yaml").read_text())[stage]
    parse_config(cls, section, stage)  # strict: every key known, every value of its type
    keys = sorted(f.name for f in fields(cls))
    assert sorted(section) == keys
    assert yaml.safe_load((root / "dvc.yaml").read_text())["stages"][stage]["params"] == [stage]


def test_a_run_killed_while_dvclive_wrote_its_summary_resumes(dataset, tmp_path):
    """dvclive writes metrics.json and params.yaml in place and reads them back on resume: a kill
    in the middle of either write must not stop the next run from resuming."""
    live = tmp_path / "live"
    first = train(config(dataset, tmp_path / "m", steps=2, checkpoint_every=2, live_dir=str(live),
                         lr_schedule="constant"), progress=False)
    assert first.resumed_from == 0 and (live / "metrics.json").is_file() and (live / "params.yaml").is_file()
    (live / "metrics.json").write_text('{\n    "train": {\n        "loss": 0.5')  # cut off mid-write
    (live / "params.yaml").write_text('steps: [2\n  lr: "')
    resumed = train(config(dataset, tmp_path / "m", steps=4, checkpoint_every=2, live_dir=str(live),
                           lr_schedule="constant"), progress=False)
    assert resumed.resumed_from == 2
    assert json.loads((live / "metrics.json").read_text())["step"] == 4


def test_training_in_a_repository_without_a_commit_yet(dataset, tmp_path, monkeypatch):
    """`git init && dvc init && dvc repro` before the first commit: dvclive cannot read a git revision
    there, and training still logs its metrics."""
    import shutil
    import subprocess

    if shutil.which("dvc") is None or shutil.which("git") is None:
        pytest.skip("needs git and dvc")
    project = tmp_path / "project"
    project.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["dvc", "init", "-q"], cwd=project, check=True)
    monkeypatch.chdir(project)
    result = train(config(dataset, project / "m", steps=2, live_dir=str(project / "live")), progress=False)
    assert result.final and json.loads((project / "live" / "metrics.json").read_text())["step"] == 2


def test_config_weights_give_each_dataset_config_its_share_of_the_draws():
    from inverse_painting.training.data import PairsData

    n = 4
    images = [np.zeros((n, 2, 2, 3), np.uint8) for _ in range(3)]
    masks = [np.zeros((n, 2, 2), np.uint8) for _ in range(2)]
    data = PairsData(*images, *masks, np.ones(n, np.float32), ["a"] * n, ["p"] * n,
                     ["real", "synthetic", "synthetic", "synthetic"], np.arange(n), np.zeros(n), np.zeros(n))
    weights = data.draw_weights({"real": 0.5, "synthetic": 0.5})
    assert np.allclose(weights, [0.5, 1 / 6, 1 / 6, 1 / 6])
    assert data.draw_weights({"synthetic": 0.5, "real": 0.5}) is weights  # worked out once, drawn every step
    assert data.draw_weights({}) is None
