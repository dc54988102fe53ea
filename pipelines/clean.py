"""DVC stage ``clean``: rectified frames -> hand-free keyframes + ``sequence.json`` per painting."""

from collections import Counter

from inverse_painting.clean.stage import CleanConfig, canvas_items, clean_item
from inverse_painting.pipeline import write_report

from .common import REPORTS, main, run_items, stage_config, write_csv


def run():
    config = stage_config("clean", CleanConfig)
    report = run_items("clean", canvas_items(config.canvas), clean_item, config)
    done = [r for r in report.rows if r.status == "ok"]
    rejections: Counter[str] = Counter()
    signals: Counter[str] = Counter()
    for row in report.rows:
        rejections.update(row.info.get("reasons", {}))
        signals.update(row.info.get("signals_fired", {}))
    report.extra["rejections_by_code"] = dict(sorted(rejections.items()))
    report.extra["occluded_frames_by_signal"] = dict(sorted(signals.items()))  # frames each signal fired on
    report.extra["signals_off"] = sorted({s for r in report.rows for s in r.info.get("signals_off", [])})
    report.extra["videos_split"] = [r.item_id for r in done if r.info.get("split")]  # not registered: one sequence per canvas frame
    write_report(report, REPORTS / "clean.json")
    write_csv(REPORTS / "clean_per_video.csv",
              [{"video_id": r.item_id, "keyframes": r.info["keyframes"], "rejected": r.info["rejected"],
                "occluded": r.info["occluded"], "sequences": len(r.info["sequences"])} for r in done])
    return report


if __name__ == "__main__":
    main(run)
