"""The sample world: determinism and ground truth that matches the rendered video."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from inverse_painting.media.video import sample_frames
from inverse_painting.sample import (LAYER_NAMES, STILL_WIDTH, SampleSpec, generate_still, make_landscape,
                                     parse_sample_uri, parse_stills_uri)
from inverse_painting.sample.scene import polygon_mask


def test_landscape_is_deterministic_and_states_build_up_to_the_final():
    a, b = make_landscape(5), make_landscape(5)
    assert np.array_equal(a.final(), b.final())
    assert not np.array_equal(a.final(), make_landscape(6).final())
    names = [la.name for la in a.layers]
    assert names == [n for n in LAYER_NAMES if n in names]  # back to front
    assert {"sky", "mountains", "water", "grass"} <= set(names)
    final = a.final().astype(int)
    diffs = [np.abs(a.state(n).astype(int) - final).mean() for n in np.linspace(0, a.n_strokes, 9).astype(int)]
    assert diffs[-1] == 0 and diffs[0] > 30
    assert all(x >= y for x, y in zip(diffs, diffs[1:]))  # strokes only ever approach the final painting


def _decode(path):
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            return frames
        frames.append(cv2.cvtColor(f, cv2.COLOR_BGR2RGB))


def test_ground_truth_describes_the_video(short_sample):
    out, gt = short_sample
    frames = _decode(out / "video.mp4")
    assert len(frames) == gt["n_frames"] == len(gt["frames"]) == 100
    assert frames[0].shape == (720, 1280, 3)
    phases = [f["phase"] for f in gt["frames"]]
    assert phases[0] == "intro" and phases[-1] == "outro" and "pause" in phases
    assert all(f["quad"] is None for f in gt["frames"] if f["phase"] in ("intro", "outro"))
    # The GT quad outlines the bright blank canvas in a frame before any paint.
    blank = next(f for f in gt["frames"] if f["phase"] == "blank")
    gray = cv2.cvtColor(frames[blank["index"]], cv2.COLOR_RGB2GRAY)
    bright = gray > 200
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bright.astype(np.uint8))
    canvas = labels == 1 + np.argmax(stats[1:, cv2.CC_STAT_AREA])
    quad = polygon_mask(np.array(blank["quad"]))
    iou = (canvas & quad).sum() / (canvas | quad).sum()
    assert iou > 0.97
    # Occluded frames show skin-coloured pixels inside the quad; clean painting frames do not.
    def skin_inside(f):
        img = frames[f["index"]].astype(int)
        r, g, b = img[..., 0], img[..., 1], img[..., 2]
        skin = (r > 95) & (r > g + 15) & (r > b + 20) & (g > 40)
        return (skin & polygon_mask(np.array(f["quad"]))).sum()
    painting = [f for f in gt["frames"] if f["phase"] == "painting"]
    occluded = [f for f in painting if f["occluded"]]
    clean = [f for f in painting if not f["occluded"]]
    assert 0.15 < len(occluded) / gt["n_frames"] < 0.7
    assert np.median([skin_inside(f) for f in occluded]) > 200
    # Progress is monotone and the camera moves once.
    done = [f["strokes_done"] for f in gt["frames"]]
    assert all(a <= b for a, b in zip(done, done[1:])) and done[-1] == gt["n_strokes"]
    segments = [f["segment"] for f in gt["frames"] if f["segment"] is not None]
    assert segments[0] == 0 and segments[-1] == 1 and -1 in segments
    assert clean


def test_clean_states_match_the_canvas_in_the_video(short_sample):
    out, gt = short_sample
    frames = _decode(out / "video.mp4")
    state = gt["states"][-1]
    f = gt["frames"][state["frame"]]
    assert not f["occluded"]
    painting = cv2.cvtColor(cv2.imread(str(out / state["file"])), cv2.COLOR_BGR2RGB)
    final = cv2.cvtColor(cv2.imread(str(out / gt["final"])), cv2.COLOR_BGR2RGB)
    assert np.array_equal(painting, final)
    h, w = painting.shape[:2]
    H = cv2.getPerspectiveTransform(np.float32(f["quad"]), np.float32([[0, 0], [w, 0], [w, h], [0, h]]))
    rectified = cv2.warpPerspective(frames[f["index"]], H, (w, h)).astype(float)
    err = np.mean((rectified[4:-4, 4:-4] - painting[4:-4, 4:-4]) ** 2)
    assert 10 * np.log10(255**2 / err) > 22  # lighting drift and H.264 only


def test_sample_video_is_deterministic(tmp_path):
    from inverse_painting.sample import generate_sample_video

    spec = SampleSpec(seed=4, duration_s=16, fps=4)
    a = generate_sample_video(tmp_path / "a", spec)
    b = generate_sample_video(tmp_path / "b", spec)
    assert json.dumps(a) == json.dumps(b)
    fa, fb = _decode(tmp_path / "a" / "video.mp4"), _decode(tmp_path / "b" / "video.mp4")
    assert len(fa) == len(fb) == 64 and all(np.array_equal(x, y) for x, y in zip(fa, fb))


def test_sample_uri_parsing():
    uri = parse_sample_uri("sample://landscape/7?duration=40&fps=8")
    assert uri.spec.seed == 7 and uri.spec.duration_s == 40 and uri.spec.fps == 8
    assert uri.item_id == "sample-landscape-0007"
    for bad, msg in [("sample://forest/1", "unknown sample kind"), ("sample://landscape/x", "integer seed"),
                     ("sample://landscape/1?speed=2", "unknown option"),
                     ("sample://landscape/1?fps=abc", "not a number"),
                     ("sample://landscape/1?duration=5", "too short")]:
        with pytest.raises(ValueError, match=msg):
            parse_sample_uri(bad)


def test_stills_uri_parsing_shares_the_grammar():
    uri = parse_stills_uri("sample://stills?seeds=100-102,7&width=384")
    assert uri.seeds == (100, 101, 102, 7) and uri.width == 384 and uri.item_id(7) == "sample-still-0007"
    assert parse_stills_uri("sample://stills?count=2&first=5").seeds == (5, 6)
    assert parse_stills_uri("sample://stills").width == STILL_WIDTH
    for bad, msg in [("sample://stills/3", "seeds go in"), ("sample://stills?seed=1", "unknown option 'seed'"),
                     ("sample://stills?seeds=a-b", "is not like"), ("sample://stills?width=wide", "not a whole number"),
                     ("sample://landscape/1", "expected sample://stills"), ("sample://nope", "unknown sample kind")]:
        with pytest.raises(ValueError, match=msg):
            parse_stills_uri(bad)
    with pytest.raises(ValueError, match="expected sample://landscape"):
        parse_sample_uri("sample://stills?seeds=1")


def test_sample_stills_source_gives_the_picture_and_its_layer_order():
    from inverse_painting.pipeline import Item
    from inverse_painting.sample.stills import SampleStills

    source = SampleStills("sample://stills?seeds=12&width=96")
    [item] = source.items()
    picture = source.load(item)
    assert np.array_equal(picture.image, generate_still(12, 96))
    assert picture.provenance["source_url"] == "sample://stills?seeds=12&width=96"
    rank = picture.layer_rank()
    assert rank.shape == picture.image.shape[:2] and rank.min() == 0  # the sky, painted first, is at the back
    assert rank[-1].mean() > rank[0].mean()  # the foreground (bottom) was painted later than the sky (top)
    assert source.load(Item(item.id, dict(item.payload))).provenance == picture.provenance


def test_frames_sampling_keeps_timestamps(short_sample):
    out, gt = short_sample
    for backend in ("decord", "pyav"):
        frames = list(sample_frames(out / "video.mp4", 1.0, backend))
        assert [round(f.t, 3) for f in frames] == [float(k) for k in range(20)]
        assert [f.index for f in frames] == [5 * k for k in range(20)]
    half = list(sample_frames(out / "video.mp4", 2.5, "pyav"))
    assert [round(f.t, 2) for f in half[:4]] == [0.0, 0.4, 0.8, 1.2]


def _sequential(path, rate: float, companions_s: float) -> list:
    """The sampler over decord's plain sequential decode (every frame converted)."""
    from inverse_painting.media.video import _Sampler, open_video

    info, frames = open_video(path, "decord")
    sampler = _Sampler(rate, 0.0, companions_s, info.rotation)
    return [s for index, t, img in frames for s in sampler.push(index, t, img)] + sampler.flush()


