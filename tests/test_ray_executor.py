"""The Ray backend gives the same outputs and ledger as the local process pool."""

from __future__ import annotations

import hashlib
import json

import pytest

from inverse_painting.ingest.frames import FramesConfig, fetched_items, frames_item
from inverse_painting.pipeline import atomic_write_json, read_ledger, run_stage

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow


def tree_digest(root):
    """Hash of every file under ``root`` except the ledger (which holds timings)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.name.startswith("ledger.jsonl"):
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def test_ray_and_process_pool_agree(tmp_path, short_sample, monkeypatch):
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    video_dir, _ = short_sample
    raw = tmp_path / "raw"
    (raw / "good").mkdir(parents=True)
    (raw / "good" / "video.mp4").symlink_to(video_dir / "video.mp4")
    atomic_write_json(raw / "good" / "info.json", {"video": "video.mp4"})
    (raw / "broken").mkdir()
    (raw / "broken" / "video.mp4").write_bytes(b"\x00" * 100)
    atomic_write_json(raw / "broken" / "info.json", {"video": "video.mp4"})
    items = fetched_items(raw)
    params = FramesConfig(raw=str(raw), rate=2.0, backend="pyav", jpeg_quality=90)
    pool = run_stage("frames", items, frames_item, tmp_path / "pool", params, workers=2, progress=False)
    on_ray = run_stage("frames", items, frames_item, tmp_path / "ray", params, workers=2, progress=False,
                       executor="ray")
    assert [r.status for r in pool.rows] == [r.status for r in on_ray.rows] == ["failed", "ok"]
    assert tree_digest(tmp_path / "pool") == tree_digest(tmp_path / "ray")
    strip = [lambda r: {**json.loads(r.to_json()), "seconds": None}]
    a = [strip[0](r) for r in read_ledger(tmp_path / "pool" / "ledger.jsonl")]
    b = [strip[0](r) for r in read_ledger(tmp_path / "ray" / "ledger.jsonl")]
    assert a == b and "not a readable video" in a[0]["reason"]
    assert not ray.is_initialized()  # the stage shut down the local Ray it started


def test_unknown_executor_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown executor"):
        run_stage("t", [], frames_item, tmp_path, {}, executor="dask")
