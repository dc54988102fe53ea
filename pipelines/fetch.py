"""DVC stage ``fetch``: sources manifest -> ``data/raw/<id>/`` (video + info.json).

Remote playlists and channels are expanded into one item per video before the executor runs.
"""

from inverse_painting.ingest.fetch import FetchConfig, fetch_item, fetch_items
from inverse_painting.ingest.sources import load_manifest

from .common import main, run_items, stage_config


def run():
    config = stage_config("fetch", FetchConfig)
    return run_items("fetch", fetch_items(load_manifest(config.sources), config), fetch_item, config)


if __name__ == "__main__":
    main(run)
