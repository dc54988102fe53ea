"""Pipeline mechanics shared by every stage: executor, ledger, atomic writes, params."""

from .atomic import (atomic_dir, atomic_path, atomic_write_bytes, atomic_write_json, atomic_write_text,
                     check_output_folder, claim_output_folder)
from .errors import ModelUnavailable, NetworkUnavailable, NoItems, UnsafeOutput, UserError
from .executor import Item, ItemContext, ItemResult, StageFailed, StageReport, params_hash, run_stage, write_report
from .ledger import FAILED, OK, SKIPPED, LedgerRow, read_ledger

__all__ = [
    "FAILED", "OK", "SKIPPED", "Item", "ItemContext", "ItemResult", "LedgerRow", "ModelUnavailable",
    "NetworkUnavailable", "NoItems", "StageFailed", "StageReport", "UnsafeOutput", "UserError", "atomic_dir",
    "atomic_path", "atomic_write_bytes", "atomic_write_json", "atomic_write_text", "check_output_folder",
    "claim_output_folder", "params_hash", "read_ledger", "run_stage", "write_report",
]
