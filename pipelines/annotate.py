"""DVC stage ``annotate``: painting sequences (data/keyframes, data/synth) -> steps, masks, labels."""

from collections import Counter

from inverse_painting.annotate.annotate import annotate_item, annotate_items
from inverse_painting.annotate.config import AnnotateConfig
from inverse_painting.pipeline import write_report

from .common import REPORTS, main, run_items, stage_config, write_csv


def run():
    config = stage_config("annotate", AnnotateConfig)
    # Either input may be absent (a sample-only or synthetic-only run): missing roots are skipped.
    report = run_items("annotate", annotate_items(config), annotate_item, config)
    done = [r for r in report.rows if r.status == "ok"]
    labels = Counter(label for r in done for label in r.info.get("labels", []))
    report.extra.update({
        "steps": sum(r.info.get("steps", 0) for r in done),
        "exact_truth_steps": sum(r.info.get("exact_truth_steps", 0) for r in done),
        "mask_backends": sorted({r.info.get("mask_backend", "") for r in done}),
        "label_backends": sorted({r.info.get("label_backend", "") for r in done}),
        "labels": dict(labels.most_common()),
    })
    write_report(report, REPORTS / "annotate.json")
    write_csv(REPORTS / "annotate_labels.csv", [{"label": k, "steps": v} for k, v in labels.most_common()])
    return report


if __name__ == "__main__":
    main(run)
