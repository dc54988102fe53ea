"""DVC stage ``canvas``: sampled frames -> per-frame canvas quads + rectified canvas frames."""

from inverse_painting.canvas.stage import CanvasConfig, canvas_item, frames_items

from .common import main, run_items, stage_config


def run():
    config = stage_config("canvas", CanvasConfig)
    return run_items("canvas", frames_items(config.frames), canvas_item, config)


if __name__ == "__main__":
    main(run)
