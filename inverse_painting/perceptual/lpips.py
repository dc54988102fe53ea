"""AlexNet-LPIPS (v0.1) in plain torch, loading the official weights unchanged.

The network is the one of Zhang et al., "The Unreasonable Effectiveness of Deep Features
as a Perceptual Metric" (the ``lpips`` package, ``net='alex'``, ``version='0.1'``), built
here without torchvision (which cannot be installed beside the CPU torch):

- ``backbone.features`` is torchvision's ``AlexNet.features`` layer for layer, so the
  ImageNet checkpoint ``alexnet-owt-7be5be79.pth`` (keys ``features.0.weight`` ...; the
  ``classifier.*`` keys are ignored) loads as is. The lpips package's own trunk keys
  (``net.slice1.0.weight`` ...) are accepted too.
- ``lin0`` .. ``lin4`` are the v0.1 linear heads with the keys of the package's
  ``weights/v0.1/alex.pth`` (``lin0.model.1.weight``: index 0 is the dropout layer).
- ``scaling_layer`` holds the same shift/scale constants, ``normalize_tensor`` the same
  channel normalisation, and ``spatial=True`` the same per-layer bilinear upsampling.

Inputs are NCHW in [-1, 1]. Random weights (``LPIPS.random``) exist for tests only; a
random network is not LPIPS and callers must say so (see :func:`weights_available`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..pipeline.errors import UserError
from .official import (BACKBONE_URL, COMBINED_FILE, DEFAULT_WEIGHTS, HEADS_URL, OFFICIAL_TENSORS_SHA256,
                       WEIGHTS_STAGE_SUBDIR)


CHANNELS = (64, 192, 384, 256, 256)
# Indices in AlexNet.features after which lpips taps a feature map (relu1 .. relu5).
TAP_AFTER = (1, 4, 7, 9, 11)
# File names looked for in a weights folder, best first.
BACKBONE_FILES = ("alexnet.safetensors", "alexnet.pth", "alexnet-owt-7be5be79.pth", "backbone.safetensors",
                  "backbone.pth")
HEADS_FILES = ("alex.safetensors", "alex.pth", "heads.safetensors", "heads.pth")
HOW_TO_FILL = "run `inverse-painting weights` or `dvc repro weights`, or point lpips_weights at a folder holding them"


class LpipsUnavailable(UserError, FileNotFoundError):
    """The official LPIPS weights are not where the configuration says."""


def normalize_tensor(feat: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """Unit-normalise each feature vector over channels (lpips.normalize_tensor)."""
    norm = torch.sqrt(torch.sum(feat ** 2, dim=1, keepdim=True))
    return feat / (norm + eps)


def _upsample(x: torch.Tensor, out_hw: tuple[int, int]) -> torch.Tensor:
    """Bilinear upsampling exactly as lpips does it (scale factors, align_corners=False)."""
    scale = (1.0 * out_hw[0] / x.shape[2], 1.0 * out_hw[1] / x.shape[3])
    y = F.interpolate(x, scale_factor=scale, mode="bilinear", align_corners=False)
    if tuple(y.shape[2:]) != tuple(out_hw):  # float rounding of the scale can lose a row
        y = F.interpolate(x, size=out_hw, mode="bilinear", align_corners=False)
    return y


class ScalingLayer(nn.Module):
    """Maps [-1, 1] inputs to the ImageNet statistics AlexNet was trained on (lpips v0.1)."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("shift", torch.tensor([-0.030, -0.088, -0.188])[None, :, None, None])
        self.register_buffer("scale", torch.tensor([0.458, 0.448, 0.450])[None, :, None, None])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.shift) / self.scale


class AlexNetFeatures(nn.Module):
    """torchvision's ``AlexNet.features`` (same indices, same parameter names)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        taps = []
        for i, layer in enumerate(self.features):
            # Not in place: a tapped ReLU output must survive the next layer.
            x = F.relu(x) if isinstance(layer, nn.ReLU) else layer(x)
            if i in TAP_AFTER:
                taps.append(x)
                if i == TAP_AFTER[-1]:
                    break
        return taps


class NetLinLayer(nn.Module):
    """A 1x1 convolution to one channel; ``model.0`` is dropout so keys read ``model.1.weight``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.model = nn.Sequential(nn.Dropout(), nn.Conv2d(channels, 1, 1, stride=1, padding=0, bias=False))


