"""DVC stage ``fetch``: sources manifest -> ``data/raw/<id>/`` (video + info.json)."""

from inverse_painting.ingest.fetch import fetch_item, source_items
from inverse_painting.ingest.sources import load_manifest

from .common import main, run_items, stage_params


def run():
    params = stage_params("fetch")
    items = source_items(load_manifest(params["sources"]))
    return run_items("fetch", items, fetch_item, params["out"], params)


if __name__ == "__main__":
    main(run)
