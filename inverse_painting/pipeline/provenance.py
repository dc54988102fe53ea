"""Provenance that can be published: a local file is named by its file name and content hash,
never by its path on the machine that built the data (``/home/...`` would leak into the Hub)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

LOCAL_SCHEME = "local:"


def file_sha256(path: str | os.PathLike, length: int = 16) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:length]


def local_source(path: str | os.PathLike) -> str:
    """``local:<file name>#sha256=<16 hex>``: which file, without where it lay."""
    path = Path(path)
    return f"{LOCAL_SCHEME}{path.name}#sha256={file_sha256(path)}"


def is_local_path(text: str) -> bool:
    """Whether a provenance string is a path on this machine (absolute, or home-relative)."""
    text = str(text)
    return text.startswith(("/", "~", "file://")) or (len(text) > 2 and text[1] == ":" and text[2] in "\\/")
