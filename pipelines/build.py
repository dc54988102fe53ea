"""DVC stage ``build``: annotations -> Hugging Face dataset (Hub layout) + HTML preview."""

from inverse_painting.dataset.build import build_dataset
from inverse_painting.dataset.preview import write_preview
from inverse_painting.pipeline import atomic_write_json

from .common import REPORTS, main, stage_params


def run():
    params = stage_params("build")
    summary = build_dataset(params["annotations"], params["out"], params, params.get("cards", "datasets_cards"))
    preview = write_preview(params["annotations"], params["preview"], int(params.get("preview_paintings", 50)))
    report = {"stage": "build", **summary.to_dict(), "preview": str(preview)}
    report.pop("shards")
    atomic_write_json(REPORTS / "build.json", report)
    print(f"build: {report['total_rows']} rows from {report['total_paintings']} paintings -> {params['out']}")
    return None


if __name__ == "__main__":
    main(run)
