"""The dataset card (``README.md``): YAML ``configs`` and ``dataset_info`` written by the
``datasets`` library's own helpers, the body rendered from a Jinja template in
``datasets_cards/`` with counts, the source list (licence and uploader per video) and
example strips."""

from __future__ import annotations

from pathlib import Path

from ..media.images import write_image
from ..pipeline.errors import UserError
from ..records.dataset import features
from .config import BuildConfig
from .paintings import PaintingEntry, example_strip

TEMPLATE_NAME = "inverse_painting_dataset.md"
# datasets_cards/, linked into the package so the templates install with it.
PACKAGED_TEMPLATES = Path(__file__).resolve().parent / "cards"


def _licence_id(licences: set[str]) -> str:
    """The card's ``license``: the shared licence when every source has the same one, else other."""
    known = {lic.strip().lower() for lic in licences if lic.strip()}
    return known.pop() if len(known) == 1 and len(licences) == 1 else "other"


def write_examples(entries: list[PaintingEntry], out_dir: Path, count: int) -> list[dict[str, str]]:
    """A few example strips (current | next | mask | target) under ``images/``."""
    chosen = sorted(entries, key=lambda e: (e.split != "train", e.origin, e.painting_id))[:max(count, 0)]
    examples = []
    for entry in chosen:
        step = entry.doc.steps[len(entry.doc.steps) // 2]
        rel = f"images/example-{len(examples)}.png"
        write_image(out_dir / rel, example_strip(entry, step))
        examples.append({"file": rel, "painting_id": entry.painting_id, "step": step.step, "text": step.text,
                         "origin": entry.origin})
    return examples


def _split_metadata(card_data, split_infos: dict[str, dict[str, tuple[int, int, int]]]) -> None:
    """The card's ``dataset_info`` and ``configs`` (the first config is the default)."""
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs

    infos, configs = {}, {}
    for i, (name, splits) in enumerate(split_infos.items()):
        info = DatasetInfo(config_name=name, features=features(), splits=SplitDict(), download_size=0,
                           dataset_size=0)
        for split, (rows, nbytes, parquet) in splits.items():
            info.splits.add(SplitInfo(name=split, num_bytes=nbytes, num_examples=rows))
            info.download_size += parquet
            info.dataset_size += nbytes
        info.size_in_bytes = info.download_size + info.dataset_size
        infos[name] = info
        configs[name] = {"data_files": [{"split": s, "path": f"data/{name}/{s}-*"} for s in splits]}
        if i == 0:
            configs[name]["default"] = True
    DatasetInfosDict(infos).to_dataset_card_data(card_data)
    MetadataConfigs(configs).to_dataset_card_data(card_data)


def render_card(path: Path, config: BuildConfig, entries: list[PaintingEntry], split_infos, summary,
                examples) -> Path:
    """The card: metadata by the ``datasets`` helpers, body from ``config.cards``' template
    (the packaged one when empty)."""
    from huggingface_hub import DatasetCard, DatasetCardData

    card_data = DatasetCardData(
        license=_licence_id({e.doc.licence for e in entries}),
        pretty_name=config.pretty_name,
        task_categories=["image-to-image"], tags=["painting", "time-lapse", "inverse-painting"],
        size_categories=["n<1K"] if summary.to_dict()["total_rows"] < 1000 else ["1K<n<10K"],
    )
    _split_metadata(card_data, split_infos)
    sources = sorted((e.source() for e in entries), key=lambda s: (s["origin"], s["split"], s["painting_id"]))
    template = Path(config.cards or PACKAGED_TEMPLATES) / TEMPLATE_NAME
    if not template.is_file():
        raise UserError(f"{template}: dataset card template not found (set build.cards / --cards to a folder "
                        f"holding {TEMPLATE_NAME}, or leave it empty for the built-in one)")
    card = DatasetCard.from_template(
        card_data, template_path=str(template), unknown_licence=summary.unknown_licence,
        pretty_name=card_data.pretty_name, counts=summary.rows, paintings=summary.paintings,
        total_rows=summary.to_dict()["total_rows"], sources=sources, examples=examples,
        mask_backends=summary.mask_backends, label_backends=summary.label_backends, labels=summary.labels,
        exact_truth_steps=summary.exact_truth_steps,
        repo_id=config.repo_id,
    )
    path.write_text(str(card), encoding="utf-8")
    return path
