"""``inverse-painting ledger``: read a stage's ledger as a table."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Literal, Optional

import typer
from rich.table import Table

from .app import app
from .common import console


@app.command("ledger")
def ledger_command(
    path: Path = typer.Argument(..., help="A stage output folder or its ledger.jsonl."),
    status: Optional[Literal["ok", "skipped", "failed"]] = typer.Option(None, help="Only rows with this status."),
) -> None:
    """Show what happened to each item of a stage run, and why (a code per skip or failure,
    counted at the end)."""
    from ..pipeline import read_ledger

    ledger = path / "ledger.jsonl" if path.is_dir() else path
    if not ledger.exists():
        raise typer.BadParameter(f"{ledger}: no ledger here (has the stage run?)", param_hint="PATH")
    rows = read_ledger(ledger)
    table = Table("item", "status", "code", "seconds", "reason")
    for row in rows:
        if status and row.status != status:
            continue
        table.add_row(row.item_id, row.status + (" (done before)" if row.cached else ""), row.code,
                      f"{row.seconds:.2f}", row.reason)
    console.print(table)
    counts = Counter(r.status for r in rows)
    console.print(", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "empty ledger")
    codes = Counter(r.code for r in rows if r.status != "ok" and r.code)
    if codes:
        console.print("by code: " + ", ".join(f"{v} {k}" for k, v in sorted(codes.items())))
