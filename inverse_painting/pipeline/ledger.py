"""The per-item ledger: one row per item and run, saying what happened and why."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

OK, SKIPPED, FAILED = "ok", "skipped", "failed"
STATUSES = (OK, SKIPPED, FAILED)


@dataclass
class LedgerRow:
    """What happened to one item in one run of a stage.

    ``status`` is ``ok``, ``skipped`` (a deliberate decision, e.g. ``code`` "no_canvas" with
    ``reason`` saying it in words and ``info`` holding the details) or ``failed`` (an error:
    ``code`` its type, ``reason`` its message). ``cached``
    marks items found finished by an earlier run with the same params and not redone.
    """

    item_id: str
    status: str
    reason: str = ""
    seconds: float = 0.0
    outputs: list[str] = field(default_factory=list)
    cached: bool = False
    info: dict[str, Any] = field(default_factory=dict)
    code: str = ""  # why, as a code stage reports count: "occluded", "no_canvas", an error's type, ...

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, default=str)

    @classmethod
    def from_json(cls, line: str) -> "LedgerRow":
        return cls(**json.loads(line))


class LedgerWriter:
    """Append-only jsonl writer; every row is flushed so a killed run keeps what it did."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a", encoding="utf-8")

    def write(self, row: LedgerRow) -> None:
        self._fh.write(row.to_json() + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> "LedgerWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_ledger(path: str | os.PathLike) -> list[LedgerRow]:
    """Read a ledger; a torn last line (from a killed writer) is ignored."""
    rows: list[LedgerRow] = []
    path = Path(path)
    if not path.exists():
        return rows
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            rows.append(LedgerRow.from_json(line))
        except (json.JSONDecodeError, TypeError):
            continue
    return rows


def write_ledger(path: str | os.PathLike, rows: Iterable[LedgerRow]) -> Path:
    from .atomic import atomic_write_text

    return atomic_write_text(path, "".join(r.to_json() + "\n" for r in rows))
