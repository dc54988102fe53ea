"""What every fetcher shares: a manifest :class:`Source`, the :class:`Fetcher` interface, safe
item ids, and the :class:`~inverse_painting.records.RawInfo` (``info.json``) a fetched video gets.

A fetcher is one kind of source, named by the URL schemes it reads: ``local`` (a path),
``remote`` (http(s) and file URLs, through yt-dlp), ``sample`` (``sample://``, generated).
The ``fetch`` stage asks each source's fetcher for its items and hands every item back to
the same fetcher; nothing else knows what kinds there are (see :mod:`.fetchers`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..media.video import probe_video
from ..pipeline import Item, ItemContext, ItemResult
from ..pipeline.redact import redact_value
from ..records import RawInfo

_ID_OK = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Source:
    """One manifest entry: where a video comes from, and what a dataset card needs to know of it."""

    url: str
    id: str | None = None
    split: str = "auto"
    genre: str = ""
    medium: str = ""
    licence: str = ""
    painter: str = ""
    kind: str = ""  # the fetcher that reads it: local | remote | sample
    line: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_payload(self) -> dict[str, Any]:
        """The JSON-able view a stage item carries (and hashes for resume)."""
        return {"url": self.url, "id": self.id, "split": self.split, "genre": self.genre, "medium": self.medium,
                "licence": self.licence, "painter": self.painter, "kind": self.kind, "extra": self.extra}


class Fetcher(Protocol):
    """One kind of source: how a manifest names it, which items it gives, how one is fetched."""

    schemes: tuple[str, ...]  # URL schemes it reads ("" for a path on this machine)

    def source_url(self, url: str, base_dir: Path) -> str:
        """``url`` as items carry it (``base_dir``: the manifest's folder); ValueError says what is wrong."""
        ...

    def default_id(self, url: str) -> str:
        """The item id of a source whose manifest gave none."""
        ...

    def items(self, source: Source, item_id: str, config: Any) -> list[Item]:
        """The items of one source (a playlist gives several); ``config`` is the fetch config."""
        ...

    def fetch(self, item: Item, ctx: ItemContext) -> ItemResult:
        """Fetch one item into ``<ctx.out_dir>/<item.id>/``: the video and its ``info.json``."""
        ...


def sanitize_id(text: str, max_len: int = 80) -> str:
    """A file-name-safe id: no path separators, shell metacharacters or leading dots."""
    clean = _ID_OK.sub("_", text).strip("._-") or "item"
    return clean[:max_len]


def video_info(item: Item, video: Path, **extra: Any) -> RawInfo:
    """The ``info.json`` of a fetched video: the source's facts, the stream's, then ``extra``
    (what only this kind of source knows); credentials in URLs are redacted (it gets published)."""
    src = item.payload
    v = probe_video(video)
    info = {
        "id": item.id, "source_url": src["url"], "kind": src["kind"], "split_hint": src["split"],
        "genre": src["genre"], "medium": src["medium"], "licence": src["licence"], "painter": src["painter"],
        "title": item.id, "uploader": src["painter"], "video": video.name, "duration_s": round(v.duration_s, 3),
        "width": v.width, "height": v.height, "fps": v.fps, "codec": v.codec, "ground_truth": None,
    }
    info.update(extra)
    return RawInfo.from_dict(redact_value(info))
