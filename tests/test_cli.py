"""The command line: --help everywhere, and the ingestion commands on generated media."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest
import yaml
from typer.main import get_command
from typer.testing import CliRunner

from inverse_painting.cli import app

runner = CliRunner(env={"COLUMNS": "400", "TERMINAL_WIDTH": "400", "NO_COLOR": "1"})


def all_commands():
    return sorted(get_command(app).commands)


def test_every_command_has_help():
    assert {"sample", "fetch", "frames", "ledger"} <= set(all_commands())
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in all_commands():
        r = runner.invoke(app, [name, "--help"])
        assert r.exit_code == 0, (name, r.output)
        assert "Usage" in r.output and len(r.output) > 200


def test_fetch_and_frames_commands_record_bad_items(tmp_path):
    (tmp_path / "broken.mp4").write_bytes(b"this is not a video")
    manifest = tmp_path / "sources.yaml"
    manifest.write_text("sources:\n  - url: sample://landscape/9?duration=16&fps=4\n  - url: broken.mp4\n")
    raw, frames = tmp_path / "raw", tmp_path / "frames"
    r = runner.invoke(app, ["fetch", str(manifest), "--out", str(raw), "--workers", "1"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in (raw / "ledger.jsonl").read_text().splitlines()]
    assert [x["status"] for x in rows] == ["ok", "failed"]
    assert "not a readable video" in rows[1]["reason"]
    info = json.loads((raw / "sample-landscape-0009" / "info.json").read_text())
    assert info["width"] == 1280 and info["ground_truth"] == "ground_truth.json"
    r = runner.invoke(app, ["frames", str(raw), "--out", str(frames), "--rate", "2", "--workers", "1"])
    assert r.exit_code == 0, r.output
    index = json.loads((frames / "sample-landscape-0009" / "frames.json").read_text())
    assert len(index["frames"]) == 32 and index["frames"][3]["t"] == pytest.approx(1.5)
    assert (frames / "sample-landscape-0009" / index["frames"][-1]["file"]).stat().st_size > 10_000
    r = runner.invoke(app, ["ledger", str(raw)])
    assert r.exit_code == 0 and "1 failed" in r.output and "1 ok" in r.output


def test_fetch_rejects_a_bad_manifest_clearly(tmp_path):
    manifest = tmp_path / "sources.yaml"
    manifest.write_text("sources:\n  - split: train\n")
    r = runner.invoke(app, ["fetch", str(manifest), "--out", str(tmp_path / "raw")])
    assert r.exit_code == 2 and "sources.yaml:2 field 'url'" in r.output


def test_sample_command_writes_videos_and_stills(tmp_path):
    r = runner.invoke(app, ["sample", str(tmp_path), "--seeds", "2", "--duration", "16", "--fps", "3",
                            "--stills", "2"])
    assert r.exit_code == 0, r.output
    gt = json.loads((tmp_path / "sample-landscape-0002" / "ground_truth.json").read_text())
    assert gt["n_frames"] == 48
    assert sorted(p.name for p in (tmp_path / "stills").iterdir()) == ["still-0100.png", "still-0101.png"]
    r = runner.invoke(app, ["sample", str(tmp_path), "--seeds", "1-x"])
    assert r.exit_code == 2 and "expected seeds" in r.output


def _ingestion_configs():
    from inverse_painting.canvas.stage import CanvasConfig
    from inverse_painting.clean.stage import CleanConfig
    from inverse_painting.ingest.fetch import FetchConfig
    from inverse_painting.ingest.frames import FramesConfig

    return {"fetch": FetchConfig, "frames": FramesConfig, "canvas": CanvasConfig, "clean": CleanConfig}


@pytest.mark.parametrize("stage", ["fetch", "frames", "canvas", "clean"])
def test_params_yaml_holds_the_config_defaults_and_dvc_tracks_the_section(stage):
    from inverse_painting.config import parse_config

    cls = _ingestion_configs()[stage]
    root = Path(__file__).resolve().parent.parent
    params = yaml.safe_load((root / "params.yaml").read_text())[stage]
    assert parse_config(cls, params, stage) == cls()
    assert sorted(params) == sorted(f.name for f in fields(cls))
    # DVC tracks the whole section: every key, and no other stage's
    assert yaml.safe_load((root / "dvc.yaml").read_text())["stages"][stage]["params"] == [stage]
