"""The sources manifest: what to ingest, with the facts a dataset card needs.

A manifest is YAML (a ``sources:`` list of mappings) or CSV (one row per source, a
header naming the fields). Each source has a ``url`` (http(s) URL, local path or
``sample://`` URI) and optionally ``id``, ``split`` (train / validation / test / auto),
``genre``, ``medium``, ``licence``, ``painter``, ``kind`` (what the URL is, e.g. ``playlist``:
informative) and ``channel_ids``. Any other field is an error with a "did you mean" (a typo
such as ``splt`` would otherwise be lost). Errors name the file, line and field.

Item ids: the manifest's ``id``, else the sample seed, the video id yt-dlp reports, or a local
file's name without suffix; local files that share a name (``a/video.mp4``, ``b/video.mp4``)
get their folder's name in front (``a-video``, ``b-video``), and a short content hash when
even that is shared.
"""

from __future__ import annotations

import csv
import difflib
import os
from pathlib import Path
from typing import Any

import yaml

from ..pipeline.errors import UserError
from ..pipeline.hashing import file_sha256
from .base import Source, sanitize_id
from .fetchers import fetcher, fetcher_kind, known_schemes

__all__ = ["KNOWN_FIELDS", "SPLITS", "ManifestError", "Source", "classify_url", "default_item_id", "load_manifest",
           "sanitize_id"]

SPLITS = ("train", "validation", "test", "auto")
KNOWN_FIELDS = ("url", "path", "id", "split", "genre", "medium", "licence", "license", "painter", "kind",
                "channel_ids")
_LINE = "__line__"


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loader (libyaml when present: 100,000 sources load in seconds) that
    records each mapping's line so errors can point at it."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[_LINE] = node.start_mark.line + 1
        return mapping


class ManifestError(UserError, ValueError):
    """A manifest problem, with file, line and field in the message."""

    exit_code = 2  # a bad input file, like a bad option

    def __init__(self, path: str, line: int | None, field_name: str | None, message: str):
        where = f"{path}" + (f":{line}" if line else "") + (f" field '{field_name}'" if field_name else "")
        super().__init__(f"{where}: {message}")
        self.path, self.line, self.field = path, line, field_name


def classify_url(url: str) -> str:
    """The kind of source a URL is (the fetcher that reads it); an unknown scheme is ``remote``,
    which refuses it with the reason."""
    return fetcher_kind(url) or "remote"


def _check_fields(raw: dict[str, Any], path: str, line: int) -> None:
    for key in raw:
        name = str(key).strip().lower()
        if key == _LINE or name in KNOWN_FIELDS:
            continue
        close = difflib.get_close_matches(name, KNOWN_FIELDS, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ManifestError(path, line, str(key), f"unknown field; {hint}known fields: {', '.join(KNOWN_FIELDS)}")


def _build_source(raw: dict[str, Any], path: str, line: int, base_dir: Path) -> Source:
    _check_fields(raw, path, line)
    data = {str(k).strip().lower(): v for k, v in raw.items()
            if k != _LINE and v is not None and str(v).strip() != ""}
    url = data.pop("url", None) or data.pop("path", None)
    if not url:
        raise ManifestError(path, line, "url", "missing: every source needs a url, local path or sample:// URI")
    url = str(url).strip()
    kind = fetcher_kind(url)
    if kind is None:
        raise ManifestError(path, line, "url", f"unsupported scheme in {url!r} (use {', '.join(known_schemes())})")
    try:
        url = fetcher(kind).source_url(url, base_dir)
    except ValueError as exc:
        raise ManifestError(path, line, "url", str(exc)) from None
    split = str(data.pop("split", "auto")).strip().lower()
    if split not in SPLITS:
        raise ManifestError(path, line, "split", f"{split!r} is not one of {', '.join(SPLITS)}")
    sid = data.pop("id", None)
    if sid is not None:
        sid = str(sid)
        if sanitize_id(sid) != sid:
            raise ManifestError(path, line, "id", f"{sid!r} has characters not allowed in ids (use A-Z a-z 0-9 . _ -)")
    licence = data.pop("licence", None) or data.pop("license", "")
    declared_kind = data.pop("kind", None)
    src = Source(url=url, id=sid, split=split, genre=str(data.pop("genre", "")), medium=str(data.pop("medium", "")),
                 licence=str(licence), painter=str(data.pop("painter", "")), kind=kind, line=line, extra=data)
    if declared_kind:
        src.extra["declared_kind"] = str(declared_kind)
    src.extra = _without_lines(src.extra)
    return src


def _without_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_lines(v) for k, v in value.items() if k != _LINE}
    if isinstance(value, list):
        return [_without_lines(v) for v in value]
    return value


