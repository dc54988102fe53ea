"""Atomic, safe file writes: write beside the target, then rename over it.

A crash (or kill -9) mid-write leaves either the old file or no file, never half a file,
so a resumed stage can trust whatever it finds. Temporaries get the permissions a plain
write would (the umask), not ``mkstemp``'s private 0600.

The safe output contract: a folder is only ever replaced or written into as an output root
when this tool wrote it. :func:`claim_output_folder` and :func:`atomic_dir` refuse the current
folder and its parents, the home folder, a project root, a file, and any non-empty folder
without the owner file (``.inverse-painting-output``, naming the writer) that they leave in
every output root they create.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any, Iterator

from .errors import UnsafeOutput

OWNER_FILE = ".inverse-painting-output"
# Files an output root of an earlier release holds (before owner files existed).
LEGACY_SIGNS = ("ledger.jsonl", "_markers", "training.json")


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _plain_mode(path: Path, directory: bool) -> None:
    os.chmod(path, (0o777 if directory else 0o666) & ~_UMASK)


def plain_modes(folder: str | os.PathLike) -> None:
    """Give every file and folder under ``folder`` the permissions a plain write would: some
    writers (safetensors, tempfile) create private 0600 files that neighbours do not have."""
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            _plain_mode(Path(root) / name, directory=True)
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                _plain_mode(path, directory=False)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it onto ``target`` on success.

    The temporary name keeps the target's suffix (or ``suffix``) so that writers which
    choose a format from the extension (OpenCV, PIL, ffmpeg) still work.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = target.suffix if suffix is None else suffix
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    _plain_mode(tmp, directory=False)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_bytes(target: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(target)


def atomic_write_text(target: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(target, text.encode("utf-8"))


def atomic_write_json(target: str | os.PathLike, obj: Any, indent: int | None = 2) -> Path:
    return atomic_write_text(target, json.dumps(obj, indent=indent, sort_keys=True, default=str) + "\n")


# ----------------------------------------------------------------------------- ownership


def protected_reason(folder: str | os.PathLike) -> str | None:
    """Why ``folder`` must never be an output folder (None when it may be)."""
    p = Path(folder).expanduser().resolve()
    cwd = Path.cwd().resolve()
    if p == cwd:
        return "it is the current folder"
    if p in cwd.parents:
        return "it holds the current folder"
    if p == Path.home().resolve():
        return "it is the home folder"
    if p == Path(p.anchor):
        return "it is the filesystem root"
    if (p / ".git").exists() or (p / "dvc.yaml").exists():
        return "it is a project root"
    return None


def output_owner(folder: str | os.PathLike) -> str | None:
    """The writer named by ``folder``'s owner file; ``""`` for an output root of an earlier
    release; None when this tool did not write the folder."""
    folder = Path(folder)
    try:
        return str(json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))["writer"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return "" if any((folder / sign).exists() for sign in LEGACY_SIGNS) else None


def _owner_text(writer: str) -> str:
    return json.dumps({"written_by": "inverse-painting", "writer": writer}) + "\n"


def check_output_folder(folder: str | os.PathLike, writer: str) -> Path:
    """Raise :class:`UnsafeOutput` unless ``folder`` may hold ``writer``'s outputs: it is new,
    empty, or an output root ``writer`` made before. Nothing is changed either way."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UnsafeOutput(f"{folder}: is a file, not a folder; name a new folder for the {writer} outputs")
    reason = protected_reason(folder)
    if reason:
        raise UnsafeOutput(f"{folder}: refusing to write {writer} outputs here ({reason}); name a new folder "
                           f"such as {Path(folder) / writer}")
    if folder.is_dir() and any(folder.iterdir()):
        owner = output_owner(folder)
        if owner is None:
            raise UnsafeOutput(f"{folder}: holds files inverse-painting did not write; name a new or empty folder "
                               "(nothing was changed)")
        if owner and owner != writer:
            raise UnsafeOutput(f"{folder}: holds the outputs of `{owner}`; name another folder for `{writer}`")
    return folder


def claim_output_folder(folder: str | os.PathLike, writer: str) -> Path:
    """Check ``folder`` (see :func:`check_output_folder`), create it and leave the owner file."""
    folder = check_output_folder(folder, writer)
    folder.mkdir(parents=True, exist_ok=True)
    if output_owner(folder) != writer:
        atomic_write_text(folder / OWNER_FILE, _owner_text(writer))
    return folder


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike, writer: str | None = None) -> Iterator[Path]:
    """Yield a fresh temporary folder; it replaces ``target`` as a whole on success.

    With ``writer`` the folder is a whole output root (a dataset, a preview, a painting): an
    existing ``target`` is replaced only when ``writer`` made it, and the new one gets the owner
    file. Without, it is one item's folder inside an output root: an existing non-empty
    ``target`` is replaced only when its parent is an output root this tool made.
    """
    target = Path(target)
    if writer is not None:
        check_output_folder(target, writer)
    elif target.exists():
        if not target.is_dir():
            raise UnsafeOutput(f"{target}: is a file, not a folder; remove it or choose another output folder")
        reason = protected_reason(target)
        if reason or (any(target.iterdir()) and output_owner(target.parent) is None):
            raise UnsafeOutput(f"{target}: holds files inverse-painting did not write "
                               f"({reason or 'its folder is not an output folder'}); nothing was changed")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmpdir", dir=target.parent))
    _plain_mode(tmp, directory=True)
    try:
        yield tmp
        if writer is not None:
            (tmp / OWNER_FILE).write_text(_owner_text(writer), encoding="utf-8")
        plain_modes(tmp)
        if target.exists():
            old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmpold")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
