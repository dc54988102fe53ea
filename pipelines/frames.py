"""DVC stage ``frames``: ``data/raw`` videos -> timestamped frames at a fixed rate."""

from inverse_painting.ingest.frames import FramesConfig, fetched_items, frames_item

from .common import REPORTS, main, run_items, stage_config, write_csv


def run():
    config = stage_config("frames", FramesConfig)
    report = run_items("frames", fetched_items(config.raw), frames_item, config)
    write_csv(REPORTS / "frames_per_video.csv",
              [{"video_id": r.item_id, "frames": r.info["frames"], "duration_s": r.info["duration_s"]}
               for r in report.rows if r.status == "ok"])
    return report


if __name__ == "__main__":
    main(run)
