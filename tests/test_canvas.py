"""Canvas stage on generated sample videos: quads vs ground truth across a camera move, rectification,
and the Grounding DINO backend's loading and box-to-quad plumbing (tiny random model)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from inverse_painting.canvas import CANVAS_DETECTORS, GroundingDinoCanvasConfig
from inverse_painting.canvas.geometry import order_corners, quad_iou
from inverse_painting.canvas.stage import CanvasConfig, canvas_item, frames_items
from inverse_painting.ingest.frames import FramesConfig, fetched_items, frames_item
from inverse_painting.media.images import read_image
from inverse_painting.pipeline import run_stage
from inverse_painting.sample import SampleSpec, generate_sample_video



def canvas_config(root: Path) -> CanvasConfig:
    return CanvasConfig(frames=str(root / "frames"), out=str(root / "canvas"), backend="classical", width=512,
                        margin=0.15, motion_threshold=0.006)


def make_sampled_videos(root: Path, seeds, duration: float = 24, fps: float = 4) -> dict[str, dict]:
    """Generate sample videos (new seeds), sample 1 frame/s and run the canvas stage on them."""
    gts = {}
    for seed in seeds:
        vid = f"sample-landscape-{seed:04d}"
        gt = generate_sample_video(root / "raw" / vid, SampleSpec(seed=seed, duration_s=duration, fps=fps))
        (root / "raw" / vid / "info.json").write_text(json.dumps({"video": "video.mp4", "source_url": f"seed {seed}",
                                                                  "licence": "CC0-1.0", "split_hint": "test"}))
        gts[vid] = gt
    run_stage("frames", fetched_items(root / "raw"), frames_item, root / "frames",
              FramesConfig(raw=str(root / "raw")), progress=False)
    config = canvas_config(root)
    run_stage("canvas", frames_items(config.frames), canvas_item, config.out, config, progress=False)
    return gts


@pytest.fixture(scope="module")
def canvas_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("canvas")
    return root, make_sampled_videos(root, [41, 44])


def tiny_grounding_dino(folder: Path) -> Path:
    """A randomly initialised Grounding DINO (tiny Swin + 1-layer BERT) saved like a Hub checkpoint."""
    from transformers import (BertConfig, BertTokenizer, GroundingDinoConfig, GroundingDinoForObjectDetection,
                              GroundingDinoImageProcessor, GroundingDinoProcessor, SwinConfig)

    folder.mkdir(parents=True, exist_ok=True)
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", "canvas", "painting", "hand", "arm", "paint", "##brush"]
    (folder / "vocab.txt").write_text("\n".join(words) + "\n")
    backbone = SwinConfig(image_size=64, patch_size=4, embed_dim=8, depths=[1, 1], num_heads=[1, 1], window_size=4,
                          out_features=["stage1", "stage2"])
    text = BertConfig(vocab_size=len(words), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                      intermediate_size=32, max_position_embeddings=64)
    config = GroundingDinoConfig(backbone_config=backbone, text_config=text, d_model=32, encoder_layers=1,
                                 decoder_layers=2, encoder_attention_heads=2, decoder_attention_heads=2,
                                 encoder_ffn_dim=32, decoder_ffn_dim=32, num_queries=10, num_feature_levels=2,
                                 encoder_n_points=1, decoder_n_points=1, max_text_len=32)
    import torch

    torch.manual_seed(0)  # random weights, but the same ones every run
    GroundingDinoForObjectDetection(config).save_pretrained(folder)
    processor = GroundingDinoProcessor(tokenizer=BertTokenizer.from_pretrained(str(folder)),
                                       image_processor=GroundingDinoImageProcessor(
                                           size={"shortest_edge": 64, "longest_edge": 96}))
    processor.save_pretrained(folder)
    return folder


def test_classical_quads_match_ground_truth_across_the_camera_move(canvas_run):
    root, gts = canvas_run
    for vid, gt in gts.items():
        index = json.loads((root / "canvas" / vid / "canvas.json").read_text())
        ious, by_segment = [], {0: [], -1: [], 1: []}
        for row in index["frames"]:
            truth = gt["frames"][row["index"]]
            if truth["quad"] is None:
                assert row["quad"] is None and row["reason"] == "no canvas"  # intro and outro cards
                continue
            iou = 0.0 if row["quad"] is None else quad_iou(np.array(row["quad"]), np.array(truth["quad"]))
            ious.append(iou)
            by_segment[truth["segment"]].append(iou)
        assert np.mean(ious) >= 0.95, (vid, np.round(ious, 3))
        assert by_segment[0] and by_segment[1] and np.mean(by_segment[1]) >= 0.95
        # The camera move splits the frames into different segments.
        segs = {gt["frames"][r["index"]]["segment"]: r["segment"] for r in index["frames"] if r["quad"]}
        assert segs[0] != segs[1]
        # Rectified frames keep the canvas aspect ratio and carry the margin around it.
        assert abs(index["width"] / index["height"] - gt["aspect"]) / gt["aspect"] < 0.08
        first = next(r for r in index["frames"] if r["file"])
        img = read_image(root / "canvas" / vid / first["file"])
        m = index["margin"]
        assert img.shape[:2] == (index["height"] + 2 * m, index["width"] + 2 * m)


def test_rerun_is_cached(canvas_run):
    root, _ = canvas_run
    config = canvas_config(root)
    report = run_stage("canvas", frames_items(config.frames), canvas_item, config.out, config, progress=False)
    assert report.cached == report.items == 2
    # Items name their frames folder relative to the frames stage's output, with its index's content hash.
    assert [i.payload["frames"] for i in frames_items(config.frames)] == sorted(p.name for p in (root / "frames").iterdir()
                                                                          if (p / "frames.json").exists())


def test_corner_order_and_overlap():
    quad = np.array([[10, 10], [110, 12], [112, 80], [8, 78]], float)
    assert np.allclose(order_corners(quad[[2, 0, 3, 1]]), quad)
    assert quad_iou(quad, quad) == pytest.approx(1.0)
    assert quad_iou(quad, quad + [200, 0]) == 0.0


def test_grounding_dino_backend_loads_and_refines_boxes(canvas_run, tmp_path):
    from inverse_painting.canvas import track_canvas
    from inverse_painting.vision import Box

    model_dir = tiny_grounding_dino(tmp_path / "gdino")
    detector = CANVAS_DETECTORS.build("grounding-dino", GroundingDinoCanvasConfig(
        model=str(model_dir), box_threshold=0.0, text_threshold=0.0, min_score=0.0))
    root, gts = canvas_run
    vid = next(iter(gts))
    rows = json.loads((root / "frames" / vid / "frames.json").read_text())["frames"][2:5]
    frames = [read_image(root / "frames" / vid / r["file"]) for r in rows]
    boxes = detector.dino.detect(frames, "canvas. painting.", 0.0, 0.0)
    assert len(boxes) == 3 and all(boxes) and all(isinstance(b.label, str) for b in boxes[0])
    track = track_canvas(lambda k: frames[k], len(frames), detector)
    assert len(track.frames) == 3
    # The box-to-quad step: a loose axis-aligned box around the tilted canvas snaps onto its corners.
    truth = np.array(gts[vid]["frames"][rows[0]["index"]]["quad"])
    x0, y0 = truth.min(0) - 12
    x1, y1 = truth.max(0) + 12
    det = detector._quad_from_boxes(frames[0], [Box("canvas", 0.9, (x0, y0, x1, y1))])
    assert det is not None and quad_iou(det.quad, truth) > 0.95
    assert cv2.contourArea(det.quad.astype(np.float32)) > 0


def test_detectors_are_named_by_the_config_and_built_from_their_own_section():
    from typing import get_args

    from inverse_painting.canvas import ClassicalCanvasConfig, ClassicalCanvasDetector
    from inverse_painting.config import ConfigError, parse_config, setting_type
    from inverse_painting.registry import UnknownBackend

    assert get_args(setting_type(CanvasConfig, "backend")) == CANVAS_DETECTORS.names()
    config = parse_config(CanvasConfig, {"backend": "classical", "classical": {"min_score": 0.7}}, "canvas")
    detector = CANVAS_DETECTORS.build(config.backend, config.detector_settings())
    assert isinstance(detector, ClassicalCanvasDetector) and detector.min_score == 0.7
    assert parse_config(CanvasConfig, {"backend": "grounding-dino"}, "canvas").detector_settings() \
        == GroundingDinoCanvasConfig()
    with pytest.raises(ConfigError, match=r"canvas\.classical\.min_scor: unknown setting; did you mean 'min_score'"):
        parse_config(CanvasConfig, {"classical": {"min_scor": 0.7}}, "canvas")
    with pytest.raises(UnknownBackend, match="classical, grounding-dino"):
        CANVAS_DETECTORS.build("hough", ClassicalCanvasConfig())
