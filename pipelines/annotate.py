"""DVC stage ``annotate``: painting sequences (data/keyframes, data/synth) -> steps, masks, labels."""

from collections import Counter

from inverse_painting.annotate.annotate import annotate_item, sequence_items
from inverse_painting.annotate.priors import LabelPriors

from .common import REPORTS, main, run_items, stage_params, write_csv


def run():
    params = stage_params("annotate")
    # The priors file's content, not only its path, decides the labels: an edit redoes finished items.
    params["label_priors_sha256"] = LabelPriors.load(params.get("label_priors")).sha256
    # Either input may be absent (a sample-only or synthetic-only run): missing roots are skipped.
    items = sequence_items([params["keyframes"], params["synth"]])
    report = run_items("annotate", items, annotate_item, params["out"], params)
    done = [r for r in report.rows if r.status == "ok"]
    labels = Counter(label for r in done for label in r.info.get("labels", []))
    report.extra.update({
        "steps": sum(r.info.get("steps", 0) for r in done),
        "exact_truth_steps": sum(r.info.get("exact_truth_steps", 0) for r in done),
        "mask_backends": sorted({r.info.get("mask_backend", "") for r in done}),
        "label_backends": sorted({r.info.get("label_backend", "") for r in done}),
        "labels": dict(labels.most_common()),
    })
    from inverse_painting.pipeline import write_report

    write_report(report, REPORTS / "annotate.json")
    write_csv(REPORTS / "annotate_labels.csv", [{"label": k, "steps": v} for k, v in labels.most_common()])
    return report


if __name__ == "__main__":
    main(run)
