"""DVC stage ``synth``: images (sample stills, a folder or a Hub dataset) -> stroke processes."""

import math

from inverse_painting.pipeline import write_report
from inverse_painting.synth.config import SynthConfig
from inverse_painting.synth.stage import synth_item, synth_items

from .common import REPORTS, main, run_items, stage_config, write_csv


def _mean(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    return round(sum(values) / len(values), 4) if values else None


def run():
    config = stage_config("synth", SynthConfig)
    report = run_items("synth", synth_items(config), synth_item, config)
    ok = [r for r in report.rows if r.status == "ok"]
    report.extra = {
        "psnr_mean": _mean([r.info.get("psnr") for r in ok]),
        "depth_spearman_mean": _mean([r.info.get("depth_spearman") for r in ok]),
        "ground_truth_spearman_mean": _mean([r.info.get("ground_truth_spearman") for r in ok]),
        "strokes_total": sum(int(r.info.get("strokes", 0)) for r in ok),
    }
    write_report(report, REPORTS / "synth.json")
    write_csv(REPORTS / "synth_per_image.csv",
              [{"painting_id": r.item_id, "psnr": r.info.get("psnr"), "depth_spearman": r.info.get("depth_spearman"),
                "decompose_s": r.info.get("decompose_s")} for r in ok])
    return report


if __name__ == "__main__":
    main(run)
