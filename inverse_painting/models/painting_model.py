"""``PaintingModel``: the renderer, the mask generator and the instruction head, saved as one.

- Renderer: a conditional diffusion UNet whose input concatenates the noisy next frame, the
  current canvas, the target painting and the step's mask (pixel space by default; latent
  space of a pretrained VAE when ``vae`` names one). It is residual (``residual``, with
  ``prediction_type="sample"``): its estimate of the next keyframe is "current outside the
  mask, target inside" plus what the UNet adds, and the UNet's output layer starts at zero.
  What it learns is how a step differs from a copy of the target -- the in-progress look
  (blocked-in colour, underpainting) -- which a few hundred CPU steps can learn, where
  learning to reproduce the target from noise cannot.
- Mask generator: a UNet at its own ``mask_resolution`` over [target, current, outstanding],
  where outstanding is the LPIPS difference mask D(target, current, 0.2) the caller hands in
  (the paper's input), trained with BCE plus a soft Dice term (``dice_weight``) on the pixels
  the step painted, so a small step's mask is not drowned by the unchanged majority.
- Instruction head: a small CNN over [current, target] (at ``mask_resolution``) predicting the
  next instruction label.

Both UNets read the same cross-attention tokens (time + instruction, see ``conditioning``).
Attention sits only below the top resolution and is cross-attention only (two tokens), which
keeps a forward pass cheap on a CPU. ``forward`` is the training objective, so distributed
wrappers (DDP through accelerate) see every parameter used.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from diffusers import ModelMixin, UNet2DConditionModel
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.attention_processor import AttnProcessor
from torch import nn

from .conditioning import ConditionTokens

NULL_LABEL = 0  # label index of "no instruction" (classifier-free guidance)


def _fit(x: torch.Tensor, size: int) -> torch.Tensor:
    """``x`` (NCHW) area-resized to size x size (unchanged when it already is)."""
    return x if tuple(x.shape[-2:]) == (size, size) else F.interpolate(x, size=(size, size), mode="area")


def dice_loss(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    """Soft Dice loss of mask logits against a {0, 1} mask, averaged over the batch."""
    p = torch.sigmoid(logits)
    inter = (p * target).sum((1, 2, 3))
    return (1 - (2 * inter + eps) / (p.sum((1, 2, 3)) + target.sum((1, 2, 3)) + eps)).mean()


def _unet(in_channels: int, out_channels: int, channels: Sequence[int], token_width: int,
          layers_per_block: int, head_dim: int, resolution: int) -> UNet2DConditionModel:
    """A small UNet2DConditionModel: plain conv blocks on top, cross-attention below it."""
    n = len(channels)
    groups = min(8, min(channels))
    unet = UNet2DConditionModel(
        sample_size=resolution, in_channels=in_channels, out_channels=out_channels,
        block_out_channels=tuple(channels), layers_per_block=layers_per_block,
        down_block_types=("DownBlock2D",) + ("CrossAttnDownBlock2D",) * (n - 1),
        up_block_types=("CrossAttnUpBlock2D",) * (n - 1) + ("UpBlock2D",),
        cross_attention_dim=token_width, attention_head_dim=head_dim, norm_num_groups=groups,
        only_cross_attention=True)
    # Two key tokens: plain batched-matmul attention beats SDPA's flash kernel on a CPU (a
    # training step 7 % faster); its score matrix is pixels x 2, small on any device.
    unet.set_attn_processor(AttnProcessor())
    return unet


class ResidualRenderer(nn.Module):
    """``renderer(x, t, tokens).sample`` = base + UNet(x, t, tokens), where base = current *
    (1 - mask) + target * mask is read from the input channels [noisy, current, target, mask]."""

    def __init__(self, unet: UNet2DConditionModel):
        super().__init__()
        self.unet = unet
        nn.init.zeros_(unet.conv_out.weight)
        nn.init.zeros_(unet.conv_out.bias)

    @property
    def config(self):
        return self.unet.config

    @property
    def down_blocks(self):
        return self.unet.down_blocks

    def forward(self, x: torch.Tensor, timestep, encoder_hidden_states: torch.Tensor):
        from diffusers.models.unets.unet_2d_condition import UNet2DConditionOutput

        c = (x.shape[1] - 1) // 3
        current, target, mask = x[:, c:2 * c], x[:, 2 * c:3 * c], x[:, 3 * c:]
        base = current * (1 - mask) + target * mask
        return UNet2DConditionOutput(sample=base + self.unet(x, timestep, encoder_hidden_states).sample)


class InstructionHead(nn.Module):
    """Strided convolutions + global pooling over [current, target] -> label logits."""

    def __init__(self, channels: Sequence[int], n_labels: int):
        super().__init__()
        layers: list[nn.Module] = []
        prev = 6
        for c in channels:
            layers += [nn.Conv2d(prev, c, 3, stride=2, padding=1), nn.GroupNorm(min(8, c), c), nn.SiLU()]
            prev = c
        self.features = nn.Sequential(*layers)
        self.classify = nn.Linear(prev, n_labels)

    def forward(self, current: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        x = self.features(torch.cat([current, target], dim=1))
        return self.classify(x.mean(dim=(2, 3)))


class PaintingModel(ModelMixin, ConfigMixin):
    """Everything needed to paint a picture step by step; images are NCHW in [-1, 1], masks {0, 1}."""

    config_name = "config.json"

    @register_to_config
    def __init__(
        self,
        vocabulary: Sequence[str] = ("details",),
        resolution: int = 128,
        mask_resolution: int | None = None,  # mask generator and instruction head (None: resolution)
        renderer_channels: Sequence[int] = (16, 32, 64, 64),
        mask_channels: Sequence[int] = (16, 32, 32, 32),
        head_channels: Sequence[int] = (16, 32, 64),
        layers_per_block: int = 1,
        token_width: int = 64,
        attention_head_dim: int = 8,
        time_frequencies: int = 10,
        dt_scale: float = 60.0,
        prediction_type: str = "sample",
        num_train_timesteps: int = 1000,
        beta_schedule: str = "squaredcos_cap_v2",
        residual: bool = True,  # residual renderer (with prediction_type "sample")
        dice_weight: float = 0.5,  # soft Dice term of the mask loss
        vae: str | None = None,
        latent_channels: int = 4,
        vae_scaling_factor: float = 0.18215,
    ):
        super().__init__()
        if not vocabulary:
            raise ValueError("the label vocabulary is empty")
        image_channels = latent_channels if vae else 3
        self.conditions = ConditionTokens(len(vocabulary), token_width, time_frequencies, dt_scale)
        renderer = _unet(3 * image_channels + 1, image_channels, renderer_channels, token_width,
                         layers_per_block, attention_head_dim, resolution)
        self.renderer = ResidualRenderer(renderer) if residual and prediction_type == "sample" else renderer
        self.mask_generator = _unet(7, 1, mask_channels, token_width, layers_per_block, attention_head_dim,
                                    mask_resolution or resolution)
        self.instruction_head = InstructionHead(head_channels, len(vocabulary))
        self._external: dict[str, nn.Module] = {}  # the pretrained VAE: loaded, never saved here

    # ------------------------------------------------------------------ labels and conditions

    @property
    def vocabulary(self) -> list[str]:
        return list(self.config.vocabulary)

    @property
    def mask_size(self) -> int:
        """The working size of the mask generator and the instruction head."""
        return int(self.config.mask_resolution or self.config.resolution)

    def label_index(self, text: str) -> int:
        """1-based index of a label (0 is the null label); unknown labels map to null."""
        try:
            return self.vocabulary.index(text) + 1
        except ValueError:
            return NULL_LABEL

    def tokens(self, dt: torch.Tensor, labels: torch.Tensor, drop: torch.Tensor | None = None) -> torch.Tensor:
        return self.conditions(dt.to(self.device), labels.to(self.device), drop)

    # ------------------------------------------------------------------ image space

    @property
    def vae(self):
        """The VAE of a latent-space model: the one attached (``use_vae``), else loaded on first
        use from ``config.vae``."""
        if not self.config.vae:
            return None
        if "vae" not in self._external:
            from diffusers import AutoencoderKL

            from .hub import resolve_pretrained

            self.use_vae(AutoencoderKL.from_pretrained(resolve_pretrained(self.config.vae, "train.vae", "VAE")))
        return self._external["vae"]

    def use_vae(self, vae) -> None:
        """Attach a loaded VAE (a painting pipeline's own component); it is never saved here."""
        vae = vae.to(self.device).eval()
        vae.requires_grad_(False)
        self._external["vae"] = vae

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Images -> the renderer's space (identity in pixel space)."""
        if self.vae is None:
            return images
        with torch.no_grad():
            latents = self.vae.encode(images.to(self.vae.dtype)).latent_dist.mean
        return latents.to(images.dtype) * self.config.vae_scaling_factor

    def decode(self, sample: torch.Tensor) -> torch.Tensor:
        if self.vae is None:
            return sample.clamp(-1, 1)
        with torch.no_grad():
            images = self.vae.decode(sample.to(self.vae.dtype) / self.config.vae_scaling_factor).sample
        return images.to(sample.dtype).clamp(-1, 1)

    def renderer_input(self, noisy: torch.Tensor, current: torch.Tensor, target: torch.Tensor,
                       mask: torch.Tensor) -> torch.Tensor:
        """[noisy next, current, target, mask] with the mask at the renderer's resolution."""
        if mask.shape[-2:] != noisy.shape[-2:]:
            mask = F.interpolate(mask, size=noisy.shape[-2:], mode="area")
        return torch.cat([noisy, current, target, mask], dim=1)

    def mask_logits(self, current: torch.Tensor, target: torch.Tensor, outstanding: torch.Tensor,
                    tokens: torch.Tensor) -> torch.Tensor:
        """Mask generator logits (B, 1, r, r) over [target, current, outstanding] at ``mask_size``."""
        r = self.mask_size
        x = torch.cat([_fit(target, r), _fit(current, r), _fit(outstanding, r)], dim=1)
        zero = torch.zeros(x.shape[0], device=x.device, dtype=torch.long)
        return self.mask_generator(x, zero, tokens).sample

    def instruction_logits(self, current: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        r = self.mask_size
        return self.instruction_head(_fit(current, r), _fit(target, r))

    # ------------------------------------------------------------------ inference pieces

    @torch.no_grad()
    def predict_instruction(self, current: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Label logits (B, vocabulary) for the next step."""
        return self.instruction_logits(current, target)

    @torch.no_grad()
    def predict_mask(self, current: torch.Tensor, target: torch.Tensor, outstanding: torch.Tensor,
                     tokens: torch.Tensor) -> torch.Tensor:
        """Probability (B, 1, r, r) that the next step paints each pixel (``outstanding``: the
        {0, 1} mask D(target, current, 0.2), any size)."""
        return torch.sigmoid(self.mask_logits(current, target, outstanding, tokens))

    # ------------------------------------------------------------------ training objective

    def forward(self, current: torch.Tensor, next_frame: torch.Tensor, target: torch.Tensor,
                mask: torch.Tensor, outstanding: torch.Tensor, dt: torch.Tensor, labels: torch.Tensor,
                drop: torch.Tensor, noise: torch.Tensor, timesteps: torch.Tensor, scheduler,
                mask_weight: float = 4.0) -> dict[str, torch.Tensor]:
        """The three training losses for one batch (``mask``: what the step painted; ``outstanding``:
        D(target, current, 0.2)); noise and timesteps come from the caller so that a resumed run
        draws exactly what an uninterrupted one would."""
        tokens = self.conditions(dt, labels, drop)
        clean = self.encode(next_frame)
        noisy = scheduler.add_noise(clean, noise, timesteps)
        pred = self.renderer(self.renderer_input(noisy, self.encode(current), self.encode(target), mask),
                             timesteps, tokens).sample
        kind = self.config.prediction_type
        goal = clean if kind == "sample" else noise if kind == "epsilon" else scheduler.get_velocity(clean, noise, timesteps)
        # Outside the mask the painter keeps the current canvas, so errors inside it matter most.
        weight = 1 + mask_weight * F.interpolate(mask, size=pred.shape[-2:], mode="area")
        render_loss = (weight * (pred - goal) ** 2).mean() / (1 + mask_weight * mask.mean())
        logits = self.mask_logits(current, target, outstanding, tokens)
        small = _fit(mask, logits.shape[-1])
        mask_loss = F.binary_cross_entropy_with_logits(logits, small) + self.config.dice_weight * dice_loss(logits, small)
        known = labels > NULL_LABEL
        head = self.instruction_logits(current, target)
        instruction_loss = F.cross_entropy(head[known], labels[known] - 1) if known.any() else head.sum() * 0.0
        return {"render": render_loss, "mask": mask_loss, "instruction": instruction_loss}
