"""Remote sources through yt-dlp's Python API: expand playlists and channels, download videos.

:func:`expand_sources` turns every manifest source into executor items before the stage
runs: a playlist or channel becomes one item per entry (item id = the yt-dlp id,
sanitised), a URL that cannot be read becomes an item that records why, and an entry
listed twice becomes an item that records the duplicate. :func:`download_item` downloads
one entry: best stream up to ``max_height`` (mp4 preferred, merged with the static
ffmpeg from imageio-ffmpeg), retries with exponential backoff, an optional rate limit,
resumable ``.part`` files kept in ``<out>/.partial/<id>/`` between runs, a yt-dlp
download archive, and the yt-dlp info JSON kept next to the video.

``file://`` URLs and hosts on loopback, private or link-local networks are refused unless
``allow_local`` is set (tests serve videos from 127.0.0.1 with it on).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import shutil
import socket
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..pipeline.redact import redact_value
from ..pipeline import Item, ItemContext, ItemResult, NetworkUnavailable, atomic_dir, atomic_write_json
from .sources import Source, default_item_id, sanitize_id

log = logging.getLogger(__name__)
PARTIAL_DIR = ".partial"


class RefusedSource(ValueError):
    """A URL the downloader will not fetch (scheme or network), with the reason."""


class HostUnreachable(NetworkUnavailable):
    """A host that does not resolve or answer now: the item fails (a later run retries it)."""


@dataclass(frozen=True)
class DownloadOptions:
    max_height: int = 720
    prefer_mp4: bool = True
    archive: str | None = None  # yt-dlp download archive file
    retries: int = 3  # attempts per download (each also retried inside yt-dlp)
    backoff_s: float = 2.0  # first wait between attempts; doubles each time
    rate_limit: str | int | None = None  # bytes/s, or "2M"
    allow_local: bool = False
    socket_timeout: float = 30.0

    @classmethod
    def from_params(cls, params: dict[str, Any] | None) -> "DownloadOptions":
        params = params or {}
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in params.items() if k in known})


def check_url(url: str, allow_local: bool = False) -> None:
    """Raise :class:`RefusedSource` for file:// URLs and local-network hosts (unless allowed)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        if not allow_local:
            raise RefusedSource(f"{url}: file:// URLs are refused (set allow_local: true to read local files)")
        return
    if parsed.scheme not in ("http", "https"):
        raise RefusedSource(f"{url}: unsupported scheme {parsed.scheme!r}")
    host = parsed.hostname
    if not host:
        raise RefusedSource(f"{url}: no host")
    if allow_local:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, parsed.port or 443, proto=socket.IPPROTO_TCP)}
    except socket.gaierror as exc:
        raise HostUnreachable(f"{url}: host {host!r} does not resolve ({exc}; offline?)") from None
    for addr in addresses:
        ip = ipaddress.ip_address(addr.split("%")[0])
        if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_unspecified:
            raise RefusedSource(f"{url}: host {host} is on a local or private network ({ip}); "
                                "set allow_local: true to allow it")


def format_selector(max_height: int, prefer_mp4: bool) -> str:
    h = f"[height<={max_height}]"
    mp4 = f"bv*{h}[ext=mp4]+ba[ext=m4a]/b{h}[ext=mp4]/" if prefer_mp4 else ""
    return f"{mp4}bv*{h}+ba/b{h}/wv*+ba/w"


