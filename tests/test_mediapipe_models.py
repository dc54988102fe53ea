"""The numpy side of the MediaPipe runtime: anchors, decoding, NMS, crops; and the missing-runtime message."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from inverse_painting.mediapipe_models import (LiteRtMissing, PalmDetection, SquareRect, TfliteModel, decode,
                                               hand_rect, ssd_anchors, weighted_nms)


def test_palm_anchors_match_the_model_outputs():
    anchors = ssd_anchors()
    assert anchors.shape == (2016, 4)
    # stride 8: 24 x 24 cells x 2 anchors, then stride 16: 12 x 12 cells x 6 anchors; fixed size 1
    np.testing.assert_allclose(anchors[0], [0.5 / 24, 0.5 / 24, 1, 1])
    np.testing.assert_allclose(anchors[1], anchors[0])
    np.testing.assert_allclose(anchors[2], [1.5 / 24, 0.5 / 24, 1, 1])
    np.testing.assert_allclose(anchors[1152], [0.5 / 12, 0.5 / 12, 1, 1])
    np.testing.assert_allclose(anchors[-1], [11.5 / 12, 11.5 / 12, 1, 1])


def test_decode_and_weighted_nms():
    anchors = ssd_anchors()
    raw = np.zeros((2016, 18), np.float32)
    logits = np.full((2016, 1), -50.0, np.float32)
    # anchor 1152 sits at (0.5/12, 0.5/12); offsets are in 192-pixel input units
    raw[1152, :4] = [19.2, 9.6, 38.4, 19.2]          # centre +0.1, +0.05; size 0.2 x 0.1
    raw[1152, 4:6] = [0.0, -19.2]                     # keypoint 0 at the anchor, 0.1 above
    logits[1152] = 3.0
    raw[1153] = raw[1152] + 1.92                      # a near copy scoring lower
    logits[1153] = 1.0
    boxes, keypoints, scores = decode(raw, logits, anchors)
    assert len(boxes) == 2                           # everything else scores sigmoid(-50) < 0.5
    cx, cy = 0.5 / 12 + 0.1, 0.5 / 12 + 0.05
    np.testing.assert_allclose(boxes[0], [cx - 0.1, cy - 0.05, cx + 0.1, cy + 0.05], atol=1e-6)
    np.testing.assert_allclose(keypoints[0, 0], [0.5 / 12, 0.5 / 12 - 0.1], atol=1e-6)
    np.testing.assert_allclose(scores, 1 / (1 + np.exp([-3.0, -1.0])), rtol=1e-6)
    (merged,) = weighted_nms(boxes, keypoints, scores)
    w = scores / scores.sum()
    np.testing.assert_allclose(merged[0], w[0] * boxes[0] + w[1] * boxes[1])
    assert merged[2] == pytest.approx(scores[0])
    (plain,) = weighted_nms(boxes, keypoints, scores, weighted=False)
    np.testing.assert_allclose(plain[0], boxes[0])
    far = boxes.copy()
    far[1] += 0.5
    assert len(weighted_nms(far, keypoints, scores)) == 2


def test_crops_map_back_to_the_image():
    rng = np.random.default_rng(0)
    image = np.zeros((300, 500, 3), np.uint8)
    image[120:126, 340:346] = 255                     # a bright dot centred at (343, 123)
    rect = SquareRect(cx=330.0, cy=140.0, side=120.0, rotation=0.7)
    tensor = rect.tensor(image, 96)
    assert tensor.shape == (96, 96, 3) and tensor.max() <= 1.0
    ys, xs = np.nonzero(tensor[:, :, 0] > 0.5)
    back = rect.to_image(np.array([[(xs.mean() + 0.5) / 96, (ys.mean() + 0.5) / 96]]))[0]
    np.testing.assert_allclose(back, [343, 123], atol=1.0)
    # the letterbox square: the whole image fits, the padding is zero, corners map to corners
    whole = SquareRect.whole_image(500, 300)
    np.testing.assert_allclose(whole.to_image(np.array([[0, 0.2], [1, 0.8]])), [[0, 0], [500, 300]])
    box = whole.tensor(rng.integers(1, 256, (300, 500, 3), dtype=np.uint8), 50)
    assert box[:9].max() == 0 and box[-9:].max() == 0 and box[12:38].min() > 0
    # a large region is shrunk before the warp and still lands in the same place
    big = np.zeros((3000, 5000, 3), np.uint8)
    big[1200:1260, 3400:3460] = 255
    small = SquareRect(3300.0, 1400.0, 1200.0, 0.7).tensor(big, 96)
    ys, xs = np.nonzero(small[:, :, 0] > 0.5)
    back = SquareRect(3300.0, 1400.0, 1200.0, 0.7).to_image(np.array([[(xs.mean() + 0.5) / 96,
                                                                      (ys.mean() + 0.5) / 96]]))[0]
    np.testing.assert_allclose(back, [3430, 1230], atol=10.0)


def test_hand_crop_is_aligned_with_the_palm():
    upright = PalmDetection((100.0, 100.0, 140.0, 140.0), np.array([[120, 140], [0, 0], [120, 100]] + [[0, 0]] * 4,
                                                                   dtype=float), 0.9)
    rect = hand_rect(upright)
    assert rect.rotation == pytest.approx(0.0) and rect.side == pytest.approx(104.0)
    assert (rect.cx, rect.cy) == pytest.approx((120.0, 100.0))   # half a box height towards the fingers
    # fingers pointing right: rotated a quarter turn clockwise, shifted right
    sideways = PalmDetection((100.0, 100.0, 140.0, 140.0), np.array([[100, 120], [0, 0], [140, 120]] + [[0, 0]] * 4,
                                                                    dtype=float), 0.9)
    rect = hand_rect(sideways)
    assert rect.rotation == pytest.approx(math.pi / 2) and (rect.cx, rect.cy) == pytest.approx((140.0, 120.0))


def test_missing_runtime_says_what_to_install(tmp_path, monkeypatch):
    model = tmp_path / "palm.tflite"
    model.write_bytes(b"not a model")
    monkeypatch.setitem(sys.modules, "ai_edge_litert", None)
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    with pytest.raises(LiteRtMissing, match="pip install ai-edge-litert==2.3.0"):
        TfliteModel(model)
    with pytest.raises(FileNotFoundError, match="model file not found"):
        TfliteModel(tmp_path / "absent.tflite")
