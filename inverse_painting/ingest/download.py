"""The ``remote`` fetcher: URLs through yt-dlp's Python API (playlists and channels expand).

:meth:`RemoteFetcher.items` lists a source before the stage runs: a playlist or channel
becomes one item per entry (item id = the yt-dlp id, sanitised), and a URL that cannot be
read becomes an item that records why. :meth:`RemoteFetcher.fetch` downloads one entry: best
stream up to ``max_height`` (mp4 preferred, merged with the static ffmpeg from
imageio-ffmpeg), retries with exponential backoff, an optional rate limit, resumable
``.part`` files kept in ``<out>/.partial/<id>/`` between runs, a yt-dlp download archive, and
the yt-dlp info JSON kept next to the video.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..pipeline import Item, ItemContext, ItemResult, NetworkUnavailable, atomic_dir, atomic_write_json
from ..pipeline.redact import redact_value
from ..records import INFO_NAME
from .base import Source, sanitize_id, video_info

log = logging.getLogger(__name__)
PARTIAL_DIR = ".partial"
# Errors a retry cannot fix, by what yt-dlp says: missing pages, pages without a video, refused formats.
PERMANENT = (("404", "not_found"), ("410", "not_found"), ("unsupported url", "no_video"),
             ("no video formats", "no_video"), ("requested format is not", "no_format"),
             ("is not a valid url", "bad_url"), ("private video", "unavailable"), ("video unavailable", "unavailable"))


class RefusedSource(ValueError):
    """A URL the downloader will not fetch (scheme or network), with the reason."""


class HostUnreachable(NetworkUnavailable):
    """A host that does not resolve or answer now: the item fails (a later run retries it)."""


@dataclass(frozen=True)
class DownloadConfig:
    """How remote URLs are downloaded (``fetch.download``)."""

    max_height: int = 720
    prefer_mp4: bool = True
    archive: str | None = "data/raw/.download-archive.txt"  # yt-dlp download archive; None: none
    retries: int = 3  # attempts per download (each also retried inside yt-dlp)
    backoff_s: float = 2.0  # first wait between attempts; doubles each time
    rate_limit: str | None = None  # bytes/s, e.g. "2M"
    allow_local: bool = False  # read file:// URLs and local-network hosts
    socket_timeout: float = 30.0


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


def ydl_params(options: DownloadConfig, out_dir: Path | None = None, archive: bool = True) -> dict[str, Any]:
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

        params["ratelimit"] = parse_bytes(str(options.rate_limit))
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


def permanent_code(reason: str) -> str | None:
    """The reason code of an error a retry cannot fix (None: a retry may succeed)."""
    lowered = reason.lower()
    return next((code for words, code in PERMANENT if words in lowered), None)


def list_remote(url: str, options: DownloadConfig) -> list[dict[str, str]]:
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


class RemoteFetcher:
    schemes = ("http", "https", "file")

    def source_url(self, url: str, base_dir: Path) -> str:
        return url

    def default_id(self, url: str) -> str:
        return sanitize_id(url.split("://", 1)[-1])

    def items(self, source: Source, item_id: str, config: Any) -> list[Item]:
        """The source's videos; a source that cannot be listed (refused, 404, not a video) gives
        one item carrying ``error`` (ledger: skipped with its code, or failed when a retry may help)."""
        base = source.as_payload()
        try:
            entries = list_remote(source.url, config.download)
        except Exception as exc:  # noqa: BLE001 - the reason goes to the ledger, the stage goes on
            reason = _short_error(exc)
            code = "refused_url" if isinstance(exc, RefusedSource) else permanent_code(reason)
            return [Item(item_id, {**base, "error": reason, "error_code": code})]
        return [Item(source.id if (source.id and len(entries) == 1) else sanitize_id(entry["id"]),
                     {**base, "url": entry["url"], "yt_id": entry["id"], "listed_from": source.url,
                      "playlist_index": n if len(entries) > 1 else None})
                for n, entry in enumerate(entries, 1)]

    def fetch(self, item: Item, ctx: ItemContext) -> ItemResult:
        return download_item(item, ctx)


def download_item(item: Item, ctx: ItemContext) -> ItemResult:
    """Download one remote entry into ``<out>/<id>/``."""
    payload = item.payload
    options: DownloadConfig = ctx.config.download
    if "error" in payload:
        reason = f"cannot read {payload['url']}: {payload['error']}"
        if payload["error_code"]:
            return ItemResult.skipped(payload["error_code"], reason)
        raise NetworkUnavailable(reason + " (a later run retries it)")
    try:
        check_url(payload["url"], options.allow_local)
    except RefusedSource as exc:
        return ItemResult.skipped("refused_url", str(exc))
    partial = ctx.out_dir / PARTIAL_DIR / item.id
    partial.mkdir(parents=True, exist_ok=True)
    got = _download(payload["url"], partial, options)
    if isinstance(got, ItemResult):
        return got
    info, video = got
    return _store(item, info, video, partial, ctx.out_dir / item.id)


def _download(url: str, partial: Path, options: DownloadConfig) -> tuple[dict[str, Any], Path] | ItemResult:
    """yt-dlp's info and the downloaded file, retried with backoff; a skip when no retry can help."""
    import yt_dlp

    archive_on = bool(options.archive)
    attempt, attempts = 0, max(1, options.retries)
    while True:
        try:
            with yt_dlp.YoutubeDL(ydl_params(options, partial, archive=archive_on)) as ydl:
                info = ydl.extract_info(url, download=True)
        except yt_dlp.utils.DownloadError as exc:
            reason = _short_error(exc)
            code = permanent_code(reason)
            if code:
                shutil.rmtree(partial, ignore_errors=True)
                return ItemResult.skipped(code, reason)
            attempt += 1
            if attempt >= attempts:
                raise RuntimeError(f"download incomplete after {attempt} attempts: {reason}") from None
            time.sleep(options.backoff_s * 2 ** (attempt - 1))
            continue
        videos = [p for p in partial.glob("video.*") if p.stem == "video" and p.suffix not in (".json", ".part", ".ytdl")]
        if videos:
            return info, videos[0]
        if not archive_on:
            raise RuntimeError("yt-dlp finished without a video file")
        archive_on = False  # the archive lists it, but its files are gone: download again


def _store(item: Item, info: dict[str, Any], video: Path, partial: Path, dest: Path) -> ItemResult:
    """Move the download into ``dest`` whole, with yt-dlp's info JSON and our ``info.json``."""
    payload = item.payload
    with atomic_dir(dest) as tmp:
        final = tmp / f"video{video.suffix.lower()}"
        shutil.move(str(video), final)
        info_json = partial / "video.info.json"
        if info_json.exists():
            atomic_write_json(tmp / "video.info.json", redact_value(json.loads(info_json.read_text(encoding="utf-8"))))
        video_info(item, final, title=info.get("title") or item.id,
                   uploader=info.get("uploader") or payload["painter"], channel=info.get("channel"),
                   upload_date=info.get("upload_date"), webpage_url=info.get("webpage_url") or payload["url"],
                   yt_id=info.get("id"), extractor=info.get("extractor_key"), listed_from=payload.get("listed_from"),
                   licence=payload["licence"] or info.get("license") or "", source_duration_s=info.get("duration"),
                   yt_dlp_info="video.info.json").write(tmp)
        size = final.stat().st_size
    shutil.rmtree(partial, ignore_errors=True)
    return ItemResult.ok([f"{item.id}/{final.name}", f"{item.id}/{INFO_NAME}"], bytes=size)
