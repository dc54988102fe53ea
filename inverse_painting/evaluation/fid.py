"""FID with the standard Inception features, or an honest "unavailable".

The standard features come from the TF-Inception-v3 of the FID paper; its PyTorch port is
published as the TorchScript file ``inception-2015-12-05.pt`` (NVlabs, used by StyleGAN and
clean-fid). Give its path as ``fid_inception``; without it FID is reported as unavailable,
never computed from random or other weights.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class FidConfig:
    """FID's own settings: the standard Inception (none: FID is reported unavailable) and its batch."""

    inception: str = ""  # TorchScript inception-2015-12-05.pt
    batch_size: int = 16


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to feature sets a (n, d) and b (m, d)."""
    from scipy import linalg

    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():
        eps = np.eye(len(s1)) * 1e-6
        covmean = linalg.sqrtm((s1 + eps) @ (s2 + eps))
    covmean = covmean.real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def inception_features(model, images: Sequence[np.ndarray], batch_size: int = 16) -> np.ndarray:
    """2048-d pool features of the TorchScript FID Inception (uint8 RGB in, any size)."""
    import torch

    feats = []
    for i in range(0, len(images), batch_size):
        x = torch.from_numpy(np.stack(images[i:i + batch_size])).permute(0, 3, 1, 2).float()
        with torch.no_grad():
            feats.append(model(x, return_features=True).cpu().numpy())
    return np.concatenate(feats).astype(np.float64)


class FidScorer:
    """FID between a painting's real and generated keyframes, the Inception loaded once.

    The evaluation scores FID per painting and averages over paintings (the paper's
    protocol), so a method with more frames does not weigh more."""

    def __init__(self, config: FidConfig = FidConfig()):
        self.config = config
        self._model = None

    @property
    def unavailable_reason(self) -> str | None:
        path = self.config.inception
        if not path or not Path(path).is_file():
            return f"{UNAVAILABLE}: no standard FID Inception weights (set fid_inception to inception-2015-12-05.pt)"
        return None

    def __call__(self, real: Sequence[np.ndarray], generated: Sequence[np.ndarray]) -> float | str:
        """FID between two image sets, or a string saying why it is unavailable."""
        reason = self.unavailable_reason
        if reason:
            return reason
        if min(len(real), len(generated)) < 2:
            return f"{UNAVAILABLE}: needs at least 2 images per set"
        if self._model is None:
            import torch

            self._model = torch.jit.load(str(self.config.inception), map_location="cpu").eval()
        batch = self.config.batch_size
        return frechet_distance(inception_features(self._model, list(real), batch),
                                inception_features(self._model, list(generated), batch))


def fid_status(real: Sequence[np.ndarray], generated: Sequence[np.ndarray],
               inception_path: str | os.PathLike | None) -> float | str:
    """FID between two image sets, or a string saying why it is unavailable."""
    return FidScorer(FidConfig(inception=str(inception_path or "")))(real, generated)
