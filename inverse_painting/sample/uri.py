"""``sample://`` URIs: a source that is generated, not downloaded.

``sample://landscape/7?duration=60&fps=10`` is the time-lapse of landscape seed 7.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from .video import SampleSpec

SCHEME = "sample"
_SPEC_FIELDS = {"duration": ("duration_s", float), "fps": ("fps", float), "width": ("canvas_width", int),
                "crf": ("crf", int), "intro": ("intro_s", float), "outro": ("outro_s", float)}


@dataclass(frozen=True)
class SampleURI:
    kind: str
    spec: SampleSpec

    @property
    def item_id(self) -> str:
        return f"sample-{self.kind}-{self.spec.seed:04d}"


def is_sample_uri(text: str) -> bool:
    return str(text).startswith(f"{SCHEME}://")


def parse_sample_uri(text: str) -> SampleURI:
    """Parse a sample URI; raise ValueError saying what is wrong."""
    u = urlparse(text)
    if u.scheme != SCHEME:
        raise ValueError(f"{text!r}: not a {SCHEME}:// URI")
    if u.netloc != "landscape":
        raise ValueError(f"{text!r}: unknown sample kind {u.netloc!r} (known: landscape)")
    seed_text = u.path.strip("/")
    if not seed_text.isdigit():
        raise ValueError(f"{text!r}: expected sample://landscape/<seed> with an integer seed")
    kwargs = {}
    for key, values in parse_qs(u.query, strict_parsing=False).items():
        if key not in _SPEC_FIELDS:
            raise ValueError(f"{text!r}: unknown option {key!r} (known: {', '.join(_SPEC_FIELDS)})")
        name, cast = _SPEC_FIELDS[key]
        try:
            kwargs[name] = cast(values[-1])
        except ValueError as exc:
            raise ValueError(f"{text!r}: option {key}={values[-1]!r} is not a {cast.__name__}") from exc
    return SampleURI(u.netloc, SampleSpec(seed=int(seed_text), **kwargs))


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
