"""Publishing: the Hub API calls made (patched HfApi), no commit when unchanged, no token leaks."""

from __future__ import annotations

import hashlib

from unittest.mock import MagicMock

import pytest
from typer.testing import CliRunner

from inverse_painting.cli import app
from inverse_painting.dataset.publish import PublishError, git_blob_sha1, publish

TOKEN = "hf_FAKEtoken1234567890secret"
runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


class FakeHub:
    """Stands in for HfApi: a dataset repo held in memory, every call recorded."""

    instances: list["FakeHub"] = []
    files: dict[str, bytes] = {}
    fail_with: str = ""

    def __init__(self, token=None, **_):
        self.token = token
        self.calls: list[tuple[str, tuple, dict]] = []
        FakeHub.instances.append(self)

    def list_repo_tree(self, repo_id, repo_type=None, revision=None, recursive=False):
        from huggingface_hub.hf_api import RepoFile
        from huggingface_hub.errors import RepositoryNotFoundError

        self.calls.append(("list_repo_tree", (repo_id,), {"repo_type": repo_type, "revision": revision}))
        if not FakeHub.files:
            raise RepositoryNotFoundError("404 repository not found", response=MagicMock(status_code=404))
        out = []
        for path, data in FakeHub.files.items():
            lfs = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 130} \
                if path.endswith((".parquet", ".png")) else None
            blob = "pointer-oid" if lfs else hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            out.append(RepoFile(path=path, size=len(data), oid=blob, lfs=lfs))
        return out

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", (repo_id,), kwargs))

    def create_branch(self, repo_id, **kwargs):
        self.calls.append(("create_branch", (repo_id,), kwargs))

    def create_commit(self, repo_id, operations, **kwargs):
        if FakeHub.fail_with:
            raise OSError(FakeHub.fail_with)
        self.calls.append(("create_commit", (repo_id, operations), kwargs))
        for op in operations:
            if type(op).__name__ == "CommitOperationAdd":
                FakeHub.files[op.path_in_repo] = open(op.path_or_fileobj, "rb").read()
            else:
                FakeHub.files.pop(op.path_in_repo)

        class Info:
            commit_url = f"https://huggingface.co/datasets/{repo_id}/commit/abc"
        return Info()


@pytest.fixture
def hub(monkeypatch):
    import huggingface_hub

    FakeHub.instances, FakeHub.files, FakeHub.fail_with = [], {}, ""
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeHub)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    return FakeHub


@pytest.fixture
def dataset(tmp_path):
    root = tmp_path / "dataset"
    (root / "data" / "real").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "README.md").write_text("---\nlicense: other\n---\n# cards\n")
    (root / "data" / "real" / "train-00000-of-00001.parquet").write_bytes(b"PAR1 train rows")
    (root / "images" / "example-0.png").write_bytes(b"\x89PNG example")
    return root


def commits(hub):
    return [c for inst in hub.instances for c in inst.calls if c[0] == "create_commit"]


def test_first_publish_uploads_everything_then_nothing(hub, dataset):
    result = publish(dataset, "org/paintings", private=True)
    assert result.committed and result.plan.upload == ["README.md", "data/real/train-00000-of-00001.parquet",
                                                       "images/example-0.png"]
    api = hub.instances[-1]
    assert api.token == TOKEN
    names = [c[0] for c in api.calls]
    assert names == ["list_repo_tree", "create_repo", "create_commit"]
    assert api.calls[1][2] == {"repo_type": "dataset", "private": True, "exist_ok": True}
    (_, (repo, ops), kw) = api.calls[2]
    assert repo == "org/paintings" and kw["repo_type"] == "dataset"
    assert sorted(op.path_in_repo for op in ops) == result.plan.upload
    assert kw["commit_message"] == "Update dataset: 3 files added or changed, 0 removed"

    again = publish(dataset, "org/paintings")
    assert not again.committed and not again.plan.changed and len(again.plan.unchanged) == 3
    assert len(commits(hub)) == 1


def test_changed_and_removed_files_only(hub, dataset):
    publish(dataset, "org/paintings")
    (dataset / "README.md").write_text("---\nlicense: other\n---\n# new counts\n")
    (dataset / "data" / "real" / "train-00000-of-00001.parquet").unlink()
    (dataset / "data" / "real" / "train-00000-of-00002.parquet").write_bytes(b"PAR1 a")
    (dataset / "data" / "real" / "train-00001-of-00002.parquet").write_bytes(b"PAR1 b")
    hub.files["notes/keep.txt"] = b"not managed by the build"
    result = publish(dataset, "org/paintings", revision="v2", commit_message="Rebuild")
    assert result.plan.upload == ["README.md", "data/real/train-00000-of-00002.parquet",
                                  "data/real/train-00001-of-00002.parquet"]
    assert result.plan.delete == ["data/real/train-00000-of-00001.parquet"]
    assert result.plan.unchanged == ["images/example-0.png"]
    api = hub.instances[-1]
    assert ("create_branch", ("org/paintings",), {"branch": "v2", "repo_type": "dataset", "exist_ok": True}) in api.calls
    (_, (_, ops), kw) = commits(hub)[-1]
    assert kw["commit_message"] == "Rebuild" and kw["revision"] == "v2"
    assert {type(op).__name__ for op in ops} == {"CommitOperationAdd", "CommitOperationDelete"}
    assert "notes/keep.txt" in hub.files


def test_dry_run_changes_nothing(hub, dataset):
    r = runner.invoke(app, ["publish", "--repo-id", "org/paintings", "--folder", str(dataset), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "+ data/real/train-00000-of-00001.parquet" in r.output and "dry run" in r.output
    assert not commits(hub) and not any(c[0] == "create_repo" for i in hub.instances for c in i.calls)
    assert TOKEN not in r.output


def test_token_never_appears(hub, dataset):
    hub.fail_with = f"401 Unauthorized for token {TOKEN}"
    with pytest.raises(PublishError) as err:
        publish(dataset, "org/paintings")
    assert TOKEN not in str(err.value) and "***" in str(err.value)
    r = runner.invoke(app, ["publish", "--repo-id", "org/paintings", "--folder", str(dataset)])
    assert r.exit_code == 1 and "401" in r.output and TOKEN not in r.output
    hub.fail_with = ""
    r = runner.invoke(app, ["publish", "--repo-id", "org/paintings", "--folder", str(dataset)])
    assert r.exit_code == 0 and "committed" in r.output and TOKEN not in r.output
    assert all(TOKEN.encode() not in data for data in hub.files.values())


def test_refuses_folder_without_card(hub, tmp_path):
    with pytest.raises(PublishError, match="README.md"):
        publish(tmp_path, "org/paintings")


def test_git_blob_hash_matches_git(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"hello\n")
    assert git_blob_sha1(path) == "ce013625030ba8dba906f756967f9e9ca394464a"  # `git hash-object` of "hello\n"
