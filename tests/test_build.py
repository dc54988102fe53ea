"""Dataset build: Hub-layout parquet shards, load_dataset round trip, card, HTML preview."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from inverse_painting.annotate.annotate import annotate_sequence
from inverse_painting.annotate.config import AnnotateConfig
from inverse_painting.config import ConfigError, parse_config, replace
from inverse_painting.dataset import assign_split
from inverse_painting.dataset.build import build_dataset
from inverse_painting.dataset.config import BuildConfig
from inverse_painting.dataset.paintings import collect_paintings
from inverse_painting.dataset.preview import write_preview
from inverse_painting.perceptual.masks import MaskSettings
from inverse_painting.records import PaintingSequence
from inverse_painting.sample.sequences import write_sample_sequence

OFFLINE = AnnotateConfig(masks=MaskSettings(backend="lab"), label_backend="classical", mask_sizes=())
BUILD = BuildConfig(split_ratios={"train": 0.5, "validation": 0.25, "test": 0.25}, max_shard_mb=0.05,
                    card_examples=2, repo_id="someone/paintings")
load_sequence = PaintingSequence.read


def build_config(root, **changes) -> BuildConfig:
    return replace(BUILD, annotations=str(root / "annotations"), out=str(root / "dataset"), **changes)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def built(tmp_path_factory, synth_painting):
    root = tmp_path_factory.mktemp("build")
    specs = [(10, "real", "auto", "CC-BY-4.0"), (11, "real", "test", "CC0-1.0"), (12, "real", "auto", "CC0-1.0"),
             (13, "synthetic", "auto", "CC0-1.0"), (14, "synthetic", "validation", "CC0-1.0")]
    for seed, origin, hint, licence in specs:
        s = write_sample_sequence(root / "seq" / f"painting-{seed}", seed, width=96, steps_per_layer=1,
                                  origin=origin, split_hint=hint, licence=licence)
        annotate_sequence(load_sequence(s.root), root / "annotations" / s.root.name, OFFLINE)
    # a synth process: synthetic, with exact step truth (the two above have none)
    annotate_sequence(load_sequence(synth_painting), root / "annotations" / synth_painting.name, OFFLINE)
    summary = build_dataset(build_config(root))
    return root, summary


def test_split_is_deterministic_by_painting_and_honours_hints():
    ratios = {"train": 0.8, "validation": 0.1, "test": 0.1}
    ids = [f"p{i}" for i in range(400)]
    first = [assign_split(i, ratios) for i in ids]
    assert first == [assign_split(i, ratios) for i in ids]
    share = first.count("train") / len(ids)
    assert 0.7 < share < 0.9 and "validation" in first and "test" in first
    assert assign_split("p1", ratios, hint="test") == "test"
    assert [assign_split(i, ratios, seed=1) for i in ids] != first


def test_layout_and_load_dataset_round_trip(built):
    from datasets import load_dataset

    root, summary = built
    out = root / "dataset"
    entries = collect_paintings(build_config(root))
    split_of = {e.painting_id: e.split for e in entries}
    assert split_of["painting-11"] == "test" and split_of["painting-14"] == "validation"
    shards = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.parquet"))
    assert shards == sorted(summary.shards)
    for rel in shards:
        config, name = rel.split("/")[1:]
        split, index, _, count = name.removesuffix(".parquet").split("-")
        assert rel.startswith("data/") and config in ("real", "synthetic") and split in split_of.values()
        assert len(index) == len(count) == 5 and int(index) < int(count)
    assert any(not s.endswith("-00000-of-00001.parquet") for s in shards)  # small max_shard_mb: several shards
    for config in ("real", "synthetic"):
        loaded = load_dataset(str(out), config)
        assert set(loaded) == set(summary.rows[config])
        seen = {}
        for split, ds in loaded.items():
            assert len(ds) == summary.rows[config][split]
            assert list(ds.features) == ["painting_id", "step", "current", "next", "target", "dt", "mask",
                                         "stroke_mask", "outstanding_mask", "painted_mask", "text", "source_url",
                                         "licence", "origin"]
            assert ds.features["current"].__class__.__name__ == "Image" and ds.features["step"].dtype == "int32"
            for pid in set(ds["painting_id"]):
                assert split_of[pid] == split and seen.setdefault(pid, split) == split
            assert set(ds["origin"]) == {config}
        # rows come back exactly: same images (pixels), same labels and intervals
        row = loaded[split_of["painting-11" if config == "real" else "painting-14"]][0]
        doc = json.loads((root / "annotations" / row["painting_id"] / "steps.json").read_text())
        step = doc["steps"][row["step"]]
        base = root / "annotations" / row["painting_id"]
        for column in ("current", "next", "mask"):
            expected = np.asarray(Image.open(base / step[column]))
            assert np.array_equal(np.asarray(row[column]), expected), column
        assert row["text"] == step["text"] and row["dt"] == pytest.approx(step["dt"], rel=1e-6)
        assert np.asarray(row["mask"]).ndim == 2 and row["stroke_mask"] is None  # no exact truth


def test_synthetic_rows_carry_the_exact_truth(built, synth_painting):
    from datasets import load_dataset

    from inverse_painting.records import load_pairs
    from inverse_painting.training.data import PairsData

    root, summary = built
    split = {e.painting_id: e.split for e in collect_paintings(build_config(root))}[synth_painting.name]
    rows = load_dataset(str(root / "dataset"), "synthetic", split=split).filter(
        lambda r: r["painting_id"] == synth_painting.name)
    truths = json.loads((synth_painting / "regions.json").read_text())["steps"]
    assert len(rows) == len(truths) == 6 and summary.exact_truth_steps == 6
    for row, truth in zip(rows, truths):
        assert np.array_equal(np.asarray(row["stroke_mask"]), np.asarray(Image.open(synth_painting / truth["mask"])))
        assert row["text"] == truth["layer_name"]
    # the target is the image the last keyframe shows, at the keyframes' size
    assert np.array_equal(np.asarray(rows[-1]["next"]), np.asarray(rows[0]["target"]))
    assert "synth-layer" in summary.label_backends and "classical" in summary.label_backends
    # the training reader takes rows with and without a stroke mask alike
    pairs = PairsData.from_rows(load_pairs(root / "dataset", split), 32)
    assert len(pairs) == summary.rows["synthetic"][split] + summary.rows.get("real", {}).get(split, 0)
    assert set(rows["text"]) <= set(pairs.vocabulary())


def test_card(built):
    root, summary = built
    text = (root / "dataset" / "README.md").read_text()
    meta = yaml.safe_load(text.split("---")[1])
    assert meta["license"] == "other"  # sources differ in licence
    configs = {c["config_name"]: c for c in meta["configs"]}
    assert set(configs) == {"real", "synthetic"}
    assert {d["path"] for d in configs["real"]["data_files"]} == {f"data/real/{s}-*" for s in summary.rows["real"]}
    infos = {i["config_name"]: i for i in meta["dataset_info"]}
    assert {s["name"]: s["num_examples"] for s in infos["synthetic"]["splits"]} == summary.rows["synthetic"]
    assert [f["name"] for f in infos["real"]["features"]][:3] == ["painting_id", "step", "current"]
    for pid, licence in (("painting-10", "CC-BY-4.0"), ("painting-12", "CC0-1.0")):
        assert any(pid in line and licence in line and "sample world" in line for line in text.splitlines())
    assert "lab-delta-e" in text and "It is not LPIPS" in text
    assert f"Exact truth: {summary.exact_truth_steps} of {summary.to_dict()['total_rows']} steps" in text
    assert "`synth-layer`" in text and "stroke_mask" in [f["name"] for f in infos["synthetic"]["features"]]
    examples = sorted((root / "dataset" / "images").glob("*.png"))
    assert len(examples) == 2 and all(f"images/{p.name}" in text for p in examples)
    assert "someone/paintings" in text


def test_preview_page(built, tmp_path):
    root, _ = built
    index = write_preview(root / "annotations", tmp_path / "preview")
    page = index.read_text()
    assert page.count("<section") == 6 and "hand over canvas" in page and "Rejected frames" in page
    for src in [s.split("'")[0] for s in page.split("src='")[1:]]:
        assert (index.parent / src).is_file()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium not installed")
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
                    "--window-size=1000,800", index.as_uri()], capture_output=True, timeout=120, check=False)
    assert shot.is_file(), "chromium wrote no screenshot"
    pixels = np.asarray(Image.open(io.BytesIO(shot.read_bytes())).convert("RGB")).astype(int)
    assert pixels.std() > 10  # not a blank page
    assert (np.abs(pixels - pixels.mean((0, 1))).sum(-1) > 60).mean() > 0.05  # images are drawn


def test_published_rows_hold_no_local_paths_and_unknown_licences_are_listed(tmp_path):
    s = write_sample_sequence(tmp_path / "seq" / "painting-local", 15, width=64, steps_per_layer=1, licence="")
    doc = json.loads((s.root / "sequence.json").read_text())
    video = tmp_path / "home" / "someone" / "my video.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(b"a local video")
    doc["source_url"] = str(video)
    (s.root / "sequence.json").write_text(json.dumps(doc))
    annotate_sequence(load_sequence(s.root), tmp_path / "annotations" / s.root.name, OFFLINE)
    summary = build_dataset(build_config(tmp_path, card_examples=0))
    assert summary.unknown_licence == ["painting-local"]
    card = (tmp_path / "dataset" / "README.md").read_text()
    assert "Licence unknown" in card and "painting-local" in card
    for path in (tmp_path / "dataset").rglob("*"):
        if path.is_file():
            assert str(tmp_path).encode() not in path.read_bytes(), path
    assert "local:my video.mp4#sha256=" in card


def test_config_is_strict():
    section = yaml.safe_load((Path(__file__).resolve().parent.parent / "params.yaml").read_text())["build"]
    assert parse_config(BuildConfig, section, "build") == replace(BuildConfig(), cards="datasets_cards")
    with pytest.raises(ConfigError, match=r"build.card_example: unknown setting; did you mean 'card_examples'"):
        parse_config(BuildConfig, {"card_example": 2}, "build")
    with pytest.raises(ConfigError, match=r"unknown split\(s\) \['valid'\]"):
        parse_config(BuildConfig, {"split_ratios": {"train": 0.9, "valid": 0.1}}, "build")
