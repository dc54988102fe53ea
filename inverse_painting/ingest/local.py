"""The ``local`` fetcher: a video file on this machine, checked to be readable and copied.

Items name the file relative to the current folder when it lies inside it (a copied checkout
names it alike) and carry a hash of its content, so a file replaced under the same name is
fetched again and a moved one is not.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ..media.video import probe_video
from ..pipeline import Item, ItemContext, ItemResult, atomic_dir
from ..pipeline.hashing import file_sha256
from ..pipeline.provenance import local_source
from ..records import INFO_NAME
from .base import Source, sanitize_id, video_info


def portable_path(path: Path) -> str:
    """``path`` relative to the current folder when it lies inside it, else as it is."""
    here = Path.cwd().resolve()
    for candidate in (Path(os.path.abspath(path)), path.resolve()):
        if candidate.is_relative_to(here):
            return candidate.relative_to(here).as_posix()
    return str(path)


class LocalFetcher:
    schemes = ("",)

    def source_url(self, url: str, base_dir: Path) -> str:
        path = Path(url).expanduser()
        return portable_path(path if path.is_absolute() else (base_dir / path).resolve())

    def default_id(self, url: str) -> str:
        return sanitize_id(Path(url).stem)

    def items(self, source: Source, item_id: str, config: Any) -> list[Item]:
        path = Path(source.url)
        digest = file_sha256(path)[:16] if path.is_file() else None  # a missing file fails when fetched
        return [Item(item_id, {**source.as_payload(), "sha256": digest})]

    def fetch(self, item: Item, ctx: ItemContext) -> ItemResult:
        src = Path(item.payload["url"])
        probe_video(src)  # raises UnreadableVideo with the reason
        with atomic_dir(ctx.out_dir / item.id) as tmp:
            video = tmp / f"video{src.suffix.lower() or '.mp4'}"
            shutil.copy2(src, video)
            video_info(item, video, title=src.stem, source_url=local_source(src)).write(tmp)
        return ItemResult.ok([f"{item.id}/{video.name}", f"{item.id}/{INFO_NAME}"])
