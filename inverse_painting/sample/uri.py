"""``sample://`` URIs: sources that are generated, not downloaded. One grammar, two kinds:

- ``sample://landscape/<seed>?duration=60&fps=10``: the painting time-lapse of landscape
  ``seed`` (options: ``duration``, ``fps``, ``width``, ``crf``, ``intro``, ``outro``); fetch;
- ``sample://landscape-hard/<seed>?...``: the same painting filmed like a real time-lapse
  (:mod:`.hard`: a tilted canvas in a photographic studio, cuts between set-ups, close-ups, a
  shot without the canvas, a sleeved arm); one more option, ``photos=<folder>``: the studio
  from one of the pictures there; fetch;
- ``sample://stills?seeds=100-102&width=384`` (or ``?count=3&first=100``): finished still
  paintings of those seeds (``width`` in pixels, default 512); synth.

Seeds are written ``0,3,5``, ``100-102`` or a mix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import SplitResult, parse_qs, urlsplit

from .hard import HardSampleSpec
from .video import SampleSpec

SCHEME = "sample"
KINDS = {"landscape": "sample://landscape/<seed>?duration=60&fps=10 (a time-lapse)",
         "landscape-hard": "sample://landscape-hard/<seed>?duration=60&fps=10 (a time-lapse filmed like a real one)",
         "stills": "sample://stills?seeds=100-102&width=384 (finished paintings)"}
TIME_LAPSES = {"landscape": SampleSpec, "landscape-hard": HardSampleSpec}
_SPEC_FIELDS = {"duration": ("duration_s", float), "fps": ("fps", float), "width": ("canvas_width", int),
                "crf": ("crf", int), "intro": ("intro_s", float), "outro": ("outro_s", float)}
_STILLS_FIELDS = {"seeds": ("seeds", None), "count": ("count", int), "first": ("first", int), "width": ("width", int)}
STILL_WIDTH = 512  # default width of a still, pixels


@dataclass(frozen=True)
class SampleURI:
    """A sample time-lapse: ``sample://landscape/<seed>?...``."""

    kind: str  # landscape | landscape-hard
    spec: SampleSpec

    @property
    def item_id(self) -> str:
        return f"sample-{self.kind}-{self.spec.seed:04d}"

    @property
    def hard(self) -> bool:
        return isinstance(self.spec, HardSampleSpec)


@dataclass(frozen=True)
class StillsURI:
    """Finished sample paintings: ``sample://stills?seeds=...&width=...``."""

    seeds: tuple[int, ...]
    width: int = STILL_WIDTH

    @staticmethod
    def item_id(seed: int) -> str:
        return f"sample-still-{seed:04d}"

    @staticmethod
    def of(seed: int, width: int) -> str:
        """The URI of one still (its provenance)."""
        return f"{SCHEME}://stills?seeds={seed}&width={width}"


def is_sample_uri(text: str) -> bool:
    return str(text).startswith(f"{SCHEME}://")


def _split(text: str, kind: str, u: SplitResult | None = None) -> tuple[str, dict[str, str]]:
    """The path and options of a sample URI of ``kind`` (``u``: ``text`` already split); ValueError
    saying what is wrong."""
    u = u or urlsplit(text)
    if u.scheme != SCHEME:
        raise ValueError(f"{text!r}: not a {SCHEME}:// URI")
    if u.netloc not in KINDS:
        raise ValueError(f"{text!r}: unknown sample kind {u.netloc!r} (known: {', '.join(KINDS)})")
    if u.netloc != kind:
        raise ValueError(f"{text!r}: expected {KINDS[kind]}, not sample://{u.netloc}")
    return u.path.strip("/"), {k: v[-1] for k, v in parse_qs(u.query, strict_parsing=False).items()}


def _options(text: str, query: dict[str, str], fields: dict[str, tuple[str, Callable[[str], Any] | None]]
             ) -> dict[str, Any]:
    out = {}
    for key, value in query.items():
        if key not in fields:
            raise ValueError(f"{text!r}: unknown option {key!r} (known: {', '.join(fields)})")
        name, cast = fields[key]
        try:
            out[name] = cast(value) if cast else value
        except ValueError as exc:
            kind = {int: "a whole number", float: "a number"}.get(cast, cast.__name__)
            raise ValueError(f"{text!r}: option {key}={value!r} is not {kind}") from exc
    return out


def parse_sample_uri(text: str) -> SampleURI:
    """Parse ``sample://landscape/<seed>?...`` (or ``landscape-hard``); raise ValueError saying what is wrong."""
    u = urlsplit(text)  # once: a manifest may hold 100,000 of these
    kind = u.netloc if u.netloc in TIME_LAPSES else "landscape"
    seed_text, query = _split(text, kind, u)
    if not seed_text.isdigit():
        raise ValueError(f"{text!r}: expected sample://{kind}/<seed> with an integer seed")
    fields = {**_SPEC_FIELDS, "photos": ("photos", str)} if kind == "landscape-hard" else _SPEC_FIELDS
    return SampleURI(kind, TIME_LAPSES[kind](seed=int(seed_text), **_options(text, query, fields)))


def parse_stills_uri(text: str) -> StillsURI:
    """Parse ``sample://stills?seeds=...&width=...`` (or ``count``/``first``); ValueError when wrong."""
    path, query = _split(text, "stills")
    if path:
        raise ValueError(f"{text!r}: expected {KINDS['stills']}; seeds go in ?seeds=")
    options = _options(text, query, _STILLS_FIELDS)
    if "seeds" in options:
        try:
            seeds = parse_seeds(options["seeds"])
        except ValueError:
            raise ValueError(f"{text!r}: seeds={options['seeds']!r} is not like '0,3,5' or '100-102'") from None
    else:
        first = options.get("first", 100)
        seeds = list(range(first, first + options.get("count", 3)))
    return StillsURI(tuple(seeds), options.get("width", STILL_WIDTH))


def parse_seeds(text: str) -> list[int]:
    """Seeds from '0,3,5', '100-102' or a mix; ValueError on anything else."""
    seeds: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            seeds.extend(range(int(a), int(b) + 1))
        elif part:
            seeds.append(int(part))
    return seeds