@dataclass(frozen=True)
class LPIPSWeights:
    """Where the two official checkpoints live (local files)."""

    backbone: Path
    heads: Path


def _read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    path = Path(path)
    if not path.is_file():
        raise LpipsUnavailable(f"LPIPS weights file not found: {path}")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    state = torch.load(str(path), map_location="cpu", weights_only=True)
    if isinstance(state, Mapping) and "state_dict" in state and isinstance(state["state_dict"], Mapping):
        state = state["state_dict"]
    return dict(state)


def _backbone_keys(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``features.*`` keys from a torchvision checkpoint or the lpips trunk (``net.sliceK.i.*``)."""
    out = {}
    for key, value in state.items():
        key = key.removeprefix("module.").removeprefix("backbone.")
        if key.startswith("features."):
            out[key] = value
        elif key.startswith("net.slice"):
            # lpips keeps torchvision's layer index: net.slice2.3.weight == features.3.weight
            _, _, index, name = key.split(".", 3)
            out[f"features.{index}.{name}"] = value
    return out


def _head_keys(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k.removeprefix("module."): v for k, v in state.items() if k.removeprefix("module.").startswith("lin")}


def resolve_weights(path_or_dir: str | os.PathLike) -> LPIPSWeights | Path:
    """The checkpoint files in a weights folder (or a combined file); raises LpipsUnavailable."""
    path = Path(path_or_dir).expanduser()
    if path.is_file():
        return path
    if not path.is_dir():
        raise LpipsUnavailable(f"LPIPS weights missing: no folder {path} ({HOW_TO_FILL})")
    for combined in (path / COMBINED_FILE, path / WEIGHTS_STAGE_SUBDIR / COMBINED_FILE):
        if combined.is_file():
            return combined
    backbone = next((path / n for n in BACKBONE_FILES if (path / n).is_file()), None)
    heads = next((path / n for n in HEADS_FILES if (path / n).is_file()), None)
    if backbone is None or heads is None:
        missing = [label for label, f in (("backbone (alexnet-owt-7be5be79.pth)", backbone),
                                          ("heads (alex.pth)", heads)) if f is None]
        raise LpipsUnavailable(f"LPIPS weights missing in {path}: no {WEIGHTS_STAGE_SUBDIR}/{COMBINED_FILE} and no "
                               f"{' and '.join(missing)} ({HOW_TO_FILL})")
    return LPIPSWeights(backbone, heads)


def weights_available(path_or_dir: str | os.PathLike | None) -> bool:
    """Whether LPIPS weights (official or not) are where ``path_or_dir`` says; nothing is downloaded."""
    if not path_or_dir:
        return False
    try:
        resolve_weights(path_or_dir)
    except LpipsUnavailable:
        return False
    return True


class LPIPS(nn.Module):
    """AlexNet-LPIPS v0.1. ``forward(a, b)`` -> N x 1 x 1 x 1 distances, as the lpips package."""

    def __init__(self) -> None:
        super().__init__()
        self.scaling_layer = ScalingLayer()
        self.backbone = AlexNetFeatures()
        self.lin0, self.lin1, self.lin2, self.lin3, self.lin4 = (NetLinLayer(c) for c in CHANNELS)
        self.pretrained = False  # True only when the loaded weights are the official ones (by hash)
        self.weights_sha256 = ""
        self.requires_grad_(False)
        self.eval()

    @property
    def lins(self) -> list[NetLinLayer]:
        return [self.lin0, self.lin1, self.lin2, self.lin3, self.lin4]

    # --- construction -------------------------------------------------------------------
    @classmethod
    def random(cls, seed: int = 0) -> "LPIPS":
        """Random weights for tests (deterministic per seed); not a perceptual metric.

        Heads are made non-negative like the trained ones, so distances are >= 0.
        """
        gen = torch.Generator().manual_seed(seed)
        model = cls()
        with torch.no_grad():
            for name, p in model.named_parameters():
                if name.endswith("bias"):
                    p.zero_()
                else:
                    fan_in = p[0].numel()
                    p.copy_(torch.randn(p.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
            for lin in model.lins:
                lin.model[1].weight.abs_()
        return model

    @classmethod
    def from_weights(cls, backbone_path: str | os.PathLike, heads_path: str | os.PathLike) -> "LPIPS":
        """Load the ImageNet AlexNet checkpoint and the lpips v0.1 ``alex.pth`` heads."""
        model = cls()
        model.backbone.load_state_dict(_backbone_keys(_read_state_dict(backbone_path)), strict=True)
        model._load_heads(_read_state_dict(heads_path))
        model._mark_loaded()
        return model

    @classmethod
    def from_pretrained(cls, path_or_dir: str | os.PathLike) -> "LPIPS":
        """Load from a folder holding both checkpoints (or a ``save_pretrained`` file/folder)."""
        found = resolve_weights(path_or_dir)
        if isinstance(found, LPIPSWeights):
            return cls.from_weights(found.backbone, found.heads)
        state = _read_state_dict(found)
        model = cls()
        model.backbone.load_state_dict(_backbone_keys(state), strict=True)
        model._load_heads(state)
        model._mark_loaded()
        return model

    @classmethod
    def from_urls(cls, cache_dir: str | os.PathLike | None = None) -> "LPIPS":
        """Download the two published checkpoints (needs network access) and load them."""
        from torch.hub import load_state_dict_from_url

        kwargs = {"model_dir": str(cache_dir)} if cache_dir else {}
        model = cls()
        model.backbone.load_state_dict(_backbone_keys(load_state_dict_from_url(BACKBONE_URL, **kwargs)))
        model._load_heads(load_state_dict_from_url(HEADS_URL, file_name="lpips_v0.1_alex.pth", **kwargs))
        model._mark_loaded()
        return model

    def _mark_loaded(self) -> None:
        """Hash the loaded tensors: only the official weights make this network LPIPS."""
        from ..pipeline.hashing import tensors_sha256

        state = {k: v.detach().cpu().numpy() for k, v in self.state_dict().items() if k.startswith(("backbone.", "lin"))}
        self.weights_sha256 = tensors_sha256(state)
        self.pretrained = self.weights_sha256 == OFFICIAL_TENSORS_SHA256

    def _load_heads(self, state: Mapping[str, torch.Tensor]) -> None:
        heads = _head_keys(state)
        expected = {f"lin{i}.model.1.weight" for i in range(5)}
        if set(heads) != expected:
            raise LpipsUnavailable(f"not LPIPS v0.1 alex heads: keys {sorted(heads)[:6]}")
        for i, lin in enumerate(self.lins):
            lin.model[1].weight.data.copy_(heads[f"lin{i}.model.1.weight"])

    def save_pretrained(self, out_dir: str | os.PathLike) -> Path:
        """Write one safetensors file with backbone and heads (``from_pretrained`` reads it)."""
        from safetensors.torch import save_file

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        state = {f"backbone.{k}": v for k, v in self.backbone.state_dict().items()}
        state.update({k: v for k, v in self.state_dict().items() if k.startswith("lin")})
        save_file({k: v.contiguous() for k, v in state.items()}, str(out / COMBINED_FILE))
        return out / COMBINED_FILE

    # --- distances ----------------------------------------------------------------------
    def forward(self, a: torch.Tensor, b: torch.Tensor, spatial: bool = False,
                normalize: bool = False) -> torch.Tensor:
        """LPIPS between NCHW images in [-1, 1] (``normalize=True``: inputs in [0, 1]).

        Returns N x 1 x 1 x 1, or N x 1 x H x W with ``spatial=True`` (per-layer maps
        upsampled to the input size and summed, as lpips ``spatial=True``).
        """
        if normalize:
            a, b = 2 * a - 1, 2 * b - 1
        return self.compare(self.features(a), self.features(b), tuple(a.shape[2:]), spatial)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The unit-normalised backbone taps of NCHW images in [-1, 1]: what ``compare`` takes."""
        return [normalize_tensor(f) for f in self.backbone(self.scaling_layer(x))]

    @torch.no_grad()
    def image_features(self, images: list[np.ndarray]) -> list[torch.Tensor]:
        """``features`` of same-size uint8 RGB images, on the model's device."""
        return self.features(images_to_tensor(images).to(next(self.parameters()).device))

    def compare(self, feats_a: list[torch.Tensor], feats_b: list[torch.Tensor], size: tuple[int, int],
                spatial: bool = False) -> torch.Tensor:
        """LPIPS from two images' ``features`` (``size``: the images' H, W, for spatial maps)."""
        total = None
        for lin, fa, fb in zip(self.lins, feats_a, feats_b):
            layer = lin.model((fa - fb) ** 2)
            layer = _upsample(layer, size) if spatial else layer.mean([2, 3], keepdim=True)
            total = layer if total is None else total + layer
        return total

    @torch.no_grad()
    def distance_images(self, a: np.ndarray | list[np.ndarray], b: np.ndarray | list[np.ndarray],
                        spatial: bool = False, batch_size: int = 8) -> np.ndarray:
        """LPIPS between uint8 RGB images (HxWx3 or lists of them, same sizes), batched.

        An image object that appears more than once among a batch's pairs (the target against
        every frame, a frame as one step's after and the next one's before) goes through the
        network once. Returns shape (N,) distances, or (N, H, W) maps with ``spatial=True``.
        """
        a_list = [a] if isinstance(a, np.ndarray) and a.ndim == 3 else list(a)
        b_list = [b] if isinstance(b, np.ndarray) and b.ndim == 3 else list(b)
        if len(a_list) != len(b_list):
            raise ValueError(f"{len(a_list)} images against {len(b_list)}")
        out = []
        for start in range(0, len(a_list), batch_size):
            pairs_a, pairs_b = a_list[start:start + batch_size], b_list[start:start + batch_size]
            slot: dict[int, int] = {}  # id(image) -> its row among the batch's distinct images
            images = []
            for img in pairs_a + pairs_b:
                if id(img) not in slot:
                    slot[id(img)] = len(images)
                    images.append(img)
            feats = self.image_features(images)
            rows_a = torch.tensor([slot[id(img)] for img in pairs_a], device=feats[0].device)
            rows_b = torch.tensor([slot[id(img)] for img in pairs_b], device=feats[0].device)
            d = self.compare([f[rows_a] for f in feats], [f[rows_b] for f in feats], images[0].shape[:2], spatial)
            out.append(d[:, 0].cpu().numpy() if spatial else d.flatten().cpu().numpy())
        return np.concatenate(out).astype(np.float32)


def images_to_tensor(images: list[np.ndarray] | np.ndarray) -> torch.Tensor:
    """uint8 RGB HxWx3 image(s) -> float NCHW in [-1, 1]."""
    arr = np.stack(images) if isinstance(images, list) else (images[None] if images.ndim == 3 else images)
    if arr.dtype != np.uint8 or arr.shape[-1] != 3:
        raise ValueError(f"expected uint8 RGB images, got {arr.dtype} {arr.shape}")
    return torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def load_lpips(weights: str | os.PathLike = DEFAULT_WEIGHTS) -> LPIPS:
    """The LPIPS network in ``weights`` (the weights stage's folder, one holding the official files,
    or a saved file); one load per process. Missing weights raise :class:`LpipsUnavailable`."""
    if not weights:
        raise LpipsUnavailable(f"no LPIPS weights configured: set lpips_weights (default {DEFAULT_WEIGHTS}; "
                               f"{HOW_TO_FILL})")
    return _cached_lpips(str(Path(weights).expanduser().resolve()))


@lru_cache(maxsize=2)
def _cached_lpips(path: str) -> LPIPS:
    return LPIPS.from_pretrained(path)
