"""The ``sample`` fetcher: ``sample://landscape/<seed>?...`` (and ``landscape-hard``) sources are generated here, with
their ground truth (``ground_truth.json``, ``states/``, ``final.png``) beside the video."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..ingest.base import Source, video_info
from ..pipeline import Item, ItemContext, ItemResult, atomic_dir
from ..records import INFO_NAME
from .hard import generate_hard_video
from .uri import SCHEME, parse_sample_uri
from .video import generate_sample_video


class SampleFetcher:
    schemes = (SCHEME,)

    def source_url(self, url: str, base_dir: Path) -> str:
        parse_sample_uri(url)  # ValueError saying what is wrong
        return url

    def default_id(self, url: str) -> str:
        return parse_sample_uri(url).item_id

    def items(self, source: Source, item_id: str, config: Any) -> list[Item]:
        return [Item(item_id, source.as_payload())]

    def fetch(self, item: Item, ctx: ItemContext) -> ItemResult:
        sample = parse_sample_uri(item.payload["url"])
        with atomic_dir(ctx.out_dir / item.id) as tmp:
            truth = (generate_hard_video if sample.hard else generate_sample_video)(tmp, sample.spec)
            title = f"Sample landscape {sample.spec.seed}" + (" (filmed the hard way)" if sample.hard else "")
            video_info(item, tmp / "video.mp4", title=title,
                       uploader="inverse-painting sample world", licence=item.payload["licence"] or "CC0-1.0",
                       ground_truth="ground_truth.json").write(tmp)
        return ItemResult.ok([f"{item.id}/video.mp4", f"{item.id}/{INFO_NAME}"], frames=truth["n_frames"])
