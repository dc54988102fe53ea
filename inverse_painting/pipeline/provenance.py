"""Provenance that can be published: a local file is named by its file name and content hash,
never by its path on the machine that built the data (``/home/...`` would leak into the Hub)."""

from __future__ import annotations

import os
from pathlib import Path

from .hashing import file_sha256

LOCAL_SCHEME = "local:"


def local_source(path: str | os.PathLike) -> str:
    """``local:<file name>#sha256=<16 hex>``: which file, without where it lay."""
    path = Path(path)
    return f"{LOCAL_SCHEME}{path.name}#sha256={file_sha256(path)[:16]}"


def is_local_path(text: str) -> bool:
    """Whether a provenance string is a path on this machine (absolute, or home-relative)."""
    text = str(text)
    return text.startswith(("/", "~", "file://")) or (len(text) > 2 and text[1] == ":" and text[2] in "\\/")
