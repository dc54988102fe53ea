"""The DVC pipeline end to end on a tiny sample world: repro, no-op repro, one-param experiment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def sh(args, cwd, **kw):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "DVC_NO_ANALYTICS": "1"}
    r = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{args}: {r.stdout}\n{r.stderr}"
    return r.stdout + r.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    if shutil.which("dvc") is None:
        pytest.skip("dvc is not installed")
    work = tmp_path_factory.mktemp("project")
    for name in ("dvc.yaml", "params.yaml", "pipelines", "inverse_painting", "sources", ".dvc"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, work / name, ignore=shutil.ignore_patterns("__pycache__", "tmp", "cache"))
        else:
            shutil.copy2(src, work / name)
    (work / "sources" / "tiny.yaml").write_text(
        "sources:\n  - url: sample://landscape/21?duration=16&fps=4\n  - url: sample://landscape/22?duration=16&fps=4\n")
    params = yaml.safe_load((work / "params.yaml").read_text())
    params["fetch"]["sources"] = "sources/tiny.yaml"
    for stage in ("fetch", "frames"):  # two short videos: inline, no worker pool beside the other test workers
        params[stage]["workers"] = 1
    stages = set(yaml.safe_load((work / "dvc.yaml").read_text())["stages"])
    # Only the ingestion stages run here; later stages have their own tests.
    dvc = yaml.safe_load((work / "dvc.yaml").read_text())
    dvc["stages"] = {k: v for k, v in dvc["stages"].items() if k in ("fetch", "frames")}
    dvc["plots"] = [p for p in dvc.get("plots", []) if "frames" in str(p)]
    (work / "dvc.yaml").write_text(yaml.safe_dump(dvc, sort_keys=False))
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    (work / ".gitignore").write_text("/data/\n/reports/\n__pycache__/\n")
    sh(["git", "init", "-q"], work)
    sh(["git", "add", "-A"], work)
    sh(["git", "commit", "-qm", "init"], work)
    assert {"fetch", "frames"} <= stages
    return work


def test_repro_then_noop_then_single_param_experiment(project):
    out = sh(["dvc", "repro"], project)
    assert "Running stage 'fetch'" in out and "Running stage 'frames'" in out
    report = json.loads((project / "reports" / "frames.json").read_text())
    assert report["ok"] == 2 and report["failed"] == 0
    index = json.loads((project / "data/frames/sample-landscape-0021/frames.json").read_text())
    assert len(index["frames"]) == 16

    again = sh(["dvc", "repro"], project)
    assert "didn't change, skipping" in again and "Running stage" not in again
    assert "Data and pipelines are up to date" in sh(["dvc", "status"], project)

    sh(["git", "add", "-A"], project)
    sh(["git", "commit", "-qm", "repro"], project)
    exp = sh(["dvc", "exp", "run", "-S", "frames.rate=0.5"], project)
    assert "Running stage 'frames'" in exp and "Running stage 'fetch'" not in exp
    index = json.loads((project / "data/frames/sample-landscape-0021/frames.json").read_text())
    assert len(index["frames"]) == 8
    metrics = sh(["dvc", "metrics", "show", "--json"], project)
    assert "frames" in metrics
