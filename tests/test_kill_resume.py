"""kill -9 a stage mid-run, rerun it: outputs match an uninterrupted run and no finished item is redone."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from inverse_painting.pipeline import read_ledger

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def digest_tree(root: Path) -> dict[str, str]:
    """Every file's hash, except ledgers (they hold timings and the cached flag)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith("ledger.jsonl")}


def done(markers: Path) -> list[str]:
    """Items whose marker is written (a marker still being written is a hidden temporary file)."""
    return sorted(p.stem for p in markers.glob("*.json") if not p.name.startswith("."))


def start_stage(project: Path, stage: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INVERSE_PAINTING_PARAMS": str(project / "params.yaml")}
    with open(project / f"{stage}.log", "ab") as log:  # appended run after run: a failure shows its traceback
        return subprocess.Popen([sys.executable, "-m", f"pipelines.{stage}"], cwd=project, env=env,
                                stdout=subprocess.DEVNULL, stderr=log)


def run_stage_here(project: Path, stage: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stage's entry point (``pipelines.<stage>.run``) in this process, in ``project``: the
    uninterrupted reference or the rerun after a kill, an interpreter start fewer than ``start_stage``
    (only the run that is killed needs a process of its own)."""
    import importlib

    with monkeypatch.context() as m:
        m.syspath_prepend(str(ROOT))
        m.chdir(project)
        common = importlib.import_module("pipelines.common")
        m.setattr(common, "PARAMS_FILE", project / "params.yaml")
        importlib.import_module(f"pipelines.{stage}").run()


def make_project(root: Path, params: dict, sources: str) -> Path:
    root.mkdir(parents=True)
    (root / "sources.yaml").write_text(sources)
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    return root


def test_fetch_killed_mid_run_resumes_to_identical_outputs(tmp_path, monkeypatch):
    sources = "sources:\n" + "".join(f"  - url: sample://landscape/{s}?duration=16&fps=3\n" for s in (31, 32, 33, 34))
    params = {"fetch": {"sources": "sources.yaml", "out": "data/raw", "workers": 1}}
    clean = make_project(tmp_path / "clean", params, sources)
    run_stage_here(clean, "fetch", monkeypatch)

    killed = make_project(tmp_path / "killed", params, sources)
    proc = start_stage(killed, "fetch")
    markers = killed / "data/raw/_markers"
    deadline = time.time() + 240
    while time.time() < deadline and len(done(markers)) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = done(markers)
    assert 2 <= len(finished) < 4, finished
    run_stage_here(killed, "fetch", monkeypatch)

    assert digest_tree(killed / "data/raw") == digest_tree(clean / "data/raw")
    rows = {r.item_id: r for r in read_ledger(killed / "data/raw/ledger.jsonl")}
    assert all(rows[i].cached for i in finished)  # not redone
    assert sum(not r.cached for r in rows.values()) == 4 - len(finished)
    leftovers = [p for p in (killed / "data/raw").rglob("*") if ".tmp" in p.name]
    assert not leftovers
