"""DVC stage ``canvas``: sampled frames -> per-frame canvas quads + rectified canvas frames."""

from inverse_painting.canvas.stage import canvas_item, frames_items

from .common import main, run_items, stage_params


def run():
    params = stage_params("canvas")
    return run_items("canvas", frames_items(params["frames"]), canvas_item, params["out"], params)


if __name__ == "__main__":
    main(run)
