"""Videos shaped unlike the sample world through frames, canvas and clean: a portrait phone video,
a 10-fps GIF and a video whose first minute is a talking head. Each ends as rows with reasons
(never a crash, never a guessed canvas) while the painting in it is still found."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from test_bad_inputs_stages import CANVAS, CLEAN, rows_by_id, stage

from inverse_painting.canvas.stage import canvas_item, frames_items
from inverse_painting.clean.stage import canvas_items, clean_item
from inverse_painting.config import replace
from inverse_painting.ingest.frames import FramesConfig, fetched_items, frames_item
from inverse_painting.media import VideoWriter, open_video
from inverse_painting.sample import SampleSpec, generate_sample_video
from inverse_painting.sample.scene import FRAME_SIZE, SKIN_TONES, make_background

pytestmark = pytest.mark.slow
HEAD_S = 60  # the talking head's seconds before the painting


def write_info(folder: Path, video: str) -> None:
    (folder / "info.json").write_text(json.dumps({"video": video, "source_url": f"test:{folder.name}",
                                                  "licence": "CC0-1.0", "split_hint": "auto"}))


def portrait(image: np.ndarray, x0: int, x1: int) -> np.ndarray:
    """The shot as a 432x768 phone films it: columns x0..x1 (the canvas and a little around it), the
    wall above and the table below running on out of the frame."""
    small = cv2.resize(image[:, x0:x1], (432, round(432 * image.shape[0] / (x1 - x0))), interpolation=cv2.INTER_AREA)
    top = (768 - small.shape[0]) // 2
    return cv2.copyMakeBorder(small, top, 768 - small.shape[0] - top, 0, 0, cv2.BORDER_REPLICATE)


def talking_head(t: float, wall: np.ndarray, skin: tuple) -> np.ndarray:
    """A person speaking to the camera in front of the studio wall: head and shoulders from the bottom edge."""
    w, h = FRAME_SIZE
    out = wall.copy()
    cx, cy = w // 2 + int(12 * np.sin(t / 3)), int(h * 0.42 + 6 * np.sin(t * 1.7))
    cv2.ellipse(out, (w // 2, h + 40), (330, 260), 0, 180, 360, (40, 70, 120), -1, cv2.LINE_AA)  # shoulders
    cv2.rectangle(out, (cx - 55, cy + 100), (cx + 55, h - 200), skin, -1)  # neck
    cv2.ellipse(out, (cx, cy), (120, 160), 0, 0, 360, skin, -1, cv2.LINE_AA)  # face
    cv2.ellipse(out, (cx, cy - 120), (125, 70), 0, 180, 360, (50, 35, 25), -1, cv2.LINE_AA)  # hair
    for dx in (-45, 45):
        cv2.circle(out, (cx + dx, cy - 20), 10, (40, 30, 30), -1, cv2.LINE_AA)
    cv2.ellipse(out, (cx, cy + 70), (35, 8 + int(10 * abs(np.sin(t * 5)))), 0, 0, 360, (120, 40, 50), -1)
    return out


def make_videos(raw: Path) -> dict:
    """The good sample video and three odd renderings of it; its ground truth."""
    gt = generate_sample_video(raw / "good", SampleSpec(seed=61, duration_s=16, fps=4))
    write_info(raw / "good", "video.mp4")
    _, frames = open_video(raw / "good" / "video.mp4")
    images = [np.ascontiguousarray(img) for _, _, img in frames]
    wall = make_background(np.random.default_rng(9))
    for name in ("portrait", "gif", "head"):
        (raw / name).mkdir()
    xs = np.concatenate([np.asarray(f["quad"])[:, 0] for f in gt["frames"] if f["quad"] is not None])
    pad = 0.08 * (xs.max() - xs.min())
    x0, x1 = max(0, int(xs.min() - pad)), min(FRAME_SIZE[0], int(xs.max() + pad))
    with VideoWriter(raw / "portrait" / "video.mp4", (432, 768), 4) as writer:
        for image in images:
            writer.write(portrait(image, x0, x1))
    write_info(raw / "portrait", "video.mp4")
    small = [cv2.resize(img, (640, 360), interpolation=cv2.INTER_AREA) for img in images]
    ten_fps = [Image.fromarray(small[i * 4 // 10]).quantize(256, method=Image.Quantize.FASTOCTREE)  # a quick
               for i in range(len(small) * 10 // 4)]                                             # palette per frame
    ten_fps[0].save(raw / "gif" / "video.gif", save_all=True, append_images=ten_fps[1:], duration=100, loop=0)
    write_info(raw / "gif", "video.gif")
    with VideoWriter(raw / "head" / "video.mp4", FRAME_SIZE, 4) as writer:
        for i in range(HEAD_S * 4):
            writer.write(talking_head(i / 4, wall, SKIN_TONES[1]))
        for image in images:
            writer.write(image)
    write_info(raw / "head", "video.mp4")
    return gt


@pytest.fixture(scope="module")
def odd_videos(tmp_path_factory):
    root = tmp_path_factory.mktemp("odd_videos")
    gt = make_videos(root / "raw")
    frames = stage("frames", fetched_items(root / "raw"), frames_item, root / "frames",
                   FramesConfig(raw=str(root / "raw"), workers=1))
    canvas_config = replace(CANVAS, frames=str(root / "frames"), out=str(root / "canvas"))
    canvas = stage("canvas", frames_items(canvas_config.frames), canvas_item, canvas_config.out, canvas_config)
    clean_config = replace(CLEAN, canvas=str(root / "canvas"), frames=str(root / "frames"),
                           out=str(root / "keyframes"))
    clean = stage("clean", canvas_items(clean_config.canvas), clean_item, clean_config.out, clean_config)
    return {"root": root, "gt": gt, "frames": rows_by_id(frames), "canvas": rows_by_id(canvas),
            "clean": rows_by_id(clean)}


def canvas_frames(root: Path, vid: str) -> list[dict]:
    return json.loads((root / "canvas" / vid / "canvas.json").read_text())["frames"]


def test_odd_videos_are_sampled_at_one_frame_a_second(odd_videos):
    rows = odd_videos["frames"]
    assert {vid: row.status for vid, row in rows.items()} == dict.fromkeys(("good", "portrait", "gif", "head"), "ok")
    index = json.loads((odd_videos["root"] / "frames" / "portrait" / "frames.json").read_text())
    assert (index["width"], index["height"]) == (432, 768)
    gif = json.loads((odd_videos["root"] / "frames" / "gif" / "frames.json").read_text())["frames"]
    assert len(gif) == 16 and [round(f["t"]) for f in gif] == list(range(16))


@pytest.mark.parametrize("vid", ["portrait", "gif"])
def test_portrait_and_gif_find_the_canvas_where_the_good_video_does(odd_videos, vid):
    root = odd_videos["root"]
    good = [r["quad"] is not None for r in canvas_frames(root, "good")]
    odd = [r["quad"] is not None for r in canvas_frames(root, vid)]
    assert odd_videos["canvas"][vid].status == "ok"
    assert sum(a == b for a, b in zip(good, odd)) >= len(good) - 1, (good, odd)
    assert all(r["reason"] for r in canvas_frames(root, vid) if r["quad"] is None)
    assert odd_videos["clean"][vid].status == "ok" and odd_videos["clean"][vid].info["keyframes"] >= 2


def test_a_talking_head_first_minute_is_no_canvas_and_the_painting_after_it_is_found(odd_videos):
    root = odd_videos["root"]
    rows = canvas_frames(root, "head")
    head, painting = [r for r in rows if r["t"] < HEAD_S], [r for r in rows if r["t"] >= HEAD_S]
    assert len(head) == HEAD_S and all(r["quad"] is None and r["reason"] for r in head)
    good = [r["quad"] is not None for r in canvas_frames(root, "good")]
    assert sum(r["quad"] is not None for r in painting) >= sum(good) - 1
    seq = json.loads((root / "keyframes" / "head" / "sequence.json").read_text())
    assert seq["keyframes"] and min(k["t"] for k in seq["keyframes"]) >= HEAD_S
    # Each frame of the talking head is rejected for want of a canvas, none as occluded.
    head_reasons = {r["t"]: r["reason"] for r in seq["rejected"] if r["t"] < HEAD_S}
    assert len(head_reasons) == HEAD_S and not any(w.startswith("hand or brush") for w in head_reasons.values())
