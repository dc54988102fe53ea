"""Shared fixtures: generated media only, nothing downloaded."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def pytest_collection_modifyitems(items):
    """Files holding a slow test run first, each file's tests in their own order.

    pytest-xdist hands whole files to its workers in collection order (``--dist=loadfile``):
    a long file started last would leave the other workers idle at the end.
    """
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass


@pytest.fixture(scope="session")
def short_sample(tmp_path_factory):
    """A short sample time-lapse (20 s at 5 fps) with its ground truth, generated once."""
    from inverse_painting.sample import SampleSpec, generate_sample_video

    out = tmp_path_factory.mktemp("sample") / "sample-landscape-0011"
    gt = generate_sample_video(out, SampleSpec(seed=11, duration_s=20, fps=5))
    return out, gt


@pytest.fixture(scope="session")
def synth_painting(tmp_path_factory):
    """One tiny synthetic painting process (sample still 15, 6 keyframes) with its exact step truth."""
    from test_synth_stage import config_for

    from inverse_painting.pipeline import run_stage
    from inverse_painting.synth.stage import synth_item, synth_items

    out = tmp_path_factory.mktemp("synth")
    config = config_for("sample://stills?seeds=15&width=96", out, gif=False)
    report = run_stage("synth", synth_items(config), synth_item, out, config, progress=False)
    assert report.ok == 1
    return out / "sample-still-0015"