def ydl_params(options: DownloadOptions, out_dir: Path | None = None, archive: bool = True) -> dict[str, Any]:
    """yt-dlp parameters for these options (``out_dir``: where the download goes)."""
    import imageio_ffmpeg

    params: dict[str, Any] = {
        "format": format_selector(options.max_height, options.prefer_mp4),
        "format_sort": [f"res:{options.max_height}"] + (["ext:mp4:m4a"] if options.prefer_mp4 else []),
        "merge_output_format": "mp4" if options.prefer_mp4 else None,
        "ffmpeg_location": imageio_ffmpeg.get_ffmpeg_exe(),
        "restrictfilenames": True,
        "windowsfilenames": True,
        "writeinfojson": True,
        "continuedl": True,
        "retries": max(1, options.retries),
        "fragment_retries": max(1, options.retries),
        "retry_sleep_functions": {"http": lambda n: options.backoff_s * 2 ** n,
                                  "fragment": lambda n: options.backoff_s * 2 ** n},
        "socket_timeout": options.socket_timeout,
        "quiet": True, "no_warnings": True, "noprogress": True,
        "noplaylist": True,
        "logger": log,
    }
    if options.rate_limit:
        from yt_dlp.utils import parse_bytes

        params["ratelimit"] = parse_bytes(str(options.rate_limit)) if not isinstance(options.rate_limit, int) \
            else options.rate_limit
    if archive and options.archive:
        Path(options.archive).parent.mkdir(parents=True, exist_ok=True)
        params["download_archive"] = str(options.archive)
    if out_dir is not None:
        params["paths"] = {"home": str(out_dir), "temp": str(out_dir)}
        params["outtmpl"] = {"default": "video.%(ext)s", "infojson": "video"}
    return {k: v for k, v in params.items() if v is not None}


def _short_error(exc: Exception) -> str:
    text = str(exc).replace("ERROR: ", "").strip()
    return text.splitlines()[0][:500] if text else type(exc).__name__


def expand_sources(sources: list[Source], options: DownloadOptions | None = None) -> list[Item]:
    """Executor items for a manifest: remote playlists/channels expanded into their videos.

    Sample and local sources give one item each. A remote source that cannot be listed
    (refused, 404, not a video) gives one item carrying ``error``; an entry seen before
    gives an item carrying ``duplicate_of``. Both end as skipped ledger rows with the reason.
    """
    options = options or DownloadOptions()
    items: list[Item] = []
    seen: dict[str, str] = {}

    def add(item_id: str, payload: dict[str, Any]) -> None:
        if item_id in seen:
            n = 2
            while f"{item_id}.dup{n}" in seen:
                n += 1
            payload = {**payload, "duplicate_of": item_id}
            item_id = f"{item_id}.dup{n}"
        seen[item_id] = payload["url"]
        items.append(Item(item_id, payload))

    for source in sources:
        base = source.as_payload()
        if source.kind != "remote":
            add(default_item_id(source), base)
            continue
        try:
            entries = list_remote(source.url, options)
        except Exception as exc:  # noqa: BLE001 - the reason goes to the ledger, the stage goes on
            reason = _short_error(exc)
            add(source.id or default_item_id(source), {**base, "error": reason,
                                                        "error_permanent": isinstance(exc, RefusedSource)
                                                        or _permanent(reason)})
            continue
        for n, entry in enumerate(entries, 1):
            item_id = source.id if (source.id and len(entries) == 1) else sanitize_id(entry["id"])
            add(item_id, {**base, "url": entry["url"], "yt_id": entry["id"], "listed_from": source.url,
                          "playlist_index": n if len(entries) > 1 else None})
    return items


def list_remote(url: str, options: DownloadOptions) -> list[dict[str, str]]:
    """The videos behind a URL: itself, or a playlist's/channel's entries (id and URL each)."""
    import yt_dlp

    check_url(url, options.allow_local)
    params = ydl_params(options, archive=False)
    params.update(extract_flat="in_playlist", noplaylist=False, skip_download=True, writeinfojson=False)
    with yt_dlp.YoutubeDL(params) as ydl:
        info = ydl.extract_info(url, download=False)
    return list(_flatten(info, url))


