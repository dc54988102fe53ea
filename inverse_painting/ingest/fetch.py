"""Fetch one source into ``<out>/<id>/``: ``video.<ext>`` plus ``info.json``.

Sample sources are generated (with their ground truth); local files are checked to be
readable videos and copied; remote URLs go through yt-dlp (:mod:`.download`).
Each item's folder appears whole or not at all (built in a temp folder, then renamed).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..media.video import probe_video
from ..pipeline import Item, ItemContext, ItemResult, atomic_dir, atomic_write_json
from ..pipeline.provenance import local_source
from ..pipeline.redact import redact_value
from ..sample.uri import parse_sample_uri
from ..sample.video import generate_sample_video
from .sources import Source, default_item_id

INFO_NAME = "info.json"


def source_items(sources: list[Source]) -> list[Item]:
    """One executor item per source (playlists are expanded before this, by the downloader)."""
    return [Item(default_item_id(s), s.as_payload()) for s in sources]


def _info(item: Item, video: Path, extra: dict[str, Any]) -> dict[str, Any]:
    src = item.payload
    v = probe_video(video)
    info = {
        "id": item.id, "source_url": src["url"], "kind": src["kind"], "split_hint": src["split"],
        "genre": src["genre"], "medium": src["medium"], "licence": src["licence"], "painter": src["painter"],
        "title": item.id, "uploader": src["painter"], "video": video.name, "duration_s": round(v.duration_s, 3),
        "width": v.width, "height": v.height, "fps": v.fps, "codec": v.codec, "ground_truth": None,
    }
    info.update(extra)
    return redact_value(info)  # no credentials from URLs in files that get published


def fetch_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function for the ``fetch`` stage."""
    kind = item.payload["kind"]
    dest = ctx.out_dir / item.id
    if kind == "sample":
        sample = parse_sample_uri(item.payload["url"])
        with atomic_dir(dest) as tmp:
            gt = generate_sample_video(tmp, sample.spec)
            info = _info(item, tmp / "video.mp4", {
                "title": f"Sample landscape {sample.spec.seed}", "uploader": "inverse-painting sample world",
                "licence": item.payload["licence"] or "CC0-1.0", "ground_truth": "ground_truth.json"})
            atomic_write_json(tmp / INFO_NAME, info)
        return ItemResult.ok([f"{item.id}/video.mp4", f"{item.id}/{INFO_NAME}"], frames=gt["n_frames"])
    if kind == "local":
        src = Path(item.payload["url"])
        probe_video(src)  # raises UnreadableVideo with the reason
        with atomic_dir(dest) as tmp:
            video = tmp / f"video{src.suffix.lower() or '.mp4'}"
            shutil.copy2(src, video)
            atomic_write_json(tmp / INFO_NAME, _info(item, video, {"title": src.stem,
                                                                    "source_url": local_source(src)}))
        return ItemResult.ok([f"{item.id}/{video.name}", f"{item.id}/{INFO_NAME}"])
    if kind == "remote":
        from .download import download_item  # yt-dlp; imported lazily

        return download_item(item, ctx)
    return ItemResult.skipped(f"unknown source kind {kind!r}")