def _same(a: list, b: list) -> bool:
    same = lambda x, y: (x is None and y is None) or (x is not None and y is not None and np.array_equal(x, y))  # noqa: E731
    return len(a) == len(b) and all(x.index == y.index and x.t == y.t and same(x.image, y.image)
                                    and same(x.before, y.before) and same(x.after, y.after) for x, y in zip(a, b))


@pytest.mark.parametrize("rate, companions_s", [(1.0, 0.2), (2.5, 0.0), (3.0, 0.4)])
def test_decord_samples_chosen_from_timestamps_are_the_sequential_ones(short_sample, rate, companions_s):
    """Frames chosen on the index's timestamps and decoded without converting the rest are the very
    frames (and companions, shared between samples where they overlap) of a sequential decode."""
    path = short_sample[0] / "video.mp4"
    assert _same(list(sample_frames(path, rate, "decord", companions_s=companions_s)),
                 _sequential(path, rate, companions_s))


def test_a_decord_error_mid_video_goes_on_sequentially_without_repeating(short_sample, monkeypatch):
    from inverse_painting.media import video

    path = short_sample[0] / "video.mp4"
    chosen = video._DecordFrames.chosen

    def fails_after_some(self, indices):
        for n, frame in enumerate(chosen(self, indices)):
            if n == 7:
                raise self.decord.DECORDError("corrupt packet")
            yield frame

    monkeypatch.setattr(video._DecordFrames, "chosen", fails_after_some)
    assert _same(list(sample_frames(path, 1.0, "decord", companions_s=0.2)), _sequential(path, 1.0, 0.2))
