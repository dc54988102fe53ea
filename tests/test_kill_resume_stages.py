"""kill -9 ``canvas`` and ``synth`` mid-run, rerun: same outputs as an uninterrupted run.

Per-item stages must not redo finished items (training: ``test_kill_resume_train.py``).
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Callable

import pytest
from inverse_painting.pipeline import read_ledger, run_stage

from test_kill_resume import digest_tree, make_project, run_stage_here, start_stage

pytestmark = pytest.mark.slow
MARKERS = "_markers"


def run_and_kill(project: Path, stage: str, ready: Callable[[], bool], limit_s: float = 240) -> None:
    """Start ``stage``, SIGKILL it as soon as ``ready()``; fail if it finished first."""
    proc = start_stage(project, stage)
    deadline = time.time() + limit_s
    while time.time() < deadline and proc.poll() is None and not ready():
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the stage ended before it could be killed mid-run"


def finished_items(out: Path) -> list[str]:
    return sorted(p.stem for p in (out / MARKERS).glob("*.json") if not p.name.startswith("."))  # not one being written


def assert_resumed_like_clean(clean_out: Path, killed_out: Path, finished: list[str], items: int) -> None:
    """Outputs byte-identical, finished items cached (not redone), nothing temporary left."""
    outputs = {k: v for k, v in digest_tree(killed_out).items() if not k.startswith(MARKERS)}
    assert outputs == {k: v for k, v in digest_tree(clean_out).items() if not k.startswith(MARKERS)}
    # Markers are bookkeeping (their rows may carry timings): same items, params and outputs.
    for marker in (clean_out / MARKERS).glob("*.json"):
        a, b = json.loads(marker.read_text()), json.loads((killed_out / MARKERS / marker.name).read_text())
        assert (a["params_hash"], a["row"]["status"], a["row"]["outputs"]) == \
               (b["params_hash"], b["row"]["status"], b["row"]["outputs"]), marker.name
    rows = {r.item_id: r for r in read_ledger(killed_out / "ledger.jsonl")}
    assert len(rows) == items and all(r.status == "ok" for r in rows.values())
    assert all(rows[i].cached for i in finished)
    assert sum(not r.cached for r in rows.values()) == items - len(finished)
    assert not [p for p in killed_out.rglob("*") if ".tmp" in p.name]


def kill_item_stage_and_resume(tmp_path: Path, stage: str, params: dict, items: int,
                               monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run ``stage`` once straight and once killed (a process) after its first item, then rerun; compare."""
    clean = make_project(tmp_path / "clean", params, "")
    run_stage_here(clean, stage, monkeypatch)
    killed = make_project(tmp_path / "killed", params, "")
    out = killed / params[stage]["out"]
    run_and_kill(killed, stage, lambda: len(finished_items(out)) >= 1)
    finished = finished_items(out)
    assert 1 <= len(finished) < items, finished
    run_stage_here(killed, stage, monkeypatch)
    assert_resumed_like_clean(clean / params[stage]["out"], out, finished, items)
    return out


@pytest.fixture(scope="module")
def sampled_frames(tmp_path_factory) -> Path:
    """Frames of three short sample videos (fetch + frames run in this process)."""
    from inverse_painting.ingest.fetch import FetchConfig, fetch_item, fetch_items
    from inverse_painting.ingest.frames import FramesConfig, fetched_items, frames_item
    from inverse_painting.ingest.sources import load_manifest

    root = tmp_path_factory.mktemp("canvas-inputs")
    (root / "sources.yaml").write_text(
        "sources:\n" + "".join(f"  - url: sample://landscape/{s}?duration=16&fps=4\n" for s in (51, 52, 53)))
    fetch = FetchConfig(out=str(root / "raw"))
    run_stage("fetch", fetch_items(load_manifest(root / "sources.yaml"), fetch), fetch_item, fetch.out, fetch,
              progress=False)
    run_stage("frames", fetched_items(root / "raw"), frames_item, root / "frames",
              FramesConfig(raw=str(root / "raw"), jpeg_quality=90), progress=False)
    return root / "frames"


def test_canvas_killed_mid_run_resumes_to_identical_outputs(tmp_path, sampled_frames, monkeypatch):
    params = {"canvas": {"frames": str(sampled_frames), "out": "data/canvas", "backend": "classical",
                         "width": 192, "margin": 0.15, "workers": 1, "person": {"enabled": False}}}
    kill_item_stage_and_resume(tmp_path, "canvas", params, items=3, monkeypatch=monkeypatch)


def test_synth_killed_mid_run_resumes_to_identical_outputs(tmp_path, monkeypatch):
    params = {"synth": {"input": "sample://stills?seeds=100-102&width=160", "out": "data/synth", "size": 128,
                        "strokes": 160, "pass_widths": [0.09, 0.03], "pass_shares": [0.4, 0.6], "steps": [25, 25],
                        "layers": 2, "region_clusters": 4, "frames": 6, "video_fps": 4, "gif": True, "seed": 0,
                        "threads": 1, "workers": 1}}
    out = kill_item_stage_and_resume(tmp_path, "synth", params, items=3, monkeypatch=monkeypatch)
    # Every kind of output took part in the comparison, videos included.
    assert {Path(k).suffix for k in digest_tree(out)} >= {".png", ".json", ".parquet", ".mp4", ".gif", ".jpg"}
