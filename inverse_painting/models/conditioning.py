"""Cross-attention tokens shared by the renderer and the mask generator.

Two tokens per example, as in the paper: the time token (NeRF positional encoding of the
step duration dt, 21 numbers, through an MLP to the token width) and the instruction token
(a learned embedding of the label). Index 0 of the label embedding and a learned null time
token stand for "no condition", which classifier-free guidance needs.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def nerf_encoding(x: torch.Tensor, frequencies: int = 10) -> torch.Tensor:
    """NeRF positional encoding ``[x, sin(2^k pi x), cos(2^k pi x)]``: 1 + 2 * frequencies numbers."""
    x = x.float().unsqueeze(-1)
    scales = (2.0 ** torch.arange(frequencies, device=x.device, dtype=x.dtype)) * math.pi
    return torch.cat([x, torch.sin(x * scales), torch.cos(x * scales)], dim=-1)


class ConditionTokens(nn.Module):
    """(dt seconds, label index) -> (B, 2, width) tokens; dropped examples get the null tokens."""

    def __init__(self, n_labels: int, width: int, frequencies: int = 10, dt_scale: float = 60.0):
        super().__init__()
        self.frequencies = frequencies
        self.dt_scale = dt_scale
        self.time_mlp = nn.Sequential(nn.Linear(1 + 2 * frequencies, width), nn.SiLU(), nn.Linear(width, width))
        self.label_embedding = nn.Embedding(n_labels + 1, width)  # row 0: no instruction
        self.null_time = nn.Parameter(torch.zeros(width))

    def forward(self, dt: torch.Tensor, labels: torch.Tensor, drop: torch.Tensor | None = None) -> torch.Tensor:
        # dt is scaled so that typical steps (tens of seconds) fall where the encoding varies smoothly.
        time_token = self.time_mlp(nerf_encoding(dt / self.dt_scale, self.frequencies))
        if drop is not None:
            drop = drop.to(time_token.device)
            time_token = torch.where(drop[:, None], self.null_time.expand_as(time_token), time_token)
            labels = torch.where(drop, torch.zeros_like(labels), labels)
        return torch.stack([time_token, self.label_embedding(labels)], dim=1)
