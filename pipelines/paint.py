"""DVC stage ``paint``: paint every held-out target of a split with the trained model."""

from inverse_painting.painting.stage import PaintConfig, paint_item, paint_items

from .common import REPORTS, main, run_items, stage_config, write_csv


def run():
    config = stage_config("paint", PaintConfig)
    report = run_items("paint", paint_items(config.dataset, config.split, config.model), paint_item, config)
    write_csv(REPORTS / "paint_keyframes.csv",
              [{"painting_id": r.item_id, "keyframes": r.info.get("keyframes", 0),
                "s_per_keyframe": r.info.get("s_per_keyframe", 0)} for r in report.rows if r.status == "ok"])
    return report


if __name__ == "__main__":
    main(run)
