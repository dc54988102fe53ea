"""The executor contract: ledger, failures, resume, params hashing, process pool, kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from inverse_painting.pipeline import (FAILED, OK, SKIPPED, Item, ItemResult, StageFailed, atomic_write_text,
                                       read_ledger, run_stage)


@dataclass(frozen=True)
class Square:
    """The test stage's config: what an item's result depends on."""

    factor: int = 1


def square_item(item, ctx):
    """Writes value**2 (times a params factor) to <id>.txt; fails on 'bad', skips on 'skip'."""
    value = item.payload["value"]
    if value == "bad":
        raise ValueError("not a number: 'bad'")
    if value == "skip":
        return ItemResult.skipped("nothing_to_do", "nothing to do for this one", value="skip")
    if value == "die":
        os._exit(3)  # a worker killed from under the pool
    runs = ctx.out_dir / "runs.log"
    with open(runs, "a") as fh:  # count real executions
        fh.write(item.id + "\n")
    time.sleep(float(item.payload.get("sleep", 0)))
    atomic_write_text(ctx.out_dir / f"{item.id}.txt", str(value**2 * ctx.config.factor))
    return ItemResult.ok([f"{item.id}.txt"], squared=value**2)


def runs(out: Path) -> list[str]:
    p = out / "runs.log"
    return p.read_text().split() if p.exists() else []


def items(*values):
    return [Item(f"i{k}", {"value": v}) for k, v in enumerate(values)]


def test_failing_item_is_recorded_and_the_rest_finish(tmp_path):
    report = run_stage("t", items(1, "bad", 3, "skip"), square_item, tmp_path, Square(), progress=False,
                       report_path=tmp_path / "report.json")
    rows = {r.item_id: r for r in read_ledger(tmp_path / "ledger.jsonl")}
    assert [rows[i].status for i in ("i0", "i1", "i2", "i3")] == [OK, FAILED, OK, SKIPPED]
    assert "not a number" in rows["i1"].reason and "ValueError" in rows["i1"].reason
    assert rows["i3"].reason == "nothing to do for this one" and rows["i3"].code == "nothing_to_do"
    assert rows["i1"].code == "ValueError" and rows["i3"].info == {"value": "skip"}
    assert (tmp_path / "i2.txt").read_text() == "9"
    assert rows["i0"].outputs == ["i0.txt"] and rows["i0"].info == {"squared": 1}
    saved = json.loads((tmp_path / "report.json").read_text())
    assert (saved["ok"], saved["failed"], saved["skipped"], saved["items"]) == (2, 1, 1, 4)
    assert saved["reasons"] == {"ValueError": 1, "nothing_to_do": 1}  # counted by code, not by prose
    assert report.failure_fraction == pytest.approx(0.25)


def test_resume_skips_finished_items_and_retries_failed_ones(tmp_path):
    run_stage("t", items(1, "bad", 3), square_item, tmp_path, Square(), progress=False)
    assert sorted(runs(tmp_path)) == ["i0", "i2"]
    report = run_stage("t", items(1, 2, 3), square_item, tmp_path, Square(), progress=False)
    # Only the previously failed item (now fixed) ran again.
    assert sorted(runs(tmp_path)) == ["i0", "i1", "i2"]
    assert report.cached == 2 and report.ok == 3
    cached = {r.item_id: r.cached for r in report.rows}
    assert cached == {"i0": True, "i1": False, "i2": True}


def test_changed_params_redo_items(tmp_path):
    run_stage("t", items(2, 3), square_item, tmp_path, Square(factor=1), progress=False)
    run_stage("t", items(2, 3), square_item, tmp_path, Square(factor=10), progress=False)
    assert runs(tmp_path) == ["i0", "i1", "i0", "i1"]
    assert (tmp_path / "i0.txt").read_text() == "40"


def test_missing_output_redoes_item(tmp_path):
    run_stage("t", items(2, 3), square_item, tmp_path, Square(), progress=False)
    (tmp_path / "i1.txt").unlink()
    run_stage("t", items(2, 3), square_item, tmp_path, Square(), progress=False)
    assert runs(tmp_path) == ["i0", "i1", "i1"]


def test_failure_fraction_threshold(tmp_path):
    with pytest.raises(StageFailed, match="2/3 items failed"):
        run_stage("t", items("bad", "bad", 1), square_item, tmp_path, Square(), max_failure_fraction=0.5, progress=False)
    # The ledger and the good item's output survive the failed stage.
    assert [r.status for r in read_ledger(tmp_path / "ledger.jsonl")] == [FAILED, FAILED, OK]
    assert (tmp_path / "i2.txt").exists()


def test_duplicate_ids_are_refused(tmp_path):
    with pytest.raises(ValueError, match="duplicate item ids"):
        run_stage("t", [Item("a", {"value": 1}), Item("a", {"value": 2})], square_item, tmp_path, Square(), progress=False)


def test_process_pool_and_a_dying_worker(tmp_path):
    report = run_stage("t", items(1, "die", 3), square_item, tmp_path, Square(), workers=2, progress=False)
    rows = {r.item_id: r for r in report.rows}
    assert rows["i1"].status == FAILED and "worker process died" in rows["i1"].reason
    # Items that shared the broken pool are retried in isolation, so only the culprit fails.
    for i, v in (("i0", 1), ("i2", 3)):
        assert rows[i].status == OK
        assert (tmp_path / f"{i}.txt").read_text() == str(v * v)
    again = run_stage("t", items(1, 6, 3), square_item, tmp_path, Square(), workers=2, progress=False)
    assert [r.status for r in again.rows] == [OK] * 3
    assert [r.cached for r in again.rows] == [True, False, True]


KILL_SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from test_executor import Square, square_item
    from inverse_painting.pipeline import Item, run_stage
    items = [Item(f"i{{k}}", {{"value": k, "sleep": 0.4}}) for k in range(8)]
    run_stage("t", items, square_item, {out!r}, Square(), workers=1, progress=False)
""")


def test_killed_run_resumes_without_redoing_finished_items(tmp_path):
    script = tmp_path / "stage.py"
    out = tmp_path / "out"
    script.write_text(KILL_SCRIPT.format(tests=str(Path(__file__).parent), out=str(out)))
    proc = subprocess.Popen([sys.executable, str(script)])
    deadline = time.time() + 60
    while len(runs(out)) < 3 and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = runs(out)
    finished = [p.stem for p in out.glob("i*.txt")]
    assert 3 <= len(before) < 8 and finished
    subprocess.run([sys.executable, str(script)], check=True)
    after = runs(out)
    # Every item that finished before the kill was not run again.
    assert all(after.count(i) == 1 for i in finished)
    assert sorted(set(after)) == [f"i{k}" for k in range(8)]
    assert [r.status for r in read_ledger(out / "ledger.jsonl")] == [OK] * 8
    assert not list(out.glob(".*tmp*"))


def test_a_skip_needs_a_code_not_prose():
    with pytest.raises(ValueError, match="snake_case"):
        ItemResult.skipped("no canvas in any frame")
    row = ItemResult.skipped("occluded", fraction=0.06)
    assert (row.code, row.reason, row.info) == ("occluded", "occluded, fraction=0.06", {"fraction": 0.06})
