"""Nothing a command writes may cost a user a file: every output folder is checked before any
work, a folder is only replaced when this tool wrote it, and expected failures are one line."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inverse_painting.cli import app
from inverse_painting.pipeline import Item, ItemResult, UnsafeOutput, atomic_dir, claim_output_folder, run_stage
from inverse_painting.pipeline.atomic import OWNER_FILE, atomic_write_text, output_owner

runner = CliRunner(env={"COLUMNS": "300", "NO_COLOR": "1", "TERMINAL_WIDTH": "300"})


def tree_digest(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` with its content hash and mode."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        mode = oct(stat.S_IMODE(p.stat().st_mode))
        out[rel] = (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir") + mode
    return out


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A user's folder (the current folder): their own files and a folder of foreign files."""
    user = tmp_path / "user"
    (user / "sub").mkdir(parents=True)
    (user / "mine.txt").write_text("my notes")
    (user / "sub" / "keep.txt").write_text("keep me")
    (user / "precious").mkdir()
    (user / "precious" / "notes.txt").write_text("precious")
    monkeypatch.chdir(user)
    return user


# Each command with its output option and the smallest arguments that reach the output check.
COMMANDS = {
    "sample": lambda out: ["sample", out, "--seeds", "1", "--duration", "16", "--fps", "1"],
    "fetch": lambda out: ["fetch", "manifest.yaml", "--out", out],
    "download": lambda out: ["download", "https://example.invalid/v.mp4", "--out", out],
    "frames": lambda out: ["frames", "raw", "--out", out],
    "canvas": lambda out: ["canvas", "frames", "--out", out],
    "clean": lambda out: ["clean", "canvas", "--out", out],
    "synth": lambda out: ["synth", "images", "--out", out],
    "annotate": lambda out: ["annotate", "keyframes", "--out", out],
    "build": lambda out: ["build", "annotations", "--out", out],
    "preview": lambda out: ["preview", "annotations", "--out", out],
    "train": lambda out: ["train", "--dataset", "dataset", "--out", out],
    "paint": lambda out: ["paint", "mine.txt", "--model", "model", "--out", out],
    "evaluate": lambda out: ["evaluate", "--dataset", "dataset", "--out", out],
    "weights": lambda out: ["weights", "--out", out, "--lpips-dir", "nowhere", "--mediapipe-dir", "nowhere"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("target", [".", "..", "precious", "mine.txt", "sub/keep.txt"])
def test_no_command_writes_into_a_folder_it_did_not_make(scratch, command, target):
    (scratch / "manifest.yaml").write_text("sources:\n  - url: sample://landscape/1?duration=16&fps=1\n")
    before = tree_digest(scratch.parent if target == ".." else scratch)
    r = runner.invoke(app, COMMANDS[command](target))
    assert r.exit_code != 0, (command, target, r.output)
    assert "Traceback" not in r.output and (r.exception is None or isinstance(r.exception, SystemExit))
    errors = [line for line in r.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and target in errors[0], r.output
    assert tree_digest(scratch.parent if target == ".." else scratch) == before


def test_a_whole_folder_writer_replaces_only_its_own_folder(scratch):
    with atomic_dir(scratch / "dataset", writer="build") as tmp:
        (tmp / "a.txt").write_text("first")
    assert output_owner(scratch / "dataset") == "build"
    with atomic_dir(scratch / "dataset", writer="build") as tmp:  # its own: replaced as a whole
        (tmp / "b.txt").write_text("second")
    assert sorted(p.name for p in (scratch / "dataset").iterdir()) == [OWNER_FILE, "b.txt"]
    for foreign, message in ((scratch / "precious", "did not write"), (scratch / "dataset", "outputs of `build`"),
                             (scratch / "mine.txt", "is a file"), (scratch, "current folder"),
                             (Path.home(), "home folder")):
        writer = "preview" if foreign.name == "dataset" else "build"
        with pytest.raises(UnsafeOutput, match=message):
            with atomic_dir(foreign, writer=writer):
                pass
    assert (scratch / "precious" / "notes.txt").read_text() == "precious"
    project = scratch / "project"
    (project / ".git").mkdir(parents=True)
    with pytest.raises(UnsafeOutput, match="project root"):
        claim_output_folder(project, "fetch")


def _one(item, ctx):
    with atomic_dir(ctx.out_dir / item.id) as tmp:
        (tmp / "out.txt").write_text(item.id)
    return ItemResult.ok([f"{item.id}/out.txt"])


def test_a_stage_claims_its_folder_and_refuses_foreign_ones(scratch):
    report = run_stage("demo", [Item("a"), Item("b")], _one, scratch / "out", {}, progress=False)
    assert report.ok == 2 and output_owner(scratch / "out") == "demo"
    with pytest.raises(UnsafeOutput, match="outputs of `demo`"):
        run_stage("other", [Item("a")], _one, scratch / "out", {}, progress=False)
    with pytest.raises(UnsafeOutput, match="did not write"):
        run_stage("demo", [Item("a")], _one, scratch / "precious", {}, progress=False)
    # An item folder is replaced only inside an output folder of ours.
    (scratch / "loose" / "a").mkdir(parents=True)
    (scratch / "loose" / "a" / "x.txt").write_text("x")
    with pytest.raises(UnsafeOutput):
        with atomic_dir(scratch / "loose" / "a"):
            pass


def test_temp_then_rename_keeps_the_permissions_of_a_plain_write(scratch):
    old = os.umask(0o022)
    try:
        atomic_write_text(scratch / "report.json", "{}")
        run_stage("demo", [Item("a")], _one, scratch / "out", {}, progress=False)
        plain = scratch / "plain.txt"
        plain.write_text("x")
        expected = stat.S_IMODE(plain.stat().st_mode)
        for path in (scratch / "report.json", scratch / "out" / "ledger.jsonl", scratch / "out" / "a" / "out.txt",
                     scratch / "out" / "_markers" / "a.json"):
            assert stat.S_IMODE(path.stat().st_mode) == expected, path
        assert stat.S_IMODE((scratch / "out" / "a").stat().st_mode) == 0o755
    finally:
        os.umask(old)


def test_nothing_found_is_an_error_naming_the_folder(scratch):
    for args, expected in ((["frames", "nodir"], "nodir"), (["canvas", "raw"], "raw"),
                           (["clean", "nowhere"], "nowhere"), (["annotate", "empty"], "empty")):
        r = runner.invoke(app, args + ["--out", "fresh-out"])
        assert r.exit_code == 1 and expected in r.output and "expected" in r.output, (args, r.output)
        assert not (scratch / "fresh-out").exists()
    (scratch / "empty.yaml").write_text("sources: []\n")
    r = runner.invoke(app, ["fetch", "empty.yaml", "--out", "raw"])
    assert r.exit_code == 1 and "lists no sources" in r.output


def test_bad_choices_are_refused_before_any_work_and_listed_in_help(scratch):
    for args, option in ((["paint", "mine.txt", "--model", "m", "--sampler", "foo"], "--sampler"),
                         (["synth", "images", "--order", "foo"], "--order"),
                         (["canvas", "frames", "--backend", "foo"], "--backend"),
                         (["clean", "canvas", "--occluded", "foo"], "--occluded")):
        r = runner.invoke(app, args)
        assert r.exit_code == 2 and option in r.output and "Traceback" not in r.output
    assert "ddim|dpm" in runner.invoke(app, ["paint", "--help"]).output
    assert "layers|passes" in runner.invoke(app, ["synth", "--help"]).output


def test_publish_dry_run_works_offline_and_says_whether_a_token_was_found(scratch, monkeypatch):
    folder = scratch / "dataset"
    (folder / "data").mkdir(parents=True)
    (folder / "README.md").write_text("---\n---\ncard\n")
    (folder / "data" / "x.parquet").write_bytes(b"rows")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_TOKEN", "hf_secretsecretsecret123")
    r = runner.invoke(app, ["publish", "--repo-id", "someone/data", "--folder", str(folder), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "2 to upload" in r.output and "token: found" in r.output and "could not be reached" in r.output
    assert "hf_secret" not in r.output
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.setenv("HF_HOME", str(scratch / "hf-home"))
    r = runner.invoke(app, ["publish", "--repo-id", "someone/data", "--folder", str(folder), "--dry-run"])
    assert r.exit_code == 0 and "token: none found" in r.output


def test_model_loads_fail_fast_and_name_the_setting_when_offline(monkeypatch, tmp_path):
    from inverse_painting.models.hub import resolve_pretrained
    from inverse_painting.pipeline import ModelUnavailable

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there: refused at once
    with pytest.raises(ModelUnavailable, match="set canvas.model to a local folder"):
        resolve_pretrained("IDEA-Research/grounding-dino-tiny", "canvas.model", "Grounding DINO")
    assert resolve_pretrained(str(tmp_path), "canvas.model") == str(tmp_path)
    with pytest.raises(ModelUnavailable, match="no such folder"):
        resolve_pretrained(str(tmp_path / "missing" / "model"), "canvas.model")


def test_an_unresolvable_host_fails_the_item_rather_than_skipping_it(scratch):
    r = runner.invoke(app, ["download", "https://no-such-host.invalid/video.mp4", "--out", "raw"])
    rows = [json.loads(line) for line in (scratch / "raw" / "ledger.jsonl").read_text().splitlines()]
    assert [row["status"] for row in rows] == ["failed"] and "does not resolve" in rows[0]["reason"]
    assert r.exit_code == 1


def test_the_package_states_no_upper_bound_on_torch():
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    torch_line = next(line for line in text.splitlines() if line.strip().startswith('"torch'))
    assert "<" not in torch_line and ">=" in torch_line


def test_safetensors_written_into_an_output_folder_get_plain_permissions(scratch):
    import torch
    from safetensors.torch import save_file

    old = os.umask(0o022)
    try:
        with atomic_dir(scratch / "weights", writer="weights") as tmp:
            save_file({"w": torch.zeros(2)}, str(tmp / "w.safetensors"))
        assert stat.S_IMODE((scratch / "weights" / "w.safetensors").stat().st_mode) == 0o644
    finally:
        os.umask(old)
