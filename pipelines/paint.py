"""DVC stage ``paint``: paint every held-out target of a split with the trained model."""

from inverse_painting.painting.stage import paint_item, paint_items

from .common import REPORTS, main, run_items, stage_params, write_csv


def run():
    params = stage_params("paint")
    items = paint_items(params["dataset"], params["split"], params["model"])
    report = run_items("paint", items, paint_item, params["out"], params)
    write_csv(REPORTS / "paint_keyframes.csv",
              [{"painting_id": r.item_id, "keyframes": r.info.get("keyframes", 0),
                "s_per_keyframe": r.info.get("s_per_keyframe", 0)} for r in report.rows if r.status == "ok"])
    return report


if __name__ == "__main__":
    main(run)
