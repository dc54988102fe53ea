"""The executor contract every per-item stage uses.

A stage is a list of :class:`Item` and one top-level function ``fn(item, ctx) ->
ItemResult``. :func:`run_stage` fans the items out over a local process pool, records a
:class:`~inverse_painting.pipeline.ledger.LedgerRow` per item, writes a completion
marker carrying a hash of the params the item depends on (so an unchanged item is not
redone on resume and a changed one is), shows a progress bar and writes a stage report.
An item that raises is recorded as failed and the others go on; the stage as a whole
fails only when the failed fraction exceeds ``max_failure_fraction``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import re
import shutil
import time
import traceback
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, is_dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from tqdm.auto import tqdm

from .atomic import atomic_write_json, claim_output_folder
from .errors import NoItems
from .ledger import FAILED, OK, SKIPPED, LedgerRow, LedgerWriter, write_ledger
from .redact import redact, redact_value

log = logging.getLogger(__name__)

MARKER_DIR = "_markers"
REASON_CODE = re.compile(r"[a-z][a-z0-9_]*")
EXECUTORS = ("process", "ray")
LEDGER_NAME = "ledger.jsonl"


@dataclass(frozen=True)
class Item:
    """One unit of work: a stable id (used in file names) and a JSON-able payload."""

    id: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class ItemResult:
    """What a stage function returns for an item. Paths are relative to the stage output."""

    status: str = OK
    reason: str = ""
    outputs: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    code: str = ""

    @classmethod
    def ok(cls, outputs: Sequence[str | os.PathLike] = (), **info: Any) -> "ItemResult":
        return cls(OK, "", [str(o) for o in outputs], info)

    @classmethod
    def skipped(cls, code: str, reason: str = "", outputs: Sequence[str | os.PathLike] = (),
                **details: Any) -> "ItemResult":
        """A deliberate skip: ``code`` (a short snake_case word the stage report counts),
        ``reason`` in words (default: from the code and details), ``details`` as data."""
        if not REASON_CODE.fullmatch(code):
            raise ValueError(f"skip code {code!r} is not a snake_case word (give the words as reason=)")
        text = reason or code.replace("_", " ") + "".join(f", {k}={v}" for k, v in details.items())
        return cls(SKIPPED, text, [str(o) for o in outputs], details, code)


@dataclass(frozen=True)
class ItemContext:
    """What a stage function gets besides its item: the stage's output folder and its config
    (the stage's frozen config dataclass; nothing deeper sees a params mapping)."""

    stage: str
    out_dir: Path
    config: Any


@dataclass
class StageReport:
    stage: str
    items: int
    ok: int
    skipped: int
    failed: int
    cached: int
    seconds: float
    failure_fraction: float
    max_failure_fraction: float
    rows: list[LedgerRow] = field(default_factory=list, repr=False)
    extra: dict[str, Any] = field(default_factory=dict)

    def reasons(self) -> dict[str, int]:
        """How many items were skipped or failed, by code."""
        counts: dict[str, int] = {}
        for row in self.rows:
            if row.status != OK:
                key = row.code or row.status
                counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    @classmethod
    def of(cls, stage: str, rows: list[LedgerRow], seconds: float, max_failure_fraction: float) -> "StageReport":
        """The report of a run whose rows (in item order) are ``rows``."""
        counts = {s: sum(r.status == s for r in rows) for s in (OK, SKIPPED, FAILED)}
        n = len(rows)
        return cls(stage=stage, items=n, ok=counts[OK], skipped=counts[SKIPPED], failed=counts[FAILED],
                   cached=sum(r.cached for r in rows), seconds=seconds,
                   failure_fraction=(counts[FAILED] / n) if n else 0.0,
                   max_failure_fraction=max_failure_fraction, rows=rows)

    @property
    def passed(self) -> bool:
        return self.failure_fraction <= self.max_failure_fraction

    def to_dict(self) -> dict[str, Any]:
        out = {
            "stage": self.stage,
            "items": self.items,
            "ok": self.ok,
            "skipped": self.skipped,
            "failed": self.failed,
            "cached": self.cached,
            "seconds": round(self.seconds, 3),
            "failure_fraction": round(self.failure_fraction, 4),
            "max_failure_fraction": self.max_failure_fraction,
            "reasons": self.reasons(),
        }
        out.update(self.extra)
        return out


class StageFailed(RuntimeError):
    """Raised when more items failed than the stage allows."""

    def __init__(self, report: StageReport):
        self.report = report
        super().__init__(
            f"stage {report.stage!r}: {report.failed}/{report.items} items failed "
            f"({report.failure_fraction:.1%} > allowed {report.max_failure_fraction:.1%}); "
            "see the ledger for reasons"
        )


def params_hash(params: Any, payload: Any) -> str:
    """Hash of what an item's result depends on: the stage settings and the item payload."""
    blob = json.dumps({"params": params, "payload": payload}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _settings(config: Any) -> dict[str, Any]:
    """The settings of a config that decide an item's result (execution settings left out)."""
    from ..config import EXECUTION_KEYS, work_settings

    if is_dataclass(config):
        return work_settings(config)
    return {k: v for k, v in dict(config or {}).items() if k not in EXECUTION_KEYS}


def sweep_temporaries(out_dir: Path) -> int:
    """Remove temp files and folders a killed run left behind (atomic writes in flight)."""
    removed = 0
    for folder in (out_dir, out_dir / MARKER_DIR):
        if not folder.is_dir():
            continue
        for p in folder.glob(".*.tmp*"):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            removed += 1
    return removed


def _marker_path(out_dir: Path, item_id: str) -> Path:
    return out_dir / MARKER_DIR / f"{item_id}.json"


def _finished_row(out_dir: Path, item: Item, digest: str) -> LedgerRow | None:
    """The recorded row of an item finished earlier with the same params, if still valid."""
    marker = _marker_path(out_dir, item.id)
    if not marker.exists():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if data.get("params_hash") != digest:
        return None
    row = LedgerRow(**data["row"])
    if not all((out_dir / o).exists() for o in row.outputs):
        return None
    row.cached = True
    row.seconds = 0.0
    return row


def _run_one(fn: Callable[[Item, ItemContext], ItemResult], item: Item, ctx: ItemContext) -> LedgerRow:
    """Run one item, turning any exception into a failed row (runs inside a worker)."""
    start = time.perf_counter()
    try:
        result = fn(item, ctx)
        if not isinstance(result, ItemResult):
            raise TypeError(f"stage function returned {type(result).__name__}, not ItemResult")
        row = LedgerRow(item.id, result.status, redact(result.reason), 0.0, result.outputs, False,
                        redact_value(result.info), result.code)
    except Exception as exc:  # noqa: BLE001 - one bad item must never kill the stage
        tb = traceback.format_exc(limit=6)
        log.debug("item %s failed:\n%s", item.id, tb)
        row = LedgerRow(item.id, FAILED, redact(f"{type(exc).__name__}: {exc}")[:2000], 0.0, [], False,
                        {"traceback": redact(tb[-4000:])}, type(exc).__name__)
    row.seconds = round(time.perf_counter() - start, 4)
    return row


def _init_worker(threads: int) -> None:
    # Each worker gets a share of the cores; torch would otherwise oversubscribe them.
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        pass


def run_stage(
    stage: str,
    items: Sequence[Item],
    fn: Callable[[Item, ItemContext], ItemResult],
    out_dir: str | os.PathLike,
    config: Any,
    *,
    code_digest: str = "",
    workers: int | None = None,
    max_failure_fraction: float | None = None,
    report_path: str | os.PathLike | None = None,
    progress: bool = True,
    raise_on_failure: bool = True,
    executor: str | None = None,
    ray_address: str | None = None,
) -> StageReport:
    """Run ``fn`` over ``items``; see the module docstring for the contract.

    ``config`` is the stage's config dataclass (its execution settings, ``workers``,
    ``executor``, ``ray_address`` and ``max_failure_fraction``, steer the run unless given
    here; every other setting and ``code_digest`` go into each item's completion marker).
    ``fn`` must be a module-level function (it is pickled to worker processes).
    ``executor`` is ``process`` (local process pool; ``workers <= 1`` runs in this
    process, which is what GPU stages and debuggers want) or ``ray`` (tasks on a Ray
    cluster at ``ray_address``, or a local one with ``workers`` CPUs when it is None).
    """
    run = _Run(int(workers if workers is not None else getattr(config, "workers", 1)),
               float(max_failure_fraction if max_failure_fraction is not None
                     else getattr(config, "max_failure_fraction", 0.5)),
               str(executor or getattr(config, "executor", "process")),
               ray_address or getattr(config, "ray_address", None))
    _check_items(stage, items, run.executor)
    out_dir = claim_output_folder(out_dir, stage)
    sweep_temporaries(out_dir)
    settings = {**_settings(config), "_code": code_digest} if code_digest else _settings(config)
    start = time.perf_counter()
    rows, todo = _split_finished(out_dir, items, settings)
    _run_todo(stage, fn, ItemContext(stage, out_dir, config), todo, rows, run, len(items), progress)
    ordered = [rows[it.id] for it in items]
    write_ledger(out_dir / LEDGER_NAME, ordered)
    (out_dir / (LEDGER_NAME + ".partial")).unlink(missing_ok=True)
    report = StageReport.of(stage, ordered, time.perf_counter() - start, run.max_failure_fraction)
    if report_path is not None:
        write_report(report, report_path)
    if raise_on_failure and not report.passed:
        raise StageFailed(report)
    return report


@dataclass(frozen=True)
class _Run:
    workers: int
    max_failure_fraction: float
    executor: str
    ray_address: str | None


def _check_items(stage: str, items: Sequence[Item], executor: str) -> None:
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; choose from {', '.join(EXECUTORS)}")
    ids = [it.id for it in items]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"stage {stage!r}: duplicate item ids {dupes[:5]}")
    if not items:
        raise NoItems(f"stage {stage!r}: nothing to do (no items); check its input folder")


def _split_finished(out_dir: Path, items: Sequence[Item], settings: dict[str, Any]
                    ) -> tuple[dict[str, LedgerRow], deque[tuple[Item, str]]]:
    """Rows of the items an earlier run finished with these settings, and the rest to do."""
    rows: dict[str, LedgerRow] = {}
    todo: deque[tuple[Item, str]] = deque()
    for item in items:
        digest = params_hash(settings, item.payload)
        done = _finished_row(out_dir, item, digest)
        if done is not None:
            rows[item.id] = done
        else:
            todo.append((item, digest))
    return rows, todo


def _run_todo(stage: str, fn, ctx: ItemContext, todo: deque, rows: dict[str, LedgerRow], run: _Run,
              total: int, progress: bool) -> None:
    """Run the items left to do, recording each row (ledger line, marker) as it finishes."""
    bar = tqdm(total=total, initial=len(rows), desc=stage, unit="item", disable=not progress, dynamic_ncols=True)
    with LedgerWriter(ctx.out_dir / (LEDGER_NAME + ".partial")) as ledger:

        def record(item: Item, digest: str, row: LedgerRow) -> None:
            rows[item.id] = row
            ledger.write(row)
            if row.status != FAILED:  # failed items are retried on the next run
                # Timings stay out of the marker: it holds only what the item produced.
                marker_row = {**json.loads(row.to_json()), "seconds": 0.0}
                atomic_write_json(_marker_path(ctx.out_dir, item.id), {"params_hash": digest, "row": marker_row})
            bar.update(1)
            bar.set_postfix(failed=sum(r.status == FAILED for r in rows.values()), refresh=False)

        if run.executor == "ray" and todo:
            from .ray_backend import run_ray

            run_ray(_run_one, fn, ctx, todo, run.workers, record, run.ray_address)
        elif run.workers <= 1 or len(todo) <= 1:
            while todo:
                item, digest = todo.popleft()
                record(item, digest, _run_one(fn, item, ctx))
        else:
            _run_pool(fn, ctx, todo, run.workers, record)
    bar.close()


def _run_pool(fn, ctx: ItemContext, todo: deque, workers: int, record) -> None:
    """Process-pool loop that survives a worker dying (OOM, kill -9, segfault).

    When the pool breaks, the items it had in flight are retried one at a time in a
    fresh single-worker pool, so only the item that really kills its worker is failed.
    """
    threads = max(1, (os.cpu_count() or 1) // workers)
    mp = multiprocessing.get_context("spawn")  # fork is unsafe once torch/OpenMP threads exist

    def new_pool(n: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=n, mp_context=mp, initializer=_init_worker, initargs=(threads,))

    suspects: list[tuple[Item, str]] = []
    while todo:
        pool = new_pool(workers)
        in_flight: dict[Future, tuple[Item, str]] = {}
        try:
            while todo or in_flight:
                while todo and len(in_flight) < workers * 2:
                    item, digest = todo[0]
                    future = pool.submit(_run_one, fn, item, ctx)  # raises if the pool already broke
                    in_flight[future] = todo.popleft()
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    item, digest = in_flight[fut]
                    row = fut.result()  # BrokenProcessPool when a worker died
                    del in_flight[fut]
                    record(item, digest, row)
        except BrokenProcessPool:
            suspects.extend(in_flight.values())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    for item, digest in suspects:
        pool = new_pool(1)
        try:
            row = pool.submit(_run_one, fn, item, ctx).result()
        except BrokenProcessPool:
            row = LedgerRow(item.id, FAILED, "worker process died (killed, crashed or out of memory)", code="worker_died")
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        record(item, digest, row)


def write_report(report: StageReport, path: str | os.PathLike) -> Path:
    """Write ``reports/<stage>.json``: counts and stage figures DVC reads as metrics."""
    return atomic_write_json(path, report.to_dict())
