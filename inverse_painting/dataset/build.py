"""Build the Hugging Face dataset from annotations.

One row per step (schema in ARCHITECTURE.md), configs ``real`` and ``synthetic`` by the
painting's origin, splits by painting id, images embedded as PNG bytes in ``Image``
features, parquet shards where ``push_to_hub(config_name=c, data_dir="data/<c>")`` puts
them (``data/<config>/<split>-00000-of-0000N.parquet``), a ``README.md`` card rendered
from ``datasets_cards/`` and a few example strips under ``images/``.
"""

from __future__ import annotations

import io
import logging
import os
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np
from PIL import Image

from ..annotate.annotate import STEPS_NAME, load_steps
from ..pipeline import NoItems, atomic_dir
from ..pipeline.provenance import is_local_path, local_source
from .split import SPLITS, assign_split

log = logging.getLogger(__name__)
CONFIGS = ("real", "synthetic")


def features():
    """The row schema (ARCHITECTURE.md, "A training pair")."""
    import datasets as hfd

    return hfd.Features({
        "painting_id": hfd.Value("string"), "step": hfd.Value("int32"),
        "current": hfd.Image(), "next": hfd.Image(), "target": hfd.Image(),
        "dt": hfd.Value("float32"), "mask": hfd.Image(), "stroke_mask": hfd.Image(), "text": hfd.Value("string"),
        "source_url": hfd.Value("string"), "licence": hfd.Value("string"), "origin": hfd.Value("string"),
    })


@dataclass
class PaintingEntry:
    """One annotated painting as the build sees it."""

    painting_id: str
    origin: str
    split: str
    root: Path
    steps: dict[str, Any]

    def source(self) -> dict[str, Any]:
        s = self.steps
        return {"painting_id": self.painting_id, "origin": self.origin, "split": self.split,
                "title": s.get("title", ""), "source_url": s.get("source_url", ""), "licence": s.get("licence", ""),
                "uploader": s.get("uploader", ""), "steps": len(s["steps"]),
                "mask_backend": s.get("mask_backend", ""), "label_backend": s.get("label_backend", "")}


@dataclass
class BuildSummary:
    out_dir: str
    rows: dict[str, dict[str, int]] = field(default_factory=dict)       # config -> split -> rows
    paintings: dict[str, dict[str, int]] = field(default_factory=dict)  # config -> split -> paintings
    shards: list[str] = field(default_factory=list)
    mask_backends: list[str] = field(default_factory=list)
    label_backends: list[str] = field(default_factory=list)  # where the rows' text came from
    exact_truth_steps: int = 0  # rows with the producer's stroke mask and label
    labels: dict[str, int] = field(default_factory=dict)
    unknown_licence: list[str] = field(default_factory=list)  # painting ids whose source states no licence
    bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["total_rows"] = sum(sum(v.values()) for v in self.rows.values())
        d["total_paintings"] = sum(sum(v.values()) for v in self.paintings.values())
        return d


def collect_paintings(annotations: str | os.PathLike, params: Mapping[str, Any]) -> list[PaintingEntry]:
    """Every ``<annotations>/<id>/steps.json`` with its config and split, sorted by id."""
    ratios = params.get("split_ratios", {"train": 0.8, "validation": 0.1, "test": 0.1})
    seed = int(params.get("split_seed", 0))
    entries = []
    root = Path(annotations)
    for path in sorted(root.glob(f"*/{STEPS_NAME}")) if root.is_dir() else []:
        if path.parent.name.startswith(("_", ".")):
            continue
        doc = load_steps(path)
        if not doc.get("steps"):
            continue
        origin = "synthetic" if doc.get("origin") == "synthetic" else "real"
        pid = doc.get("painting_id") or path.parent.name
        doc["source_url"] = publishable_source(doc.get("source_url", ""))
        entries.append(PaintingEntry(pid, origin, assign_split(pid, ratios, doc.get("split_hint", "auto"), seed),
                                     path.parent, doc))
    if not entries:
        raise NoItems(f"{annotations}: no annotated paintings (expected <id>/steps.json from `annotate`)")
    return entries


def publishable_source(url: str) -> str:
    """``url`` as the dataset may publish it: a local path becomes its file name and content
    hash (or just its file name when the file is gone), never the path itself."""
    if not is_local_path(url):
        return url
    path = Path(url.removeprefix("file://")).expanduser()
    return local_source(path) if path.is_file() else f"local:{path.name}"


def png_bytes(path: Path) -> bytes:
    """The file's bytes when it is a PNG already, else the image re-encoded losslessly as PNG."""
    data = path.read_bytes()
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return data
    buf = io.BytesIO()
    with Image.open(io.BytesIO(data)) as im:
        im.convert("RGB").save(buf, format="PNG")
    return buf.getvalue()


def _image(path: Path) -> dict[str, Any]:
    return {"bytes": png_bytes(path), "path": None}


