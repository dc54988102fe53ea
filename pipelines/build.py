"""DVC stage ``build``: annotations -> Hugging Face dataset (Hub layout) + HTML preview."""

from inverse_painting.dataset.build import build_dataset
from inverse_painting.dataset.config import BuildConfig
from inverse_painting.dataset.preview import write_preview
from inverse_painting.pipeline import atomic_write_json

from .common import REPORTS, main, stage_config


def run():
    config = stage_config("build", BuildConfig)
    summary = build_dataset(config)
    preview = write_preview(config.annotations, config.preview, config.preview_paintings)
    report = {"stage": "build", **summary.to_dict(), "preview": str(preview)}
    report.pop("shards")
    atomic_write_json(REPORTS / "build.json", report)
    print(f"build: {report['total_rows']} rows from {report['total_paintings']} paintings -> {config.out}")
    return None


if __name__ == "__main__":
    main(run)
