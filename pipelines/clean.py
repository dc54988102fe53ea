"""DVC stage ``clean``: rectified frames -> hand-free keyframes + ``sequence.json`` per painting."""

from inverse_painting.clean.stage import canvas_items, clean_item

from .common import REPORTS, main, run_items, stage_params, write_csv


def run():
    params = stage_params("clean")
    report = run_items("clean", canvas_items(params["canvas"]), clean_item, params["out"], params)
    write_csv(REPORTS / "clean_per_video.csv",
              [{"video_id": r.item_id, "keyframes": r.info.get("keyframes", 0), "rejected": r.info.get("rejected", 0),
                "occluded": r.info.get("occluded", 0)} for r in report.rows if r.status == "ok"])
    return report


if __name__ == "__main__":
    main(run)
