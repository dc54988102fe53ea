"""DVC stage ``fetch``: sources manifest -> ``data/raw/<id>/`` (video + info.json).

Remote playlists and channels are expanded into one item per video before the executor runs.
"""

from inverse_painting.ingest.download import DownloadOptions, expand_sources
from inverse_painting.ingest.fetch import fetch_item
from inverse_painting.ingest.sources import load_manifest

from .common import main, run_items, stage_params


def run():
    params = stage_params("fetch")
    items = expand_sources(load_manifest(params["sources"]), DownloadOptions.from_params(params.get("download")))
    return run_items("fetch", items, fetch_item, params["out"], params)


if __name__ == "__main__":
    main(run)
