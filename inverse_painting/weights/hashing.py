"""SHA-256 of files and of converted tensors, and the errors of a failed check."""

from __future__ import annotations

import hashlib

from ..pipeline.hashing import file_sha256, tensors_sha256

__all__ = ["WeightsError", "bytes_sha256", "check_sha256", "file_sha256", "tensors_sha256"]


class WeightsError(ValueError):
    """Weights were found but are not the pinned ones (or cannot be read): never a fallback."""


def bytes_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_sha256(label: str, got: str, expected: str) -> None:
    """Raise :class:`WeightsError` naming ``label`` and both hashes when they differ."""
    if got != expected:
        raise WeightsError(f"{label}: SHA-256 {got} does not match the pinned {expected}")
