"""Bad inputs to the stages after fetch/frames (canvas, clean, synth, paint, annotate), and secrets.

Each bad input ends as a ledger row with a clear reason while the good item beside it finishes;
a fake Hub token in the environment reaches no output, ledger, card or log; the trainer's
checkpoints hold no pickle.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from test_paint import TINY as TINY_PAINTER
from test_paint import tiny_pipeline
from test_publish import TOKEN, FakeHub
from typer.testing import CliRunner

from inverse_painting.annotate.annotate import annotate_item, sequence_items
from inverse_painting.annotate.config import AnnotateConfig
from inverse_painting.canvas.person import PersonShotConfig
from inverse_painting.canvas.stage import CanvasConfig, canvas_item, frames_items
from inverse_painting.clean.fused import FusedOccluderConfig
from inverse_painting.clean.stage import CleanConfig, canvas_items, clean_item
from inverse_painting.mediapipe_models.settings import MediaPipeSettings
from inverse_painting.pipeline.atomic import OWNER_FILE
from inverse_painting.cli import app
from inverse_painting.config import replace
from inverse_painting.ingest.frames import FramesConfig, fetched_items, frames_item
from inverse_painting.media.images import read_image, write_image
from inverse_painting.media.video import VideoWriter, open_video
from inverse_painting.perceptual.masks import MaskSettings
from inverse_painting.pipeline import read_ledger, run_stage
from inverse_painting.sample import generate_still
from inverse_painting.sample.scene import FRAME_SIZE, SKIN_TONES, make_background, title_card

REPO = Path(__file__).resolve().parent.parent
# workers=1: stages run inline in the test process (the pool has its own tests in test_executor.py)
CANVAS = CanvasConfig(backend="classical", width=256, margin=0.15, person=PersonShotConfig(enabled=False), workers=1)
CLEAN = CleanConfig(backend="fused", analysis_width=160, min_occluder_fraction=0.0005, occluded="drop", workers=1,
                    fused=FusedOccluderConfig(mediapipe=MediaPipeSettings(enabled=False)))
ANNOTATE = AnnotateConfig(masks=MaskSettings(backend="lab"), label_backend="classical", mask_sizes=(16,), workers=1)
SYNTH = dict(size=48, strokes=24, steps=(3, 3, 2, 2), frames=4, layers=2, gif=False, video_fps=4.0, keyframe_gap_s=(),
             workers=1)
runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def stage(name, items, fn, out, params):
    """Run a stage the way its pipeline module does, but never let failures raise."""
    return run_stage(name, items, fn, out, params, progress=False, max_failure_fraction=1.0)


def rows_by_id(report):
    return {r.item_id: r for r in report.rows}


def write_info(folder: Path) -> None:
    (folder / "info.json").write_text(json.dumps({"video": "video.mp4", "source_url": f"test:{folder.name}",
                                                  "licence": "CC0-1.0", "split_hint": "auto"}))


def paste_arm(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A skin-coloured forearm and hand reaching from off the right edge to a point on the canvas."""
    h, w = image.shape[:2]
    tip = (int(rng.uniform(0.3, 0.7) * w), int(rng.uniform(0.3, 0.7) * h))
    elbow = (w + w // 8, int(rng.uniform(0.6, 1.3) * h))
    skin = np.array(SKIN_TONES[int(rng.integers(len(SKIN_TONES)))], np.float64)
    out = image.copy()
    cv2.line(out, tip, elbow, tuple(skin * 0.85), max(6, w // 9), cv2.LINE_AA)
    cv2.ellipse(out, tip, (max(4, w // 14), max(3, h // 16)), float(rng.uniform(0, 180)), 0, 360, tuple(skin), -1)
    return out


def make_wall_video(path: Path) -> None:
    """16 s at 4 fps of intro cards and a plain textured wall, with slow lighting drift: no canvas."""
    wall = make_background(np.random.default_rng(5))
    with VideoWriter(path, FRAME_SIZE, 4) as writer:
        for i in range(64):
            frame = title_card("My studio", i / 4) if i < 8 else wall.astype(np.float32) * (1 + 0.03 * np.sin(i / 5))
            writer.write(np.clip(frame, 0, 255).astype(np.uint8))


def make_hand_video(good: Path, path: Path) -> None:
    """The good sample video with a hand and arm over its canvas in every frame that shows it."""
    truth = json.loads((good / "ground_truth.json").read_text())["frames"]
    rng = np.random.default_rng(7)
    _, frames = open_video(good / "video.mp4")
    with VideoWriter(path, FRAME_SIZE, 4) as writer:
        for (_, _, image), record in zip(frames, truth):
            image = np.ascontiguousarray(image)
            if record["quad"] is not None:
                quad = np.asarray(record["quad"])
                x0, y0 = quad.min(0).astype(int)
                x1, y1 = quad.max(0).astype(int)
                image[y0:y1, x0:x1 + 60] = paste_arm(image[y0:y1, x0:x1 + 60], rng)
            writer.write(image)


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    """fetch (the real stage module, in a subprocess) -> frames -> canvas -> clean, with a fake Hub
    token in the environment all along, over a good sample video, a video of a bare wall and
    one with a hand over the canvas in every frame."""
    root = tmp_path_factory.mktemp("studio")
    (root / "sources.yaml").write_text("sources:\n  - url: sample://landscape/61?duration=16&fps=4\n    id: good\n")
    (root / "params.yaml").write_text("fetch:\n  sources: sources.yaml\n  out: raw\n  workers: 1\n"
                                      "  max_failure_fraction: 0.5\n")
    env = {**os.environ, "HF_TOKEN": TOKEN, "PYTHONPATH": str(REPO), "LOGLEVEL": "DEBUG"}
    fetch = subprocess.run([sys.executable, "-m", "pipelines.fetch"], cwd=root, env=env, capture_output=True,
                           text=True, timeout=120)
    assert fetch.returncode == 0, fetch.stderr
    raw = root / "raw"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_TOKEN", TOKEN)
        for name in ("wall", "hand"):
            (raw / name).mkdir()
            write_info(raw / name)
        make_wall_video(raw / "wall" / "video.mp4")
        make_hand_video(raw / "good", raw / "hand" / "video.mp4")
        stage("frames", fetched_items(raw), frames_item, root / "frames", FramesConfig(raw=str(raw), workers=1))
        canvas_config = replace(CANVAS, frames=str(root / "frames"), out=str(root / "canvas"))
        canvas = stage("canvas", frames_items(canvas_config.frames), canvas_item, canvas_config.out, canvas_config)
        clean_config = replace(CLEAN, canvas=str(root / "canvas"), frames=str(root / "frames"),
                               out=str(root / "keyframes"))
        clean = stage("clean", canvas_items(clean_config.canvas), clean_item, clean_config.out, clean_config)
    return {"root": root, "fetch": fetch, "canvas": rows_by_id(canvas), "clean": rows_by_id(clean)}


@pytest.mark.slow
def test_videos_without_a_clean_canvas_end_as_rows_with_reasons(studio):
    canvas, clean = studio["canvas"], studio["clean"]
    assert canvas["good"].status == "ok" and canvas["good"].info["with_canvas"] >= 8
    assert canvas["wall"].status == "skipped" and canvas["wall"].reason == "no canvas in any of 16 frames"
    assert canvas["wall"].code == "no_canvas"
    # The arm leaves enough of the canvas edges to find it; then no frame of it is clean.
    assert canvas["hand"].status == "ok" and canvas["hand"].info["with_canvas"] >= 8
    assert set(clean) == {"good", "hand"}
    assert clean["good"].status == "ok" and clean["good"].info["keyframes"] >= 2
    seq = json.loads((studio["root"] / "keyframes" / "good" / "sequence.json").read_text())
    assert len(seq["keyframes"]) == clean["good"].info["keyframes"]
    assert clean["hand"].status == "skipped" and clean["hand"].info["occluded"] == canvas["hand"].info["with_canvas"]
    assert clean["hand"].reason.startswith("every frame occluded") and clean["hand"].code == "all_occluded"
    assert not (studio["root"] / "keyframes" / "hand").exists()
    ledger = {r.item_id: r.status for r in read_ledger(studio["root"] / "keyframes" / "ledger.jsonl")}
    assert ledger == {"good": "ok", "hand": "skipped"}


@pytest.fixture(scope="module")
def odd_images(tmp_path_factory):
    folder = tmp_path_factory.mktemp("odd")
    still = generate_still(7, 96)  # 96 x 64, landscape
    h, w = still.shape[:2]
    Image.new("RGB", (1, 1), (30, 90, 160)).save(folder / "one-pixel.png")
    Image.fromarray(still).resize((8000, 6000), Image.BILINEAR).save(folder / "huge.jpg", quality=85)
    Image.fromarray(still).convert("L").save(folder / "gray.png")
    Image.fromarray(still).convert("CMYK").save(folder / "cmyk.jpg")
    Image.fromarray(still[..., 1].astype(np.uint16) * 257).save(folder / "deep16.png")
    alpha = np.where(np.arange(w) < w // 2, 0, 255).astype(np.uint8)[None].repeat(h, 0)
    Image.fromarray(np.dstack([still, alpha])).save(folder / "alpha.png")  # left half fully transparent
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees to display: stored landscape, shown portrait
    Image.fromarray(still).save(folder / "rotated.jpg", exif=exif.tobytes())
    (folder / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (folder / "empty.jpg").write_bytes(b"")
    return folder


@pytest.mark.slow
def test_synth_stage_over_odd_images(odd_images, tmp_path):
    from inverse_painting.synth import SynthConfig
    from inverse_painting.synth.sources import image_source
    from inverse_painting.synth.stage import synth_item, synth_items

    out = tmp_path / "synth"
    config = SynthConfig(**SYNTH, input=str(odd_images), out=str(out))
    items = synth_items(config)
    report = stage("synth", items, synth_item, out, config)
    rows = rows_by_id(report)
    assert set(rows) == {"one-pixel", "huge", "gray", "cmyk", "deep16", "alpha", "rotated", "corrupt", "empty"}
    assert rows["corrupt"].status == "failed" and "not a readable image" in rows["corrupt"].reason
    assert rows["empty"].status == "failed" and "empty file (0 bytes)" in rows["empty"].reason
    sizes = {}
    for pid, row in rows.items():
        if pid in ("corrupt", "empty"):
            continue
        assert row.status == "ok", (pid, row.reason)
        seq = json.loads((out / pid / "sequence.json").read_text())
        last = read_image(out / pid / seq["keyframes"][-1]["file"])
        assert last.shape == (seq["height"], seq["width"], 3) and max(last.shape[:2]) == SYNTH["size"], pid
        sizes[pid] = (seq["width"], seq["height"])
    assert sizes["one-pixel"] == (48, 48) and sizes["huge"] == (48, 36)
    assert sizes["rotated"] == sizes["gray"][::-1] and sizes["rotated"][0] < 48  # shown upright (portrait)
    assert (read_image(out / "alpha" / "source.png")[:, :20] > 240).all()  # transparent -> white canvas
    assert read_image(out / "deep16" / "source.png").max() > 150  # 16-bit scaled, not clipped to black
    # The 8000 x 6000 photo is decoded at reduced scale (JPEG draft), never at full size.
    huge = next(i for i in items if i.id == "huge")
    image = image_source(config).load(huge, SYNTH["size"]).image
    assert SYNTH["size"] <= min(image.shape[:2]) and max(image.shape[:2]) <= 1000


@pytest.fixture(scope="module")
def tiny_painter(tmp_path_factory):
    out = tmp_path_factory.mktemp("painter")
    tiny_pipeline().save_pretrained(str(out))  # a painting pipeline, as train leaves it
    return out


def test_paint_command_on_an_unreadable_picture_fails_cleanly(tiny_painter, tmp_path):
    bad = tmp_path / "holiday.png"
    bad.write_bytes(b"<html>this is not a picture</html>")
    script = Path(sys.executable).with_name("inverse-painting")  # the installed console script
    command = [str(script)] if script.exists() else [sys.executable, "-c",
                                                     "from inverse_painting.cli import app; app()"]
    run = subprocess.run(command + ["paint", str(bad), "--model", str(tiny_painter), "--out", str(tmp_path / "o.mp4")],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
    said = run.stderr + run.stdout
    assert run.returncode != 0 and "not a readable image" in said and "Traceback" not in said
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize("size", [(1, 1), (2000, 50)])
def test_paint_command_on_extreme_shapes(tiny_painter, tmp_path, size):
    picture = tmp_path / "picture.png"
    still = generate_still(3, 64)
    Image.fromarray(still).resize(size, Image.BILINEAR).save(picture)
    out = tmp_path / "out.mp4"
    r = runner.invoke(app, ["paint", str(picture), "--model", str(tiny_painter), "--max-frames", "2", "--distance", "delta-e",
                                        "--sampler-steps", "1", "--out", str(out)])
    assert r.exit_code == 0, (r.output, r.exception)
    record = json.loads((tmp_path / "out" / "paint.json").read_text())
    first = read_image(tmp_path / "out" / "frames" / "000.png")
    # The aspect ratio is kept (long side capped at 512, even sides for H.264).
    assert (record["width"], record["height"]) == first.shape[1::-1]
    expected = {(1, 1): (2, 2), (2000, 50): (512, 12)}[size]
    assert first.shape[1::-1] == expected and out.stat().st_size > 0


def write_sequence(folder: Path, sizes: list[tuple[int, int]], missing: tuple[int, ...] = ()) -> None:
    """A real-origin ``sequence.json`` with keyframes of the given sizes (some files left out)."""
    keyframes = []
    for k, (w, h) in enumerate(sizes):
        name = f"keyframes/{k:03d}.png"
        if k not in missing:
            write_image(folder / name, cv2.resize(generate_still(20 + k, 64), (w, h), interpolation=cv2.INTER_AREA))
        keyframes.append({"index": k, "t": 10.0 * (k + 1), "file": name})
    w, h = sizes[-1]
    (folder / "sequence.json").write_text(json.dumps({
        "painting_id": folder.name, "origin": "real", "width": w, "height": h, "keyframes": keyframes,
        "rejected": []}))


def test_annotate_stage_on_odd_sequences(tmp_path):
    seqs = tmp_path / "keyframes"
    write_sequence(seqs / "single", [(64, 48)])
    write_sequence(seqs / "missing", [(64, 48), (64, 48), (64, 48)], missing=(1,))
    write_sequence(seqs / "sizes", [(64, 48), (48, 64), (64, 48)])
    write_sequence(seqs / "fine", [(64, 48), (64, 48)])
    report = stage("annotate", sequence_items([seqs, tmp_path / "absent"]), annotate_item, tmp_path / "ann", ANNOTATE)
    rows = rows_by_id(report)
    assert set(rows) == {"single", "missing", "sizes", "fine"}
    assert rows["fine"].status == "ok" and rows["fine"].info["steps"] == 2
    # One keyframe: one step, from the white canvas to the finished painting.
    assert rows["single"].status == "ok" and rows["single"].info["steps"] == 1
    steps = json.loads((tmp_path / "ann" / "single" / "steps.json").read_text())
    assert steps["steps"][0]["current"] == "blank.png" and steps["steps"][0]["dt_estimated"]
    assert rows["missing"].status == "failed"
    assert "missing keyframe files ['keyframes/001.png']" in rows["missing"].reason
    assert rows["sizes"].status == "failed" and "keyframes differ in size" in rows["sizes"].reason
    assert "64x48" in rows["sizes"].reason and "48x64" in rows["sizes"].reason
    assert not (tmp_path / "ann" / "missing").exists() and not (tmp_path / "ann" / "sizes").exists()


def files_holding(roots, secret: str) -> list[str]:
    needle = secret.encode()
    return [str(p) for root in roots for p in Path(root).rglob("*") if p.is_file() and needle in p.read_bytes()]


@pytest.mark.slow
def test_fake_token_reaches_no_output_ledger_card_or_log(studio, tmp_path, monkeypatch, capsys):
    import huggingface_hub

    from inverse_painting.dataset.build import build_dataset
    from inverse_painting.dataset.config import BuildConfig
    from inverse_painting.dataset.preview import write_preview

    monkeypatch.setenv("HF_TOKEN", TOKEN)
    FakeHub.instances, FakeHub.files, FakeHub.fail_with = [], {}, ""
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeHub)
    root = studio["root"]
    report = stage("annotate", sequence_items([root / "keyframes"]), annotate_item, tmp_path / "annotations", ANNOTATE)
    assert report.ok == 1
    summary = build_dataset(BuildConfig(annotations=str(tmp_path / "annotations"), out=str(tmp_path / "dataset"),
                                        card_examples=1, cards=str(REPO / "datasets_cards")))
    assert summary.shards
    write_preview(tmp_path / "annotations", tmp_path / "preview")
    r = runner.invoke(app, ["publish", "--repo-id", "org/paintings", "--folder", str(tmp_path / "dataset"),
                                        "--dry-run"])
    assert r.exit_code == 0 and "dry run" in r.output, r.output
    assert FakeHub.instances and FakeHub.instances[-1].token == TOKEN  # the token was really in play
    assert not any(c[0] == "create_commit" for api in FakeHub.instances for c in api.calls)
    captured = capsys.readouterr()
    for text in (studio["fetch"].stdout, studio["fetch"].stderr, r.output, captured.out, captured.err):
        assert TOKEN not in text
    assert "fetch: 1 ok" in studio["fetch"].stderr  # the log was captured, not empty
    assert (tmp_path / "dataset" / "README.md").is_file()
    assert files_holding([root, tmp_path], TOKEN) == []


def test_trainer_outputs_hold_no_pickle_and_load_without_it(tmp_path, monkeypatch):
    import pickle

    import torch
    from safetensors.torch import load_file

    from inverse_painting.models import PaintingModel
    from inverse_painting.sample.pairs import write_sample_pairs_dataset
    from inverse_painting.training import TrainConfig, train
    from inverse_painting.training.checkpoints import list_checkpoints, load_checkpoint

    monkeypatch.setenv("HF_TOKEN", TOKEN)
    data = write_sample_pairs_dataset(tmp_path / "pairs", {"train": [1]}, steps=3, size=(32, 24))
    tiny = {k: list(v) if isinstance(v, tuple) else v for k, v in TINY_PAINTER.items()}
    cfg = dict(tiny, dataset=str(data), out=str(tmp_path / "model"), live_dir=str(tmp_path / "live"), batch_size=1,
               checkpoint_every=1, keep_checkpoints=2, eval_every=0, log_every=1, warmup_steps=0, threads=1,
               lr_schedule="constant", lpips_weights="")  # a longer run extends a constant schedule: it resumes
    train(TrainConfig(**cfg, steps=2), progress=False)
    out = tmp_path / "model"
    files = [p for p in out.rglob("*") if p.is_file() and p.name != OWNER_FILE]
    assert {p.suffix for p in files} <= {".json", ".safetensors"}, sorted(p.name for p in files)
    for p in files:
        head = p.read_bytes()[:4]
        assert not head.startswith(b"\x80") and head != b"PK\x03\x04", p  # pickle, torch.save zip
        if p.suffix == ".safetensors":
            assert load_file(str(p))  # parses as safetensors
        else:
            json.loads(p.read_text())
    checkpoints = list_checkpoints(out / "checkpoints")
    assert [c.name for c in checkpoints] == ["step-0000001", "step-0000002"]

    def refuse(*_a, **_k):
        raise AssertionError("pickle used while loading a model or checkpoint")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)
    model = PaintingModel.from_pretrained(out / "model")
    optimizer = torch.optim.AdamW(model.parameters())
    state = load_checkpoint(checkpoints[-1], model, optimizer)
    assert state["step"] == 2 and optimizer.state_dict()["state"]
    resumed = train(TrainConfig(**cfg, steps=3), progress=False)
    assert resumed.resumed_from == 2
    assert files_holding([out, tmp_path / "live"], TOKEN) == []
