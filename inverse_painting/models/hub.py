"""Pretrained models named by a Hub id or a local folder, failing fast when offline.

``resolve_pretrained`` is called before every ``from_pretrained`` of a model named in params: a
local folder is used as it is; a Hub id is used from the local cache when it is there, else
only when the Hub answers within a few seconds. Offline (no answer, or ``HF_HUB_OFFLINE=1``)
it raises :class:`ModelUnavailable` at once, saying which setting to point at a local folder,
instead of letting the download retry for minutes.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from ..pipeline.errors import ModelUnavailable

CONNECT_TIMEOUT_S = 3.0


def hub_reachable(timeout: float = CONNECT_TIMEOUT_S) -> bool:
    """Whether the Hub (``HF_ENDPOINT``, default huggingface.co) accepts a connection now."""
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        return False
    endpoint = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        with socket.create_connection((endpoint.hostname or "huggingface.co", endpoint.port or 443), timeout=timeout):
            return True
    except OSError:
        return False


def _cached_snapshot(repo_id: str) -> str | None:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return snapshot_download(repo_id, local_files_only=True)
    except (LocalEntryNotFoundError, ValueError, OSError):
        return None


def resolve_pretrained(name_or_dir: str, setting: str, what: str = "model") -> str:
    """A local folder to load ``name_or_dir`` from, or the Hub id when it can be downloaded now.

    ``setting`` names the parameter the user can change (e.g. ``canvas.model``).
    """
    text = str(name_or_dir).strip()
    if not text:
        raise ModelUnavailable(f"no {what} configured: set {setting} to a Hub id or a local folder")
    path = Path(text).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ModelUnavailable(f"{setting}={text}: not a folder (expected a save_pretrained folder)")
        return str(path)
    if text.startswith((".", "/", "~")) or text.count("/") > 1:
        raise ModelUnavailable(f"{setting}={text}: no such folder")
    cached = _cached_snapshot(text)
    if cached:
        return cached
    if not hub_reachable():
        raise ModelUnavailable(f"cannot download {what} {text} (offline?); set {setting} to a local folder "
                               "saved with save_pretrained")
    return text
