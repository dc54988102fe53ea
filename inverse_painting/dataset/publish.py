"""Publish a built dataset folder to the Hugging Face Hub.

Only what changed is uploaded: local files are hashed the way the Hub records them (git
blob SHA-1 for regular files, SHA-256 for LFS files) and compared with the remote tree, so
re-publishing an unchanged dataset makes no commit. Remote shards and example images that
no longer exist locally are deleted in the same commit. The token comes from the argument,
``HF_TOKEN`` or the stored ``huggingface-cli login``; it is never printed and is scrubbed
from every error message.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..pipeline.errors import UserError
from ..pipeline.hashing import file_sha256

MANAGED_PREFIXES = ("data/", "images/")  # remote files under these are ours to delete
REPO_TYPE = "dataset"


class PublishError(UserError, RuntimeError):
    """Publishing failed; the message never contains the token."""


@dataclass
class PublishPlan:
    repo_id: str
    revision: str | None
    upload: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    remote_exists: bool = True
    remote_error: str = ""  # why the remote could not be compared (a dry run offline): all is "to upload"

    @property
    def changed(self) -> bool:
        return bool(self.upload or self.delete)


@dataclass
class PublishResult:
    plan: PublishPlan
    committed: bool = False
    commit_url: str = ""
    dry_run: bool = False
    token_found: bool = False  # whether a token was found (the token itself is never kept here)


def local_files(folder: str | os.PathLike) -> dict[str, Path]:
    """Files to publish, by repo path (hidden files and caches left out)."""
    root = Path(folder)
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not any(part.startswith((".", "_")) for part in rel.split("/")):
            out[rel] = path
    return out


def git_blob_sha1(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _remote_files(api, repo_id: str, revision: str | None) -> dict[str, Any] | None:
    """Remote files by path (None when the repo or revision does not exist yet)."""
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    try:
        entries = api.list_repo_tree(repo_id, repo_type=REPO_TYPE, revision=revision, recursive=True)
        return {e.path: e for e in entries if hasattr(e, "blob_id")}
    except (RepositoryNotFoundError, RevisionNotFoundError):
        return None


def _same(local: Path, remote: Any) -> bool:
    lfs = getattr(remote, "lfs", None)
    if lfs is not None:
        sha = lfs.get("sha256") if isinstance(lfs, dict) else getattr(lfs, "sha256", None)
        return sha == file_sha256(local)
    return getattr(remote, "blob_id", None) == git_blob_sha1(local)


def plan_publish(api, folder: str | os.PathLike, repo_id: str, revision: str | None = None,
                 offline_ok: bool = False) -> PublishPlan:
    """What a publish would upload and delete. With ``offline_ok`` an unreachable Hub gives a
    plan that uploads everything, saying why, instead of an error (for dry runs)."""
    files = local_files(folder)
    if "README.md" not in files:
        raise PublishError(f"{folder}: no README.md: not a built dataset (run `inverse-painting build`)")
    try:
        remote = _remote_files(api, repo_id, revision)
    except Exception as exc:  # noqa: BLE001 - offline, DNS, proxy: a dry run still lists the local files
        if not offline_ok:
            raise
        return PublishPlan(repo_id, revision, upload=list(files), remote_exists=False,
                           remote_error=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300])
    plan = PublishPlan(repo_id, revision, remote_exists=remote is not None)
    remote = remote or {}
    for rel, path in files.items():
        (plan.unchanged if rel in remote and _same(path, remote[rel]) else plan.upload).append(rel)
    plan.delete = sorted(p for p in remote if p.startswith(MANAGED_PREFIXES) and p not in files)
    return plan


def publish(folder: str | os.PathLike, repo_id: str, *, private: bool = False, revision: str | None = None,
            dry_run: bool = False, token: str | None = None, commit_message: str | None = None,
            api: Any = None) -> PublishResult:
    """Create the dataset repo if needed and commit what changed (nothing when nothing did)."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, get_token

    token = token or os.environ.get("HF_TOKEN") or None
    stored = get_token()
    secrets = [token or "", stored or ""]
    api = api or HfApi(token=token)
    try:
        plan = plan_publish(api, folder, repo_id, revision, offline_ok=dry_run)
        if plan.remote_error:
            plan.remote_error = _scrub(plan.remote_error, secrets)
        result = PublishResult(plan, dry_run=dry_run, token_found=bool(token or stored))
        if dry_run or not plan.changed:
            return result
        api.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=True)
        if revision and revision != "main":
            api.create_branch(repo_id, branch=revision, repo_type=REPO_TYPE, exist_ok=True)
        root = Path(folder)
        operations = [CommitOperationAdd(path_in_repo=rel, path_or_fileobj=str(root / rel)) for rel in plan.upload]
        operations += [CommitOperationDelete(path_in_repo=rel) for rel in plan.delete]
        message = commit_message or (f"Update dataset: {len(plan.upload)} files added or changed, "
                                     f"{len(plan.delete)} removed")
        info = api.create_commit(repo_id, operations, commit_message=message, repo_type=REPO_TYPE,
                                 revision=revision)
        result.committed = True
        result.commit_url = str(getattr(info, "commit_url", "") or "")
        return result
    except PublishError:
        raise
    except Exception as exc:  # noqa: BLE001 - any client error is reported without the token
        raise PublishError(_scrub(f"publishing to {repo_id} failed: {type(exc).__name__}: {exc}", secrets)) from None