def load_manifest(path: str | os.PathLike) -> list[Source]:
    """Load and validate a YAML or CSV manifest; raise :class:`ManifestError` on the first problem."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise ManifestError(name, None, None, "file not found")
    base = path.parent.resolve()
    if path.suffix.lower() == ".csv":
        sources = []
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not ({"url", "path"} & {f.strip().lower() for f in reader.fieldnames}):
                raise ManifestError(name, 1, "url", "CSV header must name a 'url' (or 'path') column")
            for row in reader:
                sources.append(_build_source(row, name, reader.line_num, base))
        return _check_ids(sources, name)
    try:
        root = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ManifestError(name, mark.line + 1 if mark else None, None, f"invalid YAML: {exc}") from None
    if root is None:
        return []
    entries = root
    if isinstance(root, dict):
        if "sources" not in root:
            raise ManifestError(name, root.get(_LINE), "sources", "expected a top-level 'sources:' list")
        entries = root["sources"]
    if not isinstance(entries, list):
        raise ManifestError(name, getattr(root, "get", lambda *_: None)(_LINE), "sources", "expected a list of sources")
    sources = []
    for pos, value in enumerate(entries, 1):
        if isinstance(value, str):
            value = {"url": value}
        if not isinstance(value, dict):
            raise ManifestError(name, None, None, f"source #{pos} must be a mapping with a 'url' or a plain URL string")
        line = value.pop(_LINE, None) or 0
        sources.append(_build_source(value, name, line, base))
    return _check_ids(sources, name)


def _check_ids(sources: list[Source], name: str) -> list[Source]:
    seen: dict[str, int] = {}
    for s in sources:
        if s.id:
            if s.id in seen:
                raise ManifestError(name, s.line, "id", f"duplicate id {s.id!r} (first on line {seen[s.id]})")
            seen[s.id] = s.line
    _name_local_files(sources, set(seen))
    return sources


def _name_local_files(sources: list[Source], taken: set[str]) -> None:
    """Give local files that would share an id (same file name) their folder's name, then a
    content hash, in front (see the module docstring)."""
    local = [s for s in sources if s.kind == "local" and not s.id]
    stems: dict[str, list[Source]] = {}
    for s in local:
        stems.setdefault(sanitize_id(Path(s.url).stem), []).append(s)
    for stem, group in stems.items():
        if len(group) == 1 and stem not in taken:
            continue
        for s in group:
            candidate = _folder_and_stem(s.url)
            if candidate in taken or sum(_folder_and_stem(o.url) == candidate for o in group) > 1:
                candidate = sanitize_id(f"{candidate}-{file_sha256(s.url)[:8]}") \
                    if Path(s.url).is_file() else sanitize_id(f"{candidate}-{s.line}")
            s.id = candidate
            taken.add(candidate)


def _folder_and_stem(url: str) -> str:
    path = Path(os.path.abspath(url))  # a path relative to the current folder names its folder too
    return sanitize_id(f"{path.parent.name}-{path.stem}")


def default_item_id(source: Source) -> str:
    """The item id of a source: the manifest's, else its fetcher's (remote ids come from yt-dlp)."""
    return source.id or fetcher(source.kind).default_id(source.url)
