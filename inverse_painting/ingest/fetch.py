"""The ``fetch`` stage: every source of a manifest into ``<out>/<id>/``: ``video.<ext>`` plus
``info.json`` (:class:`~inverse_painting.records.RawInfo`).

Each source's fetcher (:mod:`.fetchers`: local files are copied, remote URLs downloaded,
sample sources generated) lists its items before the stage runs and fetches them one by one.
Each item's folder appears whole or not at all (built in a temp folder, then renamed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Execution
from ..pipeline import Item, ItemContext, ItemResult
from .base import Source
from .download import DownloadConfig
from .fetchers import FETCHERS, fetcher
from .sources import default_item_id


@dataclass(frozen=True)
class FetchConfig(Execution):
    sources: str = "sources/sample.yaml"  # the manifest (YAML or CSV)
    out: str = "data/raw"
    download: DownloadConfig = field(default_factory=DownloadConfig)  # remote URLs (yt-dlp)


def fetch_items(sources: list[Source], config: FetchConfig) -> list[Item]:
    """The stage's items: each source's, from its fetcher (a remote playlist gives one per video).

    An entry seen before gets an item carrying ``duplicate_of``: a skipped ledger row saying so.
    """
    items: list[Item] = []
    seen: set[str] = set()
    for source in sources:
        for item in fetcher(source.kind).items(source, default_item_id(source), config):
            if item.id in seen:
                n = 2
                while f"{item.id}.dup{n}" in seen:
                    n += 1
                item = Item(f"{item.id}.dup{n}", {**item.payload, "duplicate_of": item.id})
            seen.add(item.id)
            items.append(item)
    return items


def fetch_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function for the ``fetch`` stage."""
    kind = item.payload["kind"]
    if "duplicate_of" in item.payload:
        return ItemResult.skipped("duplicate", f"duplicate of {item.payload['duplicate_of']} "
                                               "(the same video is listed twice)")
    if kind not in FETCHERS.names():
        return ItemResult.skipped("unknown_kind", f"unknown source kind {kind!r}")
    return fetcher(kind).fetch(item, ctx)
