"""The paper's renderer cost per keyframe on this machine: an SD1.5-sized UNet, timed.

Inverse Painting renders each keyframe with Stable Diffusion 1.5's UNet (random weights here:
the cost does not depend on them) conditioned through a ReferenceNet of the same size, for 25
denoising steps with 6 classifier-free-guidance branches. This times one UNet pass at the
painter's resolution (latents at 1/8 of it) with the 6 branches folded into one batch (the
cheapest way to run them), and one batch-1 pass for the ReferenceNet, then reports

    paper seconds per keyframe = 25 x t(batch 6) + t(batch 1)

Our painter's own seconds per keyframe come from benchmarks/paint.py; benchmarks/run_all.py
runs both in one session and prints the ratio. VAE encode/decode and the text encoder are left
out, which favours the paper. Last line: one JSON object.

    python benchmarks/paper_painter.py [--size 256] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import time

PAPER_STEPS = 25
PAPER_GUIDANCE_BRANCHES = 6


def sd15_unet():
    """UNet2DConditionModel with Stable Diffusion 1.5's configuration, random weights."""
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=64, in_channels=4, out_channels=4, layers_per_block=2,
        block_out_channels=(320, 640, 1280, 1280), cross_attention_dim=768, attention_head_dim=8,
        down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    ).eval()


def unet_pass_seconds(unet, batch: int, latent: int, repeats: int) -> float:
    import torch

    sample = torch.randn(batch, 4, latent, latent)
    text = torch.randn(batch, 77, 768)
    best = float("inf")
    with torch.inference_mode():
        for _ in range(repeats):
            start = time.perf_counter()
            unet(sample, 500, encoder_hidden_states=text)
            best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256, help="painter resolution in px (latents at size/8)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    start = time.perf_counter()
    unet = sd15_unet()
    build_s = time.perf_counter() - start
    params = sum(p.numel() for p in unet.parameters())
    latent = args.size // 8
    unet_pass_seconds(unet, 1, latent, 1)  # warm-up
    single = unet_pass_seconds(unet, 1, latent, 2)
    folded = unet_pass_seconds(unet, PAPER_GUIDANCE_BRANCHES, latent, 1)
    per_keyframe = PAPER_STEPS * folded + single
    passes = PAPER_STEPS * PAPER_GUIDANCE_BRANCHES + 1
    figures = {
        "size": args.size, "threads": args.threads, "unet_parameters_m": round(params / 1e6, 1),
        "unet_pass_s_batch1": round(single, 3), "unet_pass_s_batch6": round(folded, 3),
        "paper_unet_passes_per_keyframe": passes, "paper_s_per_keyframe": round(per_keyframe, 2),
        "unet_build_s": round(build_s, 1),
    }
    print(f"SD1.5-sized UNet ({params / 1e6:.0f} M parameters, random weights) at {args.size} px "
          f"(latents {latent}x{latent}), {args.threads} thread(s)")
    print(f"{'figure':<40s} {'value':>10s}")
    print(f"{'one pass, batch 1 (ReferenceNet) s':<40s} {single:>10.3f}")
    print(f"{'one pass, batch 6 (guidance folded) s':<40s} {folded:>10.3f}")
    print(f"{'UNet passes per keyframe':<40s} {passes:>10d}")
    print(f"{'seconds per keyframe (25 x b6 + b1)':<40s} {per_keyframe:>10.1f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
