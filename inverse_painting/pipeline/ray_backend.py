"""Ray backend of the executor: the same items, rows and markers, run as Ray tasks.

Used when one machine is not enough: ``executor: ray`` with ``ray_address`` pointing at a
running cluster (``ray start --head`` on one node, ``ray start --address=HEAD:6379`` on the
others; every node needs this package installed and the data folder on a shared path).
Without an address a local Ray with ``workers`` CPUs is started for the stage.
Results come back to this process, which alone writes the ledger and markers.
"""

from __future__ import annotations

import os
import tempfile
from collections import deque

from .ledger import FAILED, LedgerRow


def _ensure_ray(workers: int, address: str | None):
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("executor 'ray' needs the ray package: pip install 'inverse-painting[ray]'") from exc
    if ray.is_initialized():
        return ray, False
    # No auth token under $HOME and no files outside the system temp dir for local clusters.
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    kwargs = dict(ignore_reinit_error=True, include_dashboard=False, log_to_driver=False,
                  logging_level="ERROR")
    if address:
        ray.init(address=address, **kwargs)
    else:
        tmp = tempfile.mkdtemp(prefix="ray-")
        ray.init(num_cpus=max(1, workers), _temp_dir=tmp, **kwargs)
    return ray, True


def run_ray(run_one, fn, ctx, todo: deque, workers: int, record, address: str | None = None) -> None:
    """Submit items as Ray tasks, at most ``2 * workers`` in flight; record rows as they finish."""
    ray, started_here = _ensure_ray(workers, address)
    task = ray.remote(num_cpus=1, max_retries=0)(run_one)
    in_flight = {}
    try:
        while todo or in_flight:
            while todo and len(in_flight) < max(1, workers) * 2:
                item, digest = todo.popleft()
                in_flight[task.remote(fn, item, ctx)] = (item, digest)
            done, _ = ray.wait(list(in_flight), num_returns=1)
            for ref in done:
                item, digest = in_flight.pop(ref)
                try:
                    row = ray.get(ref)
                except ray.exceptions.RayError as exc:  # the worker died (kill, OOM, segfault)
                    row = LedgerRow(item.id, FAILED, f"worker process died ({type(exc).__name__})", code="worker_died")
                record(item, digest, row)
    finally:
        if started_here:
            ray.shutdown()
