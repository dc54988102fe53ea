"""Every figure of the project's benchmarks in one run, plus the `dvc repro` no-op time.

Runs benchmarks/ingest.py, benchmarks/strokes.py and benchmarks/paint.py (each in its own
process, so one's threads and memory do not colour another's), reads the JSON object each
prints last, times `dvc repro` on an up-to-date pipeline, prints a table and ends with one
JSON line holding every figure.

    python benchmarks/run_all.py [--skip ingest,strokes,paint,dvc]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ("ingest", "strokes", "paint")


def run_benchmark(name: str) -> tuple[dict, float]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"{name}.py")], cwd=ROOT,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    lines = [line for line in proc.stdout.strip().splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"benchmarks/{name}.py failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return json.loads(lines[-1]), seconds


def dvc_noop_seconds() -> float | None:
    """Seconds of `dvc repro` when every stage is up to date (None when it is not)."""
    if shutil.which("dvc") is None:
        return None
    status = subprocess.run(["dvc", "status"], cwd=ROOT, capture_output=True, text=True)
    if "up to date" not in status.stdout:
        return None
    start = time.perf_counter()
    subprocess.run(["dvc", "repro"], cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help="comma-separated: ingest, strokes, paint, dvc")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    figures: dict[str, object] = {"machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}"}
    rows = []
    for name in BENCHMARKS:
        if name in skip:
            continue
        result, seconds = run_benchmark(name)
        for key, value in result.items():
            figures[f"{name}.{key}"] = value
            rows.append((name, key, value))
        rows.append((name, "benchmark wall seconds", round(seconds, 1)))
    if "dvc" not in skip:
        noop = dvc_noop_seconds()
        figures["dvc_repro_noop_s"] = None if noop is None else round(noop, 2)
        rows.append(("dvc", "repro no-op seconds", "not up to date: run dvc repro first" if noop is None
                     else round(noop, 2)))
    width = max(len(f"{a}  {b}") for a, b, _ in rows) if rows else 20
    print(f"{'benchmark  figure':<{width}}  value")
    for bench, key, value in rows:
        print(f"{bench + '  ' + key:<{width}}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