def painting_rows(entry: PaintingEntry) -> Iterator[dict[str, Any]]:
    """The dataset rows of one painting, image columns as ``{"bytes", "path": None}``;
    ``stroke_mask`` is None for steps without exact truth."""
    doc, root = entry.steps, entry.root
    target = _image(root / doc["target"])
    for s in doc["steps"]:
        yield {
            "painting_id": entry.painting_id, "step": int(s["step"]),
            "current": _image(root / s["current"]), "next": _image(root / s["next"]),
            "target": target, "dt": float(s["dt"]), "mask": _image(root / s["mask"]),
            "stroke_mask": _image(root / s["stroke_mask"]) if s.get("stroke_mask") else None,
            "text": str(s["text"]),
            "source_url": str(doc.get("source_url", "")), "licence": str(doc.get("licence", "")),
            "origin": entry.origin,
        }


def _row_bytes(row: Mapping[str, Any]) -> int:
    images = sum(len(row[c]["bytes"]) for c in ("current", "next", "mask", "stroke_mask") if row[c])
    return images + len(row["target"]["bytes"]) // 4


def _write_split(entries: list[PaintingEntry], out_dir: Path, config: str, split: str,
                 max_shard_bytes: int) -> tuple[list[str], int, int]:
    """Write one split's shards; returns (relative shard paths, rows, arrow bytes)."""
    import datasets as hfd

    groups: list[list[dict[str, Any]]] = [[]]
    size = 0
    for entry in entries:
        for row in painting_rows(entry):
            if groups[-1] and size + _row_bytes(row) > max_shard_bytes:
                groups.append([])
                size = 0
            groups[-1].append(row)
            size += _row_bytes(row)
    n = len(groups)
    paths, rows, nbytes = [], 0, 0
    for i, group in enumerate(groups):
        rel = f"data/{config}/{split}-{i:05d}-of-{n:05d}.parquet"
        ds = hfd.Dataset.from_list(group, features=features())
        ds.to_parquet(str(out_dir / rel))
        paths.append(rel)
        rows += len(ds)
        nbytes += ds.data.nbytes
    return paths, rows, nbytes


def build_dataset(annotations: str | os.PathLike, out_dir: str | os.PathLike, params: Mapping[str, Any],
                  template_dir: str | os.PathLike | None = None) -> BuildSummary:
    """Build the whole dataset into ``out_dir`` (replaced atomically) and return its summary."""
    from .card import render_card, write_examples

    entries = collect_paintings(annotations, params)
    out_dir = Path(out_dir)
    summary = BuildSummary(str(out_dir))
    max_shard = int(float(params.get("max_shard_mb", 500)) * 2**20)
    split_infos: dict[str, dict[str, tuple[int, int, int]]] = defaultdict(dict)
    with atomic_dir(out_dir, writer="build") as tmp:
        for config in CONFIGS:
            for split in SPLITS:
                chosen = [e for e in entries if e.origin == config and e.split == split]
                if not chosen:
                    continue
                paths, rows, nbytes = _write_split(chosen, tmp, config, split, max_shard)
                parquet = sum((tmp / p).stat().st_size for p in paths)
                summary.shards += paths
                summary.rows.setdefault(config, {})[split] = rows
                summary.paintings.setdefault(config, {})[split] = len(chosen)
                split_infos[config][split] = (rows, nbytes, parquet)
        summary.mask_backends = sorted({f"{e.steps.get('mask_backend', '')} (threshold {e.steps.get('mask_threshold')})"
                                        for e in entries})
        # steps.json before version 2 names the labeller per painting only
        summary.label_backends = sorted({s.get("text_source") or e.steps.get("label_backend", "")
                                         for e in entries for s in e.steps["steps"]})
        summary.exact_truth_steps = sum(bool(s.get("exact_truth")) for e in entries for s in e.steps["steps"])
        summary.labels = dict(Counter(s["text"] for e in entries for s in e.steps["steps"]).most_common())
        summary.unknown_licence = sorted(e.painting_id for e in entries if not str(e.steps.get("licence", "")).strip())
        if summary.unknown_licence:
            log.warning("%d paintings have no known licence (check before publishing): %s",
                        len(summary.unknown_licence), ", ".join(summary.unknown_licence[:10]))
        examples = write_examples(entries, tmp, int(params.get("card_examples", 3)))
        render_card(tmp / "README.md", params, entries, split_infos, summary, examples, template_dir)
        summary.bytes = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    return summary


def example_strip(entry: PaintingEntry, step: Mapping[str, Any], height: int = 128) -> np.ndarray:
    """current | next | mask | target side by side, for the card and the preview."""
    root = entry.root
    tiles = []
    for rel in (step["current"], step["next"], step["mask"], entry.steps["target"]):
        with Image.open(root / rel) as im:
            im = im.convert("RGB")
            w = max(1, round(im.width * height / im.height))
            tiles.append(np.asarray(im.resize((w, height), Image.Resampling.BILINEAR)))
    gap = np.full((height, 4, 3), 255, np.uint8)
    parts = []
    for tile in tiles:
        parts += [tile, gap]
    return np.concatenate(parts[:-1], axis=1)
