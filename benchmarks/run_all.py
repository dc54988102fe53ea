"""Every speed figure of the project in one run, each with its goal, plus the suite and `dvc repro`.

Runs benchmarks/ingest.py, strokes.py (renderer part), paint.py and paper_painter.py, each in its
own process (so one's threads and memory do not colour another's), reads the JSON object each
prints last, then times the test suite and a default `dvc repro` from scratch in a scratch copy
of this checkout (your data/ is not touched) and `dvc repro` with everything up to date. Prints
one table (figure, value, goal, met) and ends with one JSON line holding every figure.

    python benchmarks/run_all.py [--skip ingest,strokes,paint,paper,suite,repro,noop]

Absolute times move 2-3x between machines of one kind, so the goals are ratios measured in this
run, or budgets with headroom for a slow 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = {"ingest": ["ingest.py"], "strokes": ["strokes.py", "--renderer-only"],
              "paint": ["paint.py", "--sizes", "256"], "paper": ["paper_painter.py", "--size", "256"]}


def run_benchmark(args: list[str]) -> tuple[dict, float]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / args[0]), *args[1:]], cwd=ROOT,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    lines = [line for line in proc.stdout.strip().splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"benchmarks/{args[0]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return json.loads(lines[-1]), seconds


def timed(cmd: list[str], cwd: Path) -> float | None:
    """Wall seconds of a command (None when it fails)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return None if proc.returncode != 0 else time.perf_counter() - start


def scratch_checkout() -> Path:
    """The tracked files of this checkout (and DVC's config) in a temporary folder, as a git repo."""
    folder = Path(tempfile.mkdtemp(prefix="inverse-painting-repro-"))
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    for name in filter(None, files.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name, follow_symlinks=False)
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    return folder


def repro_from_scratch_seconds() -> float | None:
    folder = scratch_checkout()
    try:
        real = ROOT / "data" / "real_sequence"  # the evaluation's real sequence, where this checkout has one
        if real.exists():
            (folder / "data").mkdir(exist_ok=True)
            (folder / "data" / "real_sequence").symlink_to(real.resolve())
        return timed(["dvc", "repro", "--no-commit"], folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def noop_seconds() -> float | None:
    """Seconds of `dvc repro` when every stage is up to date (None when it is not)."""
    status = subprocess.run(["dvc", "status"], cwd=ROOT, capture_output=True, text=True)
    if "up to date" not in status.stdout:
        return None
    return timed(["dvc", "repro"], ROOT)


def goals(f: dict) -> list[tuple[str, object, str, bool | None]]:
    """(figure, value, goal, met) rows; met is None where the figure was not measured."""
    def row(name, value, goal, test):
        return name, value, goal, None if value is None else bool(test(value))

    paint_s, paper_s = f.get("paint.s_per_keyframe_256"), f.get("paper.paper_s_per_keyframe")
    cheaper = None if not paint_s or paper_s is None else round(paper_s / paint_s, 1)
    return [
        row("ingest / decode-only throughput", f.get("ingest.ratio"), ">= 0.5", lambda v: v >= 0.5),
        row("renderer fwd+bwd 1024 strokes @512, x compute limit", f.get("strokes.x_limit_1024_512"), "<= 8",
            lambda v: v <= 8),
        row("painter: paper s/keyframe / ours (256 px)", cheaper, ">= 100", lambda v: v >= 100),
        row("test suite seconds", f.get("suite_s"), "<= 300 (slow machine)", lambda v: v <= 300),
        row("default dvc repro from scratch, seconds", f.get("repro_s"), "<= 600 (slow machine)", lambda v: v <= 600),
        row("dvc repro, all up to date, seconds", f.get("noop_s"), "<= 3", lambda v: v <= 3),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help="comma-separated: ingest, strokes, paint, paper, suite, repro, noop")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    figures: dict[str, object] = {"machine": f"{platform.machine()} {os.cpu_count()} cores, "
                                             f"Python {platform.python_version()}",
                                  "load_average_1min_at_start": round(os.getloadavg()[0], 2)}
    for name, command in BENCHMARKS.items():
        if name not in skip:
            result, seconds = run_benchmark(command)
            figures.update({f"{name}.{key}": value for key, value in result.items()})
            figures[f"{name}.wall_s"] = round(seconds, 1)
    steps = {"suite": lambda: timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], ROOT),
             "repro": repro_from_scratch_seconds, "noop": noop_seconds}
    for name, measure in steps.items():
        if name not in skip:
            seconds = measure()
            figures[f"{name}_s"] = None if seconds is None else round(seconds, 2)
    rows = goals(figures)
    width = max(len(r[0]) for r in rows)
    print(f"{figures['machine']}; load average {figures['load_average_1min_at_start']} at the start")
    print(f"{'figure':<{width}}  {'value':>10}  {'goal':<22}  met")
    for name, value, goal, met in rows:
        shown = "not run" if value is None else value
        print(f"{name:<{width}}  {shown!s:>10}  {goal:<22}  {'-' if met is None else ('yes' if met else 'NO')}")
    figures["goals_met"] = {name: met for name, _, _, met in rows}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
