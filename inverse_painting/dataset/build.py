"""Build the Hugging Face dataset from annotations.

One row per step (schema: :func:`inverse_painting.records.features`, ARCHITECTURE.md), configs
``real`` and ``synthetic`` by the painting's origin, splits by painting id, images embedded as
PNG bytes in ``Image`` features, parquet shards where ``push_to_hub(config_name=c,
data_dir="data/<c>")`` puts them (:func:`~inverse_painting.records.shard_path`), a ``README.md``
card rendered from ``datasets_cards/`` and a few example strips under ``images/``.
"""

from __future__ import annotations

import io
import logging
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from PIL import Image

from ..pipeline import atomic_dir
from ..records.dataset import CONFIGS, SPLITS, features, shard_path
from .card import render_card, write_examples
from .config import BuildConfig
from .paintings import PaintingEntry, collect_paintings

log = logging.getLogger(__name__)

__all__ = ["BuildSummary", "build_dataset", "features", "painting_rows", "png_bytes"]


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

    def describe(self, entries: list[PaintingEntry]) -> None:
        """Fill in what the paintings' steps say about masks, labels and licences."""
        self.mask_backends = sorted({f"{e.doc.mask_backend} (threshold {e.doc.mask_threshold})" for e in entries})
        # steps.json before version 2 names the labeller per painting only
        self.label_backends = sorted({s.text_source or e.doc.label_backend for e in entries for s in e.doc.steps})
        self.exact_truth_steps = sum(bool(s.exact_truth) for e in entries for s in e.doc.steps)
        self.labels = dict(Counter(s.text for e in entries for s in e.doc.steps).most_common())
        self.unknown_licence = sorted(e.painting_id for e in entries if not str(e.doc.licence).strip())


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
    ``stroke_mask`` is None for steps without exact truth, ``outstanding_mask`` and
    ``painted_mask`` for steps annotated before they existed (steps.json version < 3)."""
    doc, root = entry.doc, entry.root
    target = _image(root / doc.target)
    for s in doc.steps:
        yield {
            "painting_id": entry.painting_id, "step": int(s.step),
            "current": _image(root / s.current), "next": _image(root / s.next),
            "target": target, "dt": float(s.dt), "mask": _image(root / s.mask),
            "stroke_mask": _image(root / s.stroke_mask) if s.stroke_mask else None,
            "outstanding_mask": _image(root / s.outstanding_mask) if s.outstanding_mask else None,
            "painted_mask": _image(root / s.painted_mask) if s.painted_mask else None,
            "text": str(s.text), "source_url": str(doc.source_url), "licence": str(doc.licence),
            "origin": entry.origin,
        }


def _row_bytes(row: Mapping[str, Any]) -> int:
    images = sum(len(row[c]["bytes"]) for c in ("current", "next", "mask", "stroke_mask", "outstanding_mask",
                                                 "painted_mask") if row[c])
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
        rel = shard_path(config, split, i, n)
        ds = hfd.Dataset.from_list(group, features=features())
        ds.to_parquet(str(out_dir / rel))
        paths.append(rel)
        rows += len(ds)
        nbytes += ds.data.nbytes
    return paths, rows, nbytes


def build_dataset(config: BuildConfig) -> BuildSummary:
    """Build the whole dataset into ``config.out`` (replaced atomically) and return its summary."""
    entries = collect_paintings(config)
    out_dir = Path(config.out)
    summary = BuildSummary(str(out_dir))
    max_shard = int(float(config.max_shard_mb) * 2**20)
    split_infos: dict[str, dict[str, tuple[int, int, int]]] = defaultdict(dict)
    with atomic_dir(out_dir, writer="build") as tmp:
        for origin in CONFIGS:
            for split in SPLITS:
                chosen = [e for e in entries if e.origin == origin and e.split == split]
                if not chosen:
                    continue
                paths, rows, nbytes = _write_split(chosen, tmp, origin, split, max_shard)
                parquet = sum((tmp / p).stat().st_size for p in paths)
                summary.shards += paths
                summary.rows.setdefault(origin, {})[split] = rows
                summary.paintings.setdefault(origin, {})[split] = len(chosen)
                split_infos[origin][split] = (rows, nbytes, parquet)
        summary.describe(entries)
        if summary.unknown_licence:
            log.warning("%d paintings have no known licence (check before publishing): %s",
                        len(summary.unknown_licence), ", ".join(summary.unknown_licence[:10]))
        examples = write_examples(entries, tmp, config.card_examples)
        render_card(tmp / "README.md", config, entries, split_infos, summary, examples)
        summary.bytes = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    return summary
