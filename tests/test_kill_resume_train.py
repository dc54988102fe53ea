"""kill -9 ``train`` after a checkpoint, rerun: it resumes from its last checkpoint and ends
with the weights, history and logged plots of a run that was never stopped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors.torch import load_file

from test_kill_resume import make_project, run_stage_here
from test_kill_resume_stages import run_and_kill

pytestmark = pytest.mark.slow
WEIGHTS = "models/painter/model/diffusion_pytorch_model.safetensors"  # the model inside the painting pipeline


def _plots(live: Path) -> dict[str, str]:
    return {str(p.relative_to(live)): p.read_text() for p in sorted((live / "plots").rglob("*.tsv"))}


def test_train_killed_after_a_checkpoint_resumes_from_it_to_the_same_weights(tmp_path, monkeypatch):
    from inverse_painting.sample.pairs import write_sample_pairs_dataset

    dataset = write_sample_pairs_dataset(tmp_path / "pairs", {"train": [1, 2], "validation": [3]}, steps=5,
                                         size=(64, 48))
    params = {"train": {"dataset": str(dataset), "out": "models/painter", "live_dir": "dvclive", "resolution": 32,
                        "renderer_channels": [8, 16, 16], "mask_channels": [8, 16, 16], "head_channels": [8, 16],
                        "token_width": 16, "batch_size": 2, "warmup_steps": 2, "steps": 30, "checkpoint_every": 10,
                        "keep_checkpoints": 2, "eval_every": 10, "log_every": 5, "threads": 1, "device": "cpu",
                        "mask_resolution": 16, "lpips_weights": ""}}
    # The uninterrupted reference and the resumption run in this process (two interpreter starts
    # fewer); only the run that is killed is a process of its own.
    clean = make_project(tmp_path / "clean", params, "")
    run_stage_here(clean, "train", monkeypatch)
    killed = make_project(tmp_path / "killed", params, "")
    ckpts = killed / "models/painter/checkpoints"
    loss_tsv = killed / "dvclive/plots/metrics/train/loss.tsv"

    def past_a_checkpoint() -> bool:  # steps logged after the checkpoint will be logged again on resume
        if not (ckpts / "step-0000010" / "state.json").exists():
            return False
        lines = loss_tsv.read_text().splitlines()
        return len(lines) > 1 and lines[-1].split("\t")[0] == "15"

    run_and_kill(killed, "train", past_a_checkpoint)
    saved = sorted(p.name for p in ckpts.glob("step-*") if (p / "state.json").exists())
    last = int(saved[-1].split("-")[1])
    assert 10 <= last < 30 and not (killed / WEIGHTS).exists()
    run_stage_here(killed, "train", monkeypatch)

    report = json.loads((killed / "reports/train.json").read_text())
    assert report["resumed_from"] == last and report["steps"] == 30
    # Same seeds per step and the optimizer state restored: bitwise-equal weights on CPU.
    final = load_file(killed / WEIGHTS)
    reference = load_file(clean / WEIGHTS)
    assert final.keys() == reference.keys()
    assert all(final[k].equal(reference[k]) for k in reference)
    assert sorted(p.name for p in ckpts.iterdir() if not p.name.startswith(".")) == ["step-0000020", "step-0000030"]
    history = json.loads((killed / "models/painter/training.json").read_text())["history"]
    assert history == json.loads((clean / "models/painter/training.json").read_text())["history"]
    assert _plots(killed / "dvclive") == _plots(clean / "dvclive")  # no step logged twice
    assert not [p for p in (killed / "models").rglob("*") if ".tmp" in p.name]
