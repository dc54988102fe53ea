"""Hostile and broken inputs end as ledger rows with clear reasons; nothing crashes a stage."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from PIL import Image

from inverse_painting.ingest.fetch import FetchConfig, fetch_item, fetch_items
from inverse_painting.ingest.frames import FramesConfig, fetched_items, frames_item
from inverse_painting.ingest.sources import load_manifest
from inverse_painting.media.images import UnreadableImage, read_image
from inverse_painting.pipeline import read_ledger, run_stage


def ffmpeg():
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture(scope="module")
def bad_videos(tmp_path_factory, short_sample):
    video, _ = short_sample
    d = tmp_path_factory.mktemp("bad")
    data = (video / "video.mp4").read_bytes()
    (d / "corrupt.mp4").write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8)))
    (d / "truncated.mp4").write_bytes(data[: len(data) * 2 // 5])
    (d / "empty.mp4").write_bytes(b"")
    (d / "page.mp4").write_text("<!doctype html><html><body><video src='x.mp4'></video></body></html>")
    subprocess.run([ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                    str(d / "audio_only.m4a")], check=True)
    hostile = d / "Paint; rm -rf ~ $(whoami) `id` ..\\é中文 🎨.mp4"
    hostile.write_bytes(data)
    return d


@pytest.mark.slow
def test_fetch_and_frames_record_every_bad_video(tmp_path, bad_videos):
    manifest = tmp_path / "sources.yaml"
    names = ["corrupt.mp4", "truncated.mp4", "empty.mp4", "page.mp4", "audio_only.m4a",
             "Paint; rm -rf ~ $(whoami) `id` ..\\é中文 🎨.mp4", "missing.mp4"]
    manifest.write_text("sources:\n" + "".join(f"  - url: {json.dumps(str(bad_videos / n), ensure_ascii=False)}\n" for n in names))
    raw = tmp_path / "raw"
    config = FetchConfig(out=str(raw), max_failure_fraction=1.0)
    report = run_stage("fetch", fetch_items(load_manifest(manifest), config), fetch_item, raw, config, progress=False)
    rows = {r.item_id: r for r in report.rows}
    assert set(rows) == {"corrupt", "truncated", "empty", "page", "audio_only", "Paint_rm_-rf_whoami_id", "missing"}
    reasons = {k: r.reason for k, r in rows.items()}
    assert rows["corrupt"].status == "failed" and "not a readable video" in reasons["corrupt"]
    assert rows["page"].status == "failed" and "not a readable video" in reasons["page"]
    assert "missing or empty" in reasons["empty"] and "missing or empty" in reasons["missing"]
    assert rows["audio_only"].status == "failed" and "no video stream" in reasons["audio_only"]
    # The hostile name became a safe id; its folder sits inside the output.
    hostile = rows["Paint_rm_-rf_whoami_id"]
    assert hostile.status == "ok" and (raw / hostile.item_id / "video.mp4").exists()
    assert sorted(p.name for p in raw.iterdir() if not p.name.startswith(("_", ".", "ledger"))) == sorted(
        k for k, r in rows.items() if r.status == "ok")

    frames = tmp_path / "frames"
    report = run_stage("frames", fetched_items(raw), frames_item, frames, FramesConfig(raw=str(raw), backend="pyav"),
                       progress=False, max_failure_fraction=1.0)
    rows = {r.item_id: r for r in report.rows}
    assert rows["Paint_rm_-rf_whoami_id"].status == "ok"
    trunc = rows.get("truncated")
    if trunc is not None:  # a truncated file either decodes partly or fails with the reason
        if trunc.status == "ok":
            assert 0 < trunc.info["frames"] < 20
        else:
            assert trunc.reason
    assert [r.status for r in read_ledger(frames / "ledger.jsonl")]


def test_images_of_every_kind_read_as_rgb(tmp_path):
    rgb = np.random.default_rng(1).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    cases = {
        "tiny.png": Image.new("RGB", (1, 1), (10, 20, 30)),
        "gray.png": Image.fromarray(rgb[..., 0]),
        "cmyk.jpg": Image.fromarray(rgb).convert("CMYK"),
        "deep.png": Image.fromarray((rgb[..., 0].astype(np.uint16) * 257)),
        "alpha.png": Image.fromarray(np.dstack([rgb, np.full((40, 60), 0, np.uint8)])),
        "palette.gif": Image.fromarray(rgb).convert("P"),
    }
    for name, im in cases.items():
        im.save(tmp_path / name)
    for name in cases:
        arr = read_image(tmp_path / name)
        assert arr.dtype == np.uint8 and arr.ndim == 3 and arr.shape[2] == 3, name
    assert read_image(tmp_path / "tiny.png").shape == (1, 1, 3)
    assert (read_image(tmp_path / "alpha.png") == 255).all()  # fully transparent -> white canvas
    assert read_image(tmp_path / "deep.png").max() > 200
    # EXIF orientation 6 (rotate 90 CW to display): a 60x40 stored image displays as 40x60.
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(rgb).save(tmp_path / "rotated.jpg", exif=exif.tobytes())
    assert read_image(tmp_path / "rotated.jpg").shape == (60, 40, 3)
    big = Image.new("RGB", (8000, 6000), (200, 100, 50))
    big.save(tmp_path / "big.png")
    assert read_image(tmp_path / "big.png").shape == (6000, 8000, 3)
    for bad in ("none.png", "text.png"):
        if bad == "text.png":
            (tmp_path / bad).write_text("not an image")
        with pytest.raises(UnreadableImage):
            read_image(tmp_path / bad)


def test_a_100000_row_source_list(tmp_path):
    csv = tmp_path / "sources.csv"
    csv.write_text("url,split\n" + "".join(f"sample://landscape/{i},train\n" for i in range(100_000)))
    sources = load_manifest(csv)
    items = fetch_items(sources, FetchConfig())
    assert len(items) == 100_000 and len({i.id for i in items}) == 100_000
    yml = tmp_path / "sources.yaml"
    yml.write_text("sources:\n" + "".join(f"  - url: sample://landscape/{i}\n" for i in range(100_000)))
    assert len(load_manifest(yml)) == 100_000


def test_credentials_in_source_urls_never_reach_outputs(tmp_path, short_sample, monkeypatch):
    from inverse_painting.pipeline import Item
    from inverse_painting.pipeline.redact import redact

    monkeypatch.setenv("HF_TOKEN", "hf_FAKEsecretvalue123456")
    assert redact("https://bob:pa55@host/v.mp4?token=abc&x=1") == "https://***@host/v.mp4?token=***&x=1"
    assert redact("failed with hf_FAKEsecretvalue123456") == "failed with ***"
    url = "https://bob:pa55word@127.0.0.1:9/clip.mp4?access_token=s3cr3t"  # refused: never contacted
    items = [Item("remote", {"url": url, "kind": "remote", "split": "auto", "genre": "", "medium": "", "licence": "",
                             "painter": "", "id": None, "extra": {}}),
             Item("local", {"url": str(short_sample[0] / "video.mp4"), "kind": "local", "split": "auto", "genre": "",
                            "medium": "", "licence": "", "painter": "", "id": None, "extra": {"note": url}})]
    report = run_stage("fetch", items, fetch_item, tmp_path, FetchConfig(out=str(tmp_path), max_failure_fraction=1.0),
                       progress=False)
    assert [r.code for r in report.rows] == ["refused_url", ""]
    text = "".join(p.read_text(errors="ignore") for p in tmp_path.rglob("*.json*"))
    assert "pa55word" not in text and "s3cr3t" not in text and "hf_FAKE" not in text
    assert (tmp_path / "local" / "info.json").exists()
