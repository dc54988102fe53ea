"""DVC stage ``canvas``: sampled frames -> per-frame canvas quads (or the reason for none) + rectified frames."""

from collections import Counter

from inverse_painting.canvas.stage import CanvasConfig, canvas_item, frames_items
from inverse_painting.pipeline import write_report

from .common import REPORTS, main, run_items, stage_config


def run():
    config = stage_config("canvas", CanvasConfig)
    report = run_items("canvas", frames_items(config.frames), canvas_item, config)
    cues: Counter[str] = Counter()
    for row in report.rows:
        cues.update(row.info.get("cue_per_segment", []))
    report.extra["segments_by_cue"] = dict(sorted(cues.items()))  # the cue that decided each camera segment
    report.extra["person_shots"] = "on" if config.person.enabled else "off (canvas.person.enabled: false)"
    write_report(report, REPORTS / "canvas.json")
    return report


if __name__ == "__main__":
    main(run)
