"""MediaPipe's hand and person models (Apache-2.0), taken out of the ``mediapipe`` wheel.

``mediapipe==0.10.21`` is the last release whose wheel carries the ``.tflite`` files of the
legacy Hands and Selfie Segmentation solutions. The package itself is never installed (it
pins numpy<2 and opencv-contrib); its wheel is fetched by name for one fixed platform, so
every machine gets the same archive and the archive hash can be pinned, and three files
are read out of it. Routes: a local folder (``weights.mediapipe_dir``: the three files, or
an unpacked wheel), then the wheel from PyPI. Every file's SHA-256 must match its pin.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .hashing import WeightsError, bytes_sha256, check_sha256
from .sources import Fetchers, PipPackage, Route, RouteFailed, cached_package

LICENCE = "Apache-2.0 (google-ai-edge/mediapipe)"
MEDIAPIPE = PipPackage(
    "mediapipe", "0.10.21", "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
    pip_args=("--only-binary=:all:", "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
              "--implementation", "cp", "--abi", "cp311"))
# File name -> (path inside the wheel, pinned SHA-256 of the file).
MEDIAPIPE_FILES: dict[str, tuple[str, str]] = {
    "palm_detection_full.tflite": ("mediapipe/modules/palm_detection/palm_detection_full.tflite",
                                   "1b14e9422c6ad006cde6581a46c8b90dd573c07ab7f3934b5589e7cea3f89a54"),
    "hand_landmark_full.tflite": ("mediapipe/modules/hand_landmark/hand_landmark_full.tflite",
                                  "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3"),
    "selfie_segmentation.tflite": ("mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
                                   "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c"),
}


@dataclass(frozen=True)
class MediapipeFiles:
    """The model files' bytes by name, and where they came from."""

    files: dict[str, bytes]
    route: str                  # local | pip
    source: str
    downloaded_bytes: int = 0

    def sha256(self) -> dict[str, str]:
        return {name: bytes_sha256(data) for name, data in self.files.items()}


# What a route is asked for: file name -> (path inside the wheel, pinned SHA-256).
Wanted = Mapping[str, tuple[str, str]]


def _verified(files: dict[str, bytes], labels: Mapping[str, str], wanted: Wanted) -> dict[str, bytes]:
    for name, data in files.items():
        check_sha256(labels[name], bytes_sha256(data), wanted[name][1])
    return files


def from_folder(folder: Path, wanted: Wanted) -> MediapipeFiles:
    """Route (a): each file by name anywhere below ``folder``."""
    if not folder.is_dir():
        raise RouteFailed(f"{folder} is not a folder")
    found = {name: next(iter(sorted(folder.rglob(name))), None) for name in wanted}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise RouteFailed(f"{folder} lacks {', '.join(missing)}")
    files = {name: path.read_bytes() for name, path in found.items()}
    _verified(files, {name: str(path) for name, path in found.items()}, wanted)
    return MediapipeFiles(files, "local", f"local folder {folder}")


def from_wheel(wheel: Path, wanted: Wanted, package: PipPackage, downloaded_bytes: int) -> MediapipeFiles:
    """Route (b): the files read out of the verified wheel (nothing else is unpacked)."""
    files = {}
    with zipfile.ZipFile(wheel) as archive:
        for name, (member, _) in wanted.items():
            try:
                files[name] = archive.read(member)
            except KeyError:
                raise WeightsError(f"{wheel.name} has no {member}") from None
    _verified(files, {name: f"{wheel.name}:{wanted[name][0]}" for name in files}, wanted)
    return MediapipeFiles(files, "pip", f"pip {package.requirement} ({wheel.name})", downloaded_bytes)


def mediapipe_routes(folder: Path | None, cache: Path, fetchers: Fetchers, timeout_s: float,
                     wanted: Wanted = MEDIAPIPE_FILES, package: PipPackage = MEDIAPIPE) -> list[Route[MediapipeFiles]]:
    """The two routes in the order they are tried."""
    def local(network: bool) -> MediapipeFiles:
        if folder is None:
            raise RouteFailed("weights.mediapipe_dir not set")
        return from_folder(folder, wanted)

    def pip(network: bool) -> MediapipeFiles:
        wheel, downloaded = cached_package(package, cache / "pip", fetchers.pip_download, network, timeout_s)
        return from_wheel(wheel, wanted, package, downloaded)

    return [Route("local folder", local, uses_network=False), Route(f"pip {package.requirement}", pip)]
