"""Stroke renderer speed and memory, and decomposition quality and speed on sample paintings.

Forward+backward time and peak memory of the tile-binned renderer for 256 and 1024 random
strokes (width 2-5 % and length up to ~15 % of the canvas) at 256 and 512 px, each against a
same-run estimate of the compute limit: the (stroke, pixel) pairs the binning touches x
FLOP_PER_PAIR / the sgemm GFLOP/s measured in this process on the same threads (a peak that
elementwise code cannot reach, so the ratio is a ceiling on what is left to gain); then each
sample still (seeds 100-102) decomposed at 512 px with the prior depth backend for stroke
budgets 250, 500, 1000 and 2000: PSNR of the final frame against the source, decomposition
seconds, and the Spearman correlation between each pixel's first-painted time and its true
depth rank (the sample world's back-to-front layer index). Last line: one JSON object.

    python benchmarks/strokes.py [--seeds 100,101,102] [--budgets 250,500,1000,2000] [--threads 1] [--renderer-only]

Decomposition runs with ``--threads`` torch threads (default 1, as a stage worker does: two
workers fill a 2-core machine with one image each).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time

import numpy as np
import torch


class PeakRSS:
    """Peak resident memory above the starting level, sampled from /proc every 2 ms."""

    def __enter__(self):
        self.base = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _rss(self) -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _watch(self):
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, self._rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def mb(self) -> float:
        return (self.peak - self.base) / 2**20


def random_strokes(n: int, size: int, seed: int = 0):
    from inverse_painting.synth.strokes import StrokeParams

    g = torch.Generator().manual_seed(seed)
    centre = torch.rand(n, 1, 2, generator=g) * size
    points = centre + (torch.rand(n, 3, 2, generator=g) - 0.5) * size * 0.15
    width = (torch.rand(n, generator=g) * 0.03 + 0.02) * size
    return StrokeParams(points, width, torch.rand(n, 3, generator=g), torch.rand(n, generator=g) * 0.5 + 0.5)


# Forward per (stroke, pixel) pair: distance to each of the 8 polyline segments (15 FLOP each),
# coverage (6) and alpha-over of colour and transmittance (8); backward counted as 2x forward.
FLOP_PER_PAIR = 3 * (8 * 15 + 6 + 8)


def sgemm_gflops(n: int = 1024, repeats: int = 5) -> float:
    """Measured float32 matrix-multiply throughput on the current torch threads (best of ``repeats``)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def touched_pairs(n: int, size: int) -> int:
    """(stroke, pixel) pairs the renderer's tile binning hands to its kernels."""
    from inverse_painting.synth.renderer import TileGrid, _bin_pairs

    strokes = random_strokes(n, size)
    grid = TileGrid(size, size)
    sid, _ = _bin_pairs(strokes.curve(8), strokes.reach(0.5), grid.tile, grid.rows, grid.cols, size, size)
    return int(sid.numel()) * grid.tile**2


def fwd_bwd(n: int, size: int, repeats: int = 3) -> tuple[float, float]:
    """Best seconds of ``repeats`` and the peak memory over all of them, the warm-up included
    (the renderer's reused buffers count: they are allocated there)."""
    from inverse_painting.synth.renderer import release_buffers, render

    strokes = random_strokes(n, size)
    for t in strokes.tensors():
        t.requires_grad_(True)
    target = torch.rand(size, size, 3, generator=torch.Generator().manual_seed(1))
    render(strokes, (size, size), softness=0.5).sum().backward()  # compiles the kernels (cached on disk)
    release_buffers()
    best = float("inf")
    with PeakRSS() as mem:
        render(strokes, (size, size), softness=0.5).sum().backward()  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            loss = ((render(strokes, (size, size), softness=0.5) - target) ** 2).mean()
            loss.backward()
            best = min(best, time.perf_counter() - start)
    return best, mem.mb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="100,101,102")
    ap.add_argument("--budgets", default="250,500,1000,2000")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--renderer-only", action="store_true", help="skip the decomposition figures")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    from inverse_painting.sample import generate_still
    from inverse_painting.synth import SynthConfig
    from inverse_painting.synth.decompose import decompose
    from inverse_painting.synth.depth import PriorDepth
    from inverse_painting.sample.stills import sample_layer_rank
    from inverse_painting.synth.evaluate import order_depth_spearman
    from inverse_painting.synth.process import render_process

    figures: dict[str, float] = {"threads": args.threads}
    peak = sgemm_gflops()
    figures["sgemm_gflops"] = round(peak, 1)
    print(f"renderer forward+backward ({args.threads} torch thread(s); best of 3); sgemm {peak:.1f} GFLOP/s, "
          f"{FLOP_PER_PAIR} FLOP per (stroke, pixel) pair")
    print(f"{'strokes':>8} {'px':>5} {'seconds':>8} {'peak MB':>8} {'pairs M':>8} {'limit s':>8} {'x limit':>8}")
    for size in (256, 512):
        for n in (256, 1024):
            seconds, mb = fwd_bwd(n, size)
            pairs = touched_pairs(n, size)
            limit = pairs * FLOP_PER_PAIR / (peak * 1e9)
            figures[f"fwd_bwd_s_{n}_{size}"] = round(seconds, 4)
            figures[f"peak_mb_{n}_{size}"] = round(mb, 1)
            figures[f"limit_s_{n}_{size}"] = round(limit, 5)
            figures[f"x_limit_{n}_{size}"] = round(seconds / limit, 2)
            print(f"{n:>8} {size:>5} {seconds:>8.3f} {mb:>8.1f} {pairs / 1e6:>8.2f} {limit:>8.4f} {seconds / limit:>8.1f}")
    if args.renderer_only:
        print(json.dumps(figures, sort_keys=True))
        return

    seeds = [int(s) for s in args.seeds.split(",")]
    budgets = [int(b) for b in args.budgets.split(",")]
    print(f"\ndecomposition at {args.size} px, prior depth, sample stills {seeds}")
    print(f"{'budget':>7} {'PSNR dB':>8} {'seconds':>8} {'spearman':>9}")
    for budget in budgets:
        psnrs, secs, spear = [], [], []
        for seed in seeds:
            image = generate_still(seed, args.size)
            depth = PriorDepth().predict([image])[0]
            dec = decompose(image, depth, SynthConfig(size=args.size, strokes=budget, threads=args.threads))
            proc = render_process(dec, 24, threads=args.threads)
            rank = sample_layer_rank(seed, (image.shape[1], image.shape[0]))
            psnrs.append(dec.psnr)
            secs.append(dec.seconds)
            spear.append(order_depth_spearman(proc.first_painted, rank))
        figures[f"psnr_at_{budget}"] = round(float(np.mean(psnrs)), 3)
        figures[f"psnr_min_at_{budget}"] = round(float(np.min(psnrs)), 3)
        figures[f"decompose_s_{args.size}_{budget}"] = round(float(np.mean(secs)), 2)
        figures[f"depth_spearman_at_{budget}"] = round(float(np.mean(spear)), 4)
        print(f"{budget:>7} {np.mean(psnrs):>8.2f} {np.mean(secs):>8.1f} {np.mean(spear):>9.3f}"
              f"   (per image PSNR {', '.join(f'{p:.2f}' for p in psnrs)})")
    top = max(budgets)
    figures["depth_spearman"] = figures[f"depth_spearman_at_{top}"]
    figures[f"decompose_s_{args.size}"] = figures[f"decompose_s_{args.size}_{top}"]
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
