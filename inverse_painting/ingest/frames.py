"""The ``frames`` stage: sample timestamped frames from every fetched video.

Writes ``<out>/<id>/frames/*.jpg`` and the :class:`~inverse_painting.records.FrameIndex`
(``frames.json``). Items name their video relative to the ``raw`` folder and carry its content
hash, so a copied checkout finds its items done and a re-fetched video is sampled again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..config import Execution
from ..media.images import write_image
from ..media.video import UnreadableVideo, sample_frames
from ..pipeline import Item, ItemContext, ItemResult, NoItems, atomic_dir
from ..pipeline.hashing import file_sha256
from ..pipeline.progress import item_progress
from ..records import INFO_NAME, FrameIndex, RawInfo, SampledFrameRow


@dataclass(frozen=True)
class FramesConfig(Execution):
    raw: str = "data/raw"  # the fetch outputs
    out: str = "data/frames"
    rate: float = 1.0  # frames kept per second of video
    backend: Literal["auto", "decord", "pyav"] = "auto"  # video reader; auto: decord where installed
    jpeg_quality: int = 95


def fetched_items(raw_dir: str | Path) -> list[Item]:
    """One item per fetched video under ``raw_dir`` (those with an info.json)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise NoItems(f"{raw_dir}: no such folder (expected the fetch outputs: <id>/info.json + video)")
    items = []
    for info_path in sorted(raw_dir.glob(f"*/{INFO_NAME}")):
        info = RawInfo.read(info_path.parent)
        video = info_path.parent / info.video
        items.append(Item(info_path.parent.name, {"video": f"{info_path.parent.name}/{info.video}",
                                                  "sha256": file_sha256(video)[:16], "source": info.provenance()}))
    if not items:
        raise NoItems(f"{raw_dir}: no fetched videos (expected <id>/info.json from `fetch`)")
    return items


def frames_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Executor function for the ``frames`` stage."""
    cfg: FramesConfig = ctx.config
    video = Path(cfg.raw) / item.payload["video"]
    rows: list[SampledFrameRow] = []
    with atomic_dir(ctx.out_dir / item.id) as tmp, item_progress(None, f"frames {item.id}", "frame") as bar:
        for k, frame in enumerate(sample_frames(video, cfg.rate, cfg.backend)):
            name = f"frames/{k:06d}.jpg"
            write_image(tmp / name, frame.image, quality=cfg.jpeg_quality)
            rows.append(SampledFrameRow(k, frame.index, round(frame.t, 6), name))
            bar.update(1)
        if not rows:
            raise UnreadableVideo(f"{video}: no frames could be decoded")
        h, w = frame.image.shape[:2]
        FrameIndex(item.id, cfg.rate, w, h, item.payload["source"], rows).write(tmp)
    return ItemResult.ok([f"{item.id}/frames.json"], frames=len(rows), duration_s=rows[-1].t)
