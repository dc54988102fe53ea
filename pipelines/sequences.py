"""DVC stage ``sequences``: sample-world painting processes (no video) -> ``data/sequences/<id>/``."""

from inverse_painting.sample.stage import SequencesConfig, sequence_item, sequence_items

from .common import main, run_items, stage_config


def run():
    config = stage_config("sequences", SequencesConfig)
    return run_items("sequences", sequence_items(config), sequence_item, config)


if __name__ == "__main__":
    main(run)
