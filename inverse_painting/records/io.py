"""Reading and writing record files: one error naming the file, atomic writes, fixed layouts."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..pipeline.atomic import atomic_write_text
from ..pipeline.errors import UserError


class RecordError(UserError, ValueError):
    """A record file that is missing, unreadable or not of its kind."""


def read_json(path: str | os.PathLike, what: str) -> dict[str, Any]:
    """The JSON object in ``path``; a missing or broken file is one :class:`RecordError`."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordError(f"{path}: no {what} here") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise RecordError(f"{path}: unreadable {what} ({exc})") from None
    if not isinstance(data, dict):
        raise RecordError(f"{path}: not a {what} (expected a JSON object)")
    return data


def write_json(path: str | os.PathLike, data: dict[str, Any], *, sorted_keys: bool = True,
               indent: int = 2) -> Path:
    """Write a record atomically; sorted keys (the default) make its bytes independent of the
    order fields were filled in."""
    if sorted_keys:
        text = json.dumps(data, indent=indent, sort_keys=True, default=str) + "\n"
    else:
        text = json.dumps(data, indent=indent)
    return atomic_write_text(path, text)


def without_none(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` minus the optional fields that are not set (None): such keys are left out of the file."""
    return {k: v for k, v in data.items() if v is not None}
