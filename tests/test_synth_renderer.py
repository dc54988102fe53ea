"""The differentiable stroke renderer: gradients, agreement with a dense reference, binning."""

from __future__ import annotations

import pytest
import torch

from inverse_painting.synth.renderer import StrokeCanvas, _bin_pairs, coverage, render
from inverse_painting.synth.strokes import StrokeParams


def random_strokes(n: int, size: int, seed: int = 0, dtype=torch.float32, scale: float = 0.15) -> StrokeParams:
    g = torch.Generator().manual_seed(seed)
    centre = torch.rand(n, 1, 2, generator=g, dtype=dtype) * size
    points = centre + (torch.rand(n, 3, 2, generator=g, dtype=dtype) - 0.5) * size * scale
    width = torch.rand(n, generator=g, dtype=dtype) * size * 0.05 + 2
    return StrokeParams(points, width, torch.rand(n, 3, generator=g, dtype=dtype),
                        torch.rand(n, generator=g, dtype=dtype) * 0.6 + 0.4)


def dense_reference(s: StrokeParams, h: int, w: int, softness: float) -> torch.Tensor:
    """Every stroke on every pixel, exact distance to all polyline segments, alpha-over in order."""
    ys, xs = torch.meshgrid(torch.arange(h, dtype=s.color.dtype) + 0.5, torch.arange(w, dtype=s.color.dtype) + 0.5,
                            indexing="ij")
    q = torch.stack([xs.reshape(-1), ys.reshape(-1)], -1)
    img = torch.ones(h * w, 3, dtype=s.color.dtype)
    for i, curve in enumerate(s.curve(8)):
        a, b = curve[:-1], curve[1:]
        ab, aq = b - a, q[:, None, :] - a[None]
        t = ((aq * ab).sum(-1) / (ab * ab).sum(-1).clamp(min=1e-12)).clamp(0, 1)
        d2 = ((aq - t[..., None] * ab) ** 2).sum(-1).amin(1)
        alpha = coverage(d2, s.width[i], s.opacity[i], softness)[:, None]
        img = img * (1 - alpha) + alpha * s.color[i]
    return img.reshape(h, w, 3)


def test_render_matches_dense_reference_and_is_tile_size_independent():
    s = random_strokes(60, 48, seed=1, dtype=torch.float64)
    ref = dense_reference(s, 40, 48, 0.7)
    for tile in (4, 8, 16):
        out = render(s, (40, 48), softness=0.7, tile=tile)
        assert out.shape == (40, 48, 3)
        # The nearest-vertex segment choice can differ from the exact minimum on a few
        # pixels near sharp bends; almost everywhere it is exact.
        err = (out - ref).abs()
        assert float(err.mean()) < 1e-4 and float((err > 1e-3).double().mean()) < 0.01
    assert not torch.allclose(ref, torch.ones_like(ref))


def test_gradients_match_finite_differences_for_every_parameter():
    s = random_strokes(5, 24, seed=2, dtype=torch.float64, scale=0.4)
    bg = torch.rand(24, 24, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    inputs = [t.clone().requires_grad_(True) for t in (*s.tensors(), bg)]

    def f(points, width, color, opacity, background):
        return render(StrokeParams(points, width, color, opacity), (24, 24), background, softness=1.5, tile=8)

    assert torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=True)
    # And by hand on single parameters: a control point, a width, a colour, an opacity.
    loss = lambda *a: (f(*a) ** 2).sum()  # noqa: E731
    grads = torch.autograd.grad(loss(*inputs), inputs)
    for which, index in ((0, (1, 2, 0)), (1, (3,)), (2, (0, 1)), (3, (4,))):
        plus = [t.detach().clone() for t in inputs]
        minus = [t.detach().clone() for t in inputs]
        plus[which][index] += 1e-6
        minus[which][index] -= 1e-6
        numeric = (loss(*plus) - loss(*minus)) / 2e-6
        assert float(grads[which][index]) == pytest.approx(float(numeric), rel=1e-4, abs=1e-7)
        assert float(grads[which][index]) != 0


def test_incremental_canvas_agrees_with_render_and_records_first_strokes():
    s = random_strokes(80, 64, seed=4)
    full = render(s.to(torch.float64), (50, 64), softness=0.5)
    canvas = StrokeCanvas((50, 64), softness=0.5)
    first_half = canvas.paint(s, 0, 40)
    second_half = canvas.paint(s, 40, 80)
    assert float((canvas.image - full).abs().max()) < 1e-6
    assert first_half.any() and second_half.any()
    painted = canvas.first_painted
    assert bool(((painted >= 0) & (painted < 40))[first_half].all())
    assert bool(((painted >= 40) | (painted < 0))[~first_half].all())


def test_binning_touches_only_tiles_the_strokes_reach():
    s = random_strokes(1000, 512, seed=5, scale=0.03)
    sid, tile_id = _bin_pairs(s.curve(8), s.reach(0.5), 8, 64, 64, 512, 512)
    dense_pairs = 1000 * 64 * 64
    assert 1000 <= sid.numel() < 0.005 * dense_pairs
    # sorted by tile, then painting order, so alpha-over can be done per tile
    key = tile_id * 1000 + sid
    assert bool((key[1:] > key[:-1]).all())
    big = render(s, (512, 512), softness=0.5)  # a dense renderer would need ~8 GB here
    assert big.shape == (512, 512, 3) and float(big.min()) < 0.5
    # float32 on a large canvas still agrees with the float64 one-stroke-at-a-time canvas
    exact = StrokeCanvas((512, 512), softness=0.5)
    exact.paint(s)
    assert float((big.double() - exact.image).abs().max()) < 1e-4


def test_forward_buffers_are_reused_only_once_their_graph_is_gone():
    from inverse_painting.synth import renderer

    renderer.release_buffers()
    s = random_strokes(40, 64, seed=6)
    for t in s.tensors():
        t.requires_grad_(True)
    target = torch.rand(64, 64, 3, generator=torch.Generator().manual_seed(7))

    def step():
        loss = ((render(s, (64, 64), softness=0.5) - target) ** 2).sum()
        loss.backward()
        return [t.grad.clone() for t in s.tensors()]

    first = step()
    for t in s.tensors():
        t.grad = None
    assert all(torch.equal(a, b) for a, b in zip(first, step()))
    assert len(renderer._SCRATCH.buffers) == 1  # one buffer served every step
    # Two graphs alive at once get two buffers, and both backward passes stay right.
    a = ((render(s, (64, 64), softness=0.5) - target) ** 2).sum()
    b = ((render(s, (64, 64), softness=0.7) - target) ** 2).sum()
    assert len(renderer._SCRATCH.buffers) == 2
    grads_b = torch.autograd.grad(b, s.tensors())
    grads_a = torch.autograd.grad(a, s.tensors())
    expected_a = torch.autograd.grad(((render(s, (64, 64), softness=0.5) - target) ** 2).sum(), s.tensors())
    assert all(torch.equal(x, y) for x, y in zip(grads_a, expected_a))
    assert not all(torch.equal(x, y) for x, y in zip(grads_a, grads_b))
    # Without gradients nothing is kept for a backward pass.
    renderer.release_buffers()
    with torch.no_grad():
        render(s, (64, 64), softness=0.5)
    assert renderer._SCRATCH.buffers == []
