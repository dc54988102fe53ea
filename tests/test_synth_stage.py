"""The synth stage end to end: sample stills, an image folder, a local Hub-layout dataset, resume."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from inverse_painting.config import ConfigError, parse_config
from inverse_painting.media import read_image, write_image
from inverse_painting.pipeline import run_stage
from inverse_painting.sample import generate_still
from inverse_painting.synth import SynthConfig
from inverse_painting.synth.stage import synth_item, synth_items

PARAMS = Path(__file__).resolve().parent.parent / "params.yaml"
TINY = dict(size=64, strokes=48, steps=(4, 4, 3, 3), frames=6, layers=3, gif=True, video_fps=4.0, keyframe_gap_s=(),
            workers=1)


def config_for(source, out, **extra) -> SynthConfig:
    return SynthConfig(**{**TINY, "input": source, "out": str(out), **extra})


def test_sample_stills_stage_writes_sequences_and_resumes(tmp_path):
    out = tmp_path / "synth"
    config = config_for("sample://stills?seeds=100-101&width=96", out)
    items = synth_items(config)
    assert [i.id for i in items] == ["sample-still-0100", "sample-still-0101"]
    report = run_stage("synth", items, synth_item, out, config, progress=False)
    assert report.ok == 2 and report.failed == 0
    d = out / "sample-still-0100"
    seq = json.loads((d / "sequence.json").read_text())
    assert seq["origin"] == "synthetic" and seq["painting_id"] == "sample-still-0100"
    assert seq["start_t"] == 0.0 and seq["step_truth"] == "regions.json"  # white canvas at 0; exact truth beside
    assert (seq["width"], seq["height"]) == (64, read_image(d / "source.png").shape[0])
    frames = seq["keyframes"]
    assert [f["index"] for f in frames] == list(range(6)) and frames[-1]["file"] == "keyframes/005.png"
    assert all(b["t"] > a["t"] > 0 for a, b in zip(frames, frames[1:]))
    last = read_image(d / frames[-1]["file"])
    assert last.shape == (seq["height"], 64, 3)
    stats = json.loads((d / "synth.json").read_text())
    assert stats["strokes"] == 48 and stats["psnr"] > 12 and stats["ground_truth_spearman"] > 0.3
    strokes = pd.read_parquet(d / "strokes.parquet")
    assert len(strokes) == 48 and strokes["stroke"].tolist() == list(range(48))
    assert {"x0", "y2", "width", "r", "opacity", "layer", "pass", "depth", "t_end", "frame"} <= set(strokes.columns)
    assert strokes["t_end"].iloc[-1] == pytest.approx(frames[-1]["t"], abs=1e-3)
    assert strokes["frame"].is_monotonic_increasing and strokes["layer"].is_monotonic_increasing
    regions = json.loads((d / "regions.json").read_text())
    assert len(regions["steps"]) == 6 and regions["steps"][0]["label"]
    mask = read_image(d / regions["steps"][2]["mask"])
    assert set(np.unique(mask)) <= {0, 255} and mask.max() == 255
    for name in ("process.mp4", "process.gif", "contact_sheet.jpg", "layers.png", "regions.png", "depth.png"):
        assert (d / name).stat().st_size > 100, name
    again = run_stage("synth", items, synth_item, out, config, progress=False)
    assert again.cached == 2


def test_folder_and_dataset_inputs_record_bad_images(tmp_path):
    folder = tmp_path / "images"
    write_image(folder / "hill.png", generate_still(3, 80))
    (folder / "broken.jpg").write_bytes(b"not an image")
    out = tmp_path / "synth"
    config = config_for(str(folder), out)
    items = synth_items(config)
    report = run_stage("synth", items, synth_item, out, config, progress=False, max_failure_fraction=0.6)
    status = {r.item_id: r.status for r in report.rows}
    assert status == {"broken": "failed", "hill": "ok"}
    assert "not a readable image" in next(r.reason for r in report.rows if r.item_id == "broken")
    # Items name their image relative to the input folder, with its content hash.
    hill = next(i for i in items if i.id == "hill")
    assert hill.payload["file"] == "hill.png" and len(hill.payload["sha256"]) == 16 and str(tmp_path) not in str(hill)
    stats = json.loads((out / "hill" / "synth.json").read_text())
    assert "ground_truth_spearman" not in stats  # a folder knows no true layer order
    assert json.loads((out / "hill" / "sequence.json").read_text())["source_url"].startswith("local:hill.png#sha256=")

    from datasets import Dataset, Image

    ds = Dataset.from_dict({"picture": [str(folder / "hill.png")] * 2}).cast_column("picture", Image())
    (tmp_path / "hub" / "data").mkdir(parents=True)
    ds.to_parquet(str(tmp_path / "hub" / "data" / "train-00000-of-00001.parquet"))
    config = config_for(f"hf://{tmp_path / 'hub'}", out, dataset_column="picture", limit=1)
    items = synth_items(config)
    assert [i.id for i in items] == ["hub-train-00000"]
    report = run_stage("synth", items, synth_item, out, config, progress=False)
    assert report.ok == 1
    seq = json.loads((out / "hub-train-00000" / "sequence.json").read_text())
    assert seq["source_url"].startswith("hf://") and len(seq["keyframes"]) == 6
    with pytest.raises(ValueError, match="no column"):
        synth_items(config_for(f"hf://{tmp_path / 'hub'}", out, dataset_column="image"))


def test_cli_synth_on_a_folder(tmp_path):
    from inverse_painting.cli import app

    write_image(tmp_path / "in" / "lake.png", generate_still(5, 72))
    r = CliRunner().invoke(app, ["synth", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--size", "48",
                                 "--strokes", "30", "--frames", "4", "--workers", "1", "--no-recut"])
    assert r.exit_code == 0, r.output
    assert len(json.loads((tmp_path / "out" / "lake" / "sequence.json").read_text())["keyframes"]) == 4
    r = CliRunner().invoke(app, ["synth", "sample://nope"])
    assert r.exit_code == 2


def test_config_is_strict_and_its_defaults_are_the_default_run():
    import yaml
    from typer.main import get_command

    from inverse_painting.cli import app

    section = yaml.safe_load(PARAMS.read_text())["synth"]
    assert parse_config(SynthConfig, section, "synth") == SynthConfig()  # params.yaml runs the defaults
    with pytest.raises(ConfigError, match=r"synth.stroke: unknown setting; did you mean 'strokes'"):
        parse_config(SynthConfig, {**section, "stroke": 600}, "synth")
    with pytest.raises(ConfigError, match=r"synth.order: 'random' is not one of"):
        parse_config(SynthConfig, {"order": "random"}, "synth")
    options = {p.name: p.default for p in get_command(app).commands["synth"].params}
    assert options["strokes"] == SynthConfig().strokes == section["strokes"]
    assert options["depth_backend"] == "prior" and options["source"] == section["input"]
