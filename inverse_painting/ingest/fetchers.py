"""The fetchers, by name: which one reads a URL is decided by its scheme (a path has none).

``local`` copies a video file, ``remote`` downloads through yt-dlp, ``sample`` generates a
sample time-lapse (the sample world registers it here like any other kind of source).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..registry import Backend, Registry
from .base import Fetcher

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


def _local() -> Fetcher:
    from .local import LocalFetcher

    return LocalFetcher()


def _remote() -> Fetcher:
    from .download import RemoteFetcher

    return RemoteFetcher()


def _sample() -> Fetcher:
    from ..sample.fetcher import SampleFetcher

    return SampleFetcher()


FETCHERS = Registry("fetcher", [
    Backend("local", _local, summary="a video file on this machine, copied"),
    Backend("remote", _remote, summary="http(s) URLs through yt-dlp (playlists and channels expand)"),
    Backend("sample", _sample, summary="sample://landscape/<seed>: a generated time-lapse with ground truth"),
])


@lru_cache(maxsize=None)
def fetcher(kind: str) -> Fetcher:
    """The fetcher named ``kind`` (built once per process)."""
    return FETCHERS.build(kind)


def url_scheme(url: str) -> str:
    """A URL's scheme, lower-case; "" for a path."""
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else ""


def fetcher_kind(url: str) -> str | None:
    """The name of the fetcher that reads ``url`` (None when none reads its scheme)."""
    scheme = url_scheme(url)
    return next((name for name in FETCHERS.names() if scheme in fetcher(name).schemes), None)


def known_schemes() -> list[str]:
    """What a manifest URL may be, in words."""
    return [f"{s}://" if s else "a path" for name in FETCHERS.names() for s in fetcher(name).schemes]