def _flatten(info: dict[str, Any], url: str, entry: bool = False):
    if info.get("_type") in ("playlist", "multi_video"):
        for item in info.get("entries") or []:
            if item:
                yield from _flatten(item, url, entry=True)
        return
    vid = str(info.get("id") or sanitize_id(url))
    # A playlist entry's own URL (a video page, or the media file of an HTML5 <video> tag);
    # for a single video, its page (stream URLs expire).
    own = (info.get("url") or info.get("webpage_url")) if entry else (info.get("webpage_url") or info.get("url"))
    yield {"id": vid, "url": own or url}


def download_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Download one remote entry into ``<out>/<id>/`` (the fetch stage's remote branch)."""
    import yt_dlp

    payload = item.payload
    if payload.get("error"):
        reason = f"cannot read {payload.get('listed_from', payload['url'])}: {payload['error']}"
        if payload.get("error_permanent", True):
            return ItemResult.skipped(reason)
        raise NetworkUnavailable(reason + " (a later run retries it)")
    if payload.get("duplicate_of"):
        return ItemResult.skipped(f"duplicate of {payload['duplicate_of']} (the same video is listed twice)")
    options = DownloadOptions.from_params(ctx.params.get("download"))
    try:
        check_url(payload["url"], options.allow_local)
    except RefusedSource as exc:
        return ItemResult.skipped(str(exc))
    partial = ctx.out_dir / PARTIAL_DIR / item.id
    partial.mkdir(parents=True, exist_ok=True)
    dest = ctx.out_dir / item.id
    archive_on = bool(options.archive)
    info, videos, attempt = None, [], 0
    while attempt < max(1, options.retries):
        try:
            with yt_dlp.YoutubeDL(ydl_params(options, partial, archive=archive_on)) as ydl:
                info = ydl.extract_info(payload["url"], download=True)
        except yt_dlp.utils.DownloadError as exc:
            reason = _short_error(exc)
            if _permanent(reason):
                shutil.rmtree(partial, ignore_errors=True)
                return ItemResult.skipped(reason)
            attempt += 1
            if attempt >= max(1, options.retries):
                raise RuntimeError(f"download incomplete after {attempt} attempts: {reason}") from None
            time.sleep(options.backoff_s * 2 ** (attempt - 1))
            continue
        videos = [p for p in partial.glob("video.*") if p.stem == "video" and p.suffix not in (".json", ".part", ".ytdl")]
        if not videos and archive_on:
            archive_on = False  # the archive lists it, but its files are gone: download again
            continue
        break
    if info is None or not videos:
        raise RuntimeError("yt-dlp finished without a video file")
    from .fetch import INFO_NAME, _info

    video = videos[0]
    with atomic_dir(dest) as tmp:
        final = tmp / f"video{video.suffix.lower()}"
        shutil.move(str(video), final)
        info_json = partial / "video.info.json"
        if info_json.exists():
            raw_info = json.loads(info_json.read_text(encoding="utf-8"))
            atomic_write_json(tmp / "video.info.json", redact_value(raw_info))
        extra = {
            "title": info.get("title") or item.id, "uploader": info.get("uploader") or payload.get("painter", ""),
            "channel": info.get("channel"), "upload_date": info.get("upload_date"),
            "webpage_url": info.get("webpage_url") or payload["url"], "yt_id": info.get("id"),
            "extractor": info.get("extractor_key"), "listed_from": payload.get("listed_from"),
            "licence": payload.get("licence") or info.get("license") or "",
            "source_duration_s": info.get("duration"), "yt_dlp_info": "video.info.json",
        }
        atomic_write_json(tmp / INFO_NAME, _info(item, final, extra))
        size = final.stat().st_size
    shutil.rmtree(partial, ignore_errors=True)
    return ItemResult.ok([f"{item.id}/{final.name}", f"{item.id}/{INFO_NAME}"], bytes=size)


def _permanent(reason: str) -> bool:
    """Errors a retry cannot fix: missing pages, pages without a video, refused formats."""
    lowered = reason.lower()
    return any(s in lowered for s in ("404", "410", "unsupported url", "no video formats", "requested format is not",
                                      "is not a valid url", "private video", "video unavailable"))
