"""The ``frames`` stage: sample timestamped frames from every fetched video.

Writes ``<out>/<id>/frames/*.jpg`` and the :class:`~inverse_painting.records.FrameIndex`
(``frames.json``); with ``companions_s`` > 0 also each sample's two companions
(``<k>-before.jpg``, ``<k>-after.jpg``: the decoded frames that moment before and after it,
from the same sequential decode), which clean's ``motion`` signal compares the sample with.
Items name their video relative to the ``raw`` folder and carry its content hash, so a
copied checkout finds its items done and a re-fetched video is sampled again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..config import Execution
from ..media.images import write_image
from ..media.prefetch import prefetch
from ..media.video import SampledFrame, UnreadableVideo, sample_frames
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
    companions_s: float = 0.2  # keep the decoded frames this long before and after each sample (0: none)


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
        # The decoder runs ahead in a thread while this one encodes JPEGs (both release the GIL).
        samples = prefetch(sample_frames(video, cfg.rate, cfg.backend, companions_s=cfg.companions_s))
        for k, frame in enumerate(samples):
            rows.append(_write_sample(tmp, k, frame, cfg.jpeg_quality))
            bar.update(1)
        if not rows:
            raise UnreadableVideo(f"{video}: no frames could be decoded")
        h, w = frame.image.shape[:2]
        FrameIndex(item.id, cfg.rate, w, h, item.payload["source"], rows, cfg.companions_s).write(tmp)
    return ItemResult.ok([f"{item.id}/frames.json"], frames=len(rows), duration_s=rows[-1].t)


def _write_sample(folder: Path, k: int, frame: SampledFrame, quality: int) -> SampledFrameRow:
    """One sample's JPEG (and its companions'); its row of frames.json."""
    names = {}
    for part, image in (("", frame.image), ("-before", frame.before), ("-after", frame.after)):
        if image is not None:
            names[part] = f"frames/{k:06d}{part}.jpg"
            write_image(folder / names[part], image, quality=quality)
    return SampledFrameRow(k, frame.index, round(frame.t, 6), names[""], names.get("-before"), names.get("-after"))
