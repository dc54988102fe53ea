"""Depth, decomposition and the painting process on small sample paintings."""

from __future__ import annotations

import numpy as np
import pytest

from inverse_painting.registry import UnknownBackend
from inverse_painting.sample import generate_still
from inverse_painting.sample.stills import sample_layer_rank
from inverse_painting.synth import SynthConfig, stroke_process
from inverse_painting.synth.decompose import decompose, psnr
from inverse_painting.synth.depth import PriorDepth, depth_layers, load_depth_backend
from inverse_painting.synth.evaluate import order_depth_spearman
from inverse_painting.synth.process import keyframe_counts, render_process

FAST = dict(size=96, strokes=160, steps=[12, 10, 8, 8], frames=8)


@pytest.fixture(scope="module")
def still():
    img = generate_still(101, 96)
    return img, sample_layer_rank(101, (img.shape[1], img.shape[0]))


@pytest.fixture(scope="module")
def painted(still):
    img, _ = still
    depth = PriorDepth().predict([img])[0]
    dec = decompose(img, depth, SynthConfig(**FAST))
    return dec, render_process(dec, 8, 0.5)


def test_prior_depth_ranks_sample_layers_back_to_front(still):
    img, rank = still
    depth = PriorDepth().predict([img])[0]
    assert depth.shape == img.shape[:2] and 0 <= depth.min() and depth.max() <= 1
    assert order_depth_spearman(1 - depth, rank) > 0.6  # nearness against the true layer order
    layers = depth_layers(depth, 4)
    assert set(np.unique(layers)) == {0, 1, 2, 3}
    assert depth[layers == 0].mean() > depth[layers == 3].mean()  # layer 0 is the far one


def test_decomposition_reconstructs_in_layer_then_pass_order(painted):
    dec, _ = painted
    assert len(dec.strokes) == 160
    blank = np.full_like(dec.target, 255)
    assert dec.psnr > psnr(blank, dec.target) + 9 and dec.psnr > 15
    key = dec.layer * 10 + dec.pass_index
    assert (np.diff(key) >= 0).all()  # far layers first, coarse passes first within a layer
    assert set(dec.layer.tolist()) == {0, 1, 2, 3}
    # a stroke's recorded depth follows its layer
    assert dec.depth[dec.layer == 0].mean() > dec.depth[dec.layer == 3].mean()


def test_process_paints_back_to_front_and_ends_at_the_final_image(still, painted):
    _, rank = still
    dec, proc = painted
    assert proc.stroke_counts == keyframe_counts(160, 8) == [20, 40, 60, 80, 100, 120, 140, 160]
    assert np.abs(proc.frames[-1].astype(int) - dec.final.astype(int)).max() <= 1
    assert all(b > a for a, b in zip(proc.times, proc.times[1:]))
    assert all(m.any() for m in proc.masks)
    assert order_depth_spearman(proc.first_painted, rank) > 0.5
    assert proc.steps[0]["layer_name"] == "far background" and proc.steps[-1]["layer_name"] == "foreground"
    # each step's mask is where its strokes painted: the canvas changed there, and only there
    diff = np.abs(proc.frames[3].astype(int) - proc.frames[2].astype(int)).sum(-1) > 12
    assert diff[proc.masks[3]].mean() > 0.3 and proc.masks[3][diff].mean() > 0.5


def test_passes_order_sweeps_layers_within_each_pass(still):
    img, _ = still
    cfg = SynthConfig(**{**FAST, "strokes": 60, "steps": [3, 3, 3, 3]}, order="passes")
    dec = decompose(img, PriorDepth().predict([img])[0], cfg)
    key = dec.pass_index * 10 + dec.layer
    assert (np.diff(key) >= 0).all() and len(dec.strokes) == 60


def test_stroke_process_returns_frames_at_the_image_size():
    img = generate_still(7, 120)
    frames = stroke_process(img, 5, SynthConfig(size=64, strokes=50, steps=(4, 4, 4, 4)))
    assert len(frames) == 5 and all(f.shape == img.shape and f.dtype == np.uint8 for f in frames)
    assert psnr(frames[-1], img) > psnr(frames[0], img) > 0


def test_depth_anything_backend_loads_a_local_model_and_batches(tmp_path):
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config, DPTImageProcessorPil

    backbone = Dinov2Config(image_size=56, patch_size=14, hidden_size=32, num_hidden_layers=4, num_attention_heads=2,
                            intermediate_size=64, out_indices=[1, 2, 3, 4], reshape_hidden_states=False)
    config = DepthAnythingConfig(backbone_config=backbone, reassemble_hidden_size=32, neck_hidden_sizes=[8, 16, 32, 32],
                                 fusion_hidden_size=16, head_hidden_size=8)
    DepthAnythingForDepthEstimation(config).save_pretrained(tmp_path)
    DPTImageProcessorPil(size={"height": 56, "width": 56}, keep_aspect_ratio=True, ensure_multiple_of=14,
                         do_pad=False).save_pretrained(tmp_path)
    backend = load_depth_backend("depth-anything", str(tmp_path))
    images = [generate_still(1, 80), generate_still(2, 80), generate_still(3, 64)]
    maps = backend.predict(images)
    assert [m.shape for m in maps] == [i.shape[:2] for i in images]
    assert all(0 <= m.min() and m.max() <= 1 and m.std() > 0.1 for m in maps)
    dec = decompose(images[0], maps[0], SynthConfig(size=48, strokes=20, steps=[2, 2, 2, 2], layers=2))
    assert len(dec.strokes) == 20
    with pytest.raises(UnknownBackend, match="unknown depth backend 'sonar'; choose one of prior, depth-anything"):
        load_depth_backend("sonar")
