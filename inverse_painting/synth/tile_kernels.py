"""Compiled per-tile kernels of the stroke renderer: coverage, alpha-over and their gradients.

A tile's strokes are walked in painting order, and for each stroke all the tile's pixels are
handled in one inner loop without branches or gathers, which the compiler turns into SIMD
code. Nothing of size (pairs x pixels) is built except what the backward pass needs (the
canvas colour and transmittance before each stroke). Per-stroke gradients are written per
(tile, stroke) pair and summed afterwards. The kernels run on one thread: stage workers are
one-thread processes, and a parallel build doubles the compile time (cached after the first
call of each dtype).

A pixel's distance to a stroke is the exact minimum over its polyline's segments. Its gradient
with respect to a segment's end points is taken at the closest point (the envelope theorem:
sliding along the segment does not change a minimum).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .strokes import REACH_SOFTNESS

_EPS = np.float32(1e-8)  # inside the square root, as in renderer.coverage
_FAR = 1e30
_FAST = {"reassoc", "contract", "arcp", "nsz"}  # no "ninf"/"nnan": distances start at a large value
# float32 constants: a float64 literal would promote a float32 kernel's arithmetic (and halve its SIMD width)
_ZERO, _HALF, _ONE, _TINY = np.float32(0.0), np.float32(0.5), np.float32(1.0), np.float32(1e-12)
_TWO, _REACH = np.float32(2.0), np.float32(REACH_SOFTNESS)
_CUT = np.float32(2 * REACH_SOFTNESS)  # exp's argument is clamped here: far beyond reach


@numba.njit(inline="always", fastmath=_FAST)
def _segment(curve, s, k):
    """Segment ``k`` of stroke ``s``: its start, direction and 1 / squared length."""
    ax, ay = curve[s, k, 0], curve[s, k, 1]
    abx, aby = curve[s, k + 1, 0] - ax, curve[s, k + 1, 1] - ay
    return ax, ay, abx, aby, _ONE / (abx * abx + aby * aby + _TINY)


@numba.njit(inline="always", fastmath=_FAST)
def _to_segment(qx, qy, ax, ay, abx, aby, inv):
    """The closest point of a segment to (qx, qy): its t along the segment and the residual."""
    aqx, aqy = qx - ax, qy - ay
    t = min(max((aqx * abx + aqy * aby) * inv, _ZERO), _ONE)
    return t, aqx - t * abx, aqy - t * aby


@numba.njit(inline="always", fastmath=_FAST)
def _distance2(curve, s, qx, qy, best):
    """Per pixel: squared distance to stroke ``s`` (the forward pass needs no more, and storing
    less keeps its loop lighter than :func:`_closest`'s)."""
    pixels = qx.shape[0]
    for p in range(pixels):
        best[p] = _FAR
    for k in range(curve.shape[1] - 1):
        ax, ay, abx, aby, inv = _segment(curve, s, k)
        for p in range(pixels):
            _, dx, dy = _to_segment(qx[p], qy[p], ax, ay, abx, aby, inv)
            best[p] = min(best[p], dx * dx + dy * dy)


@numba.njit(inline="always", fastmath=_FAST)
def _closest(curve, s, qx, qy, best, seg, tt, rx, ry):
    """Per pixel: squared distance to stroke ``s``, its segment, the closest point's t and residual."""
    pixels = qx.shape[0]
    for p in range(pixels):
        best[p] = _FAR
    for k in range(curve.shape[1] - 1):
        ax, ay, abx, aby, inv = _segment(curve, s, k)
        for p in range(pixels):
            t, dx, dy = _to_segment(qx[p], qy[p], ax, ay, abx, aby, inv)
            d2 = dx * dx + dy * dy
            closer = d2 < best[p]
            best[p] = d2 if closer else best[p]
            seg[p] = k if closer else seg[p]
            tt[p] = t if closer else tt[p]
            rx[p] = dx if closer else rx[p]
            ry[p] = dy if closer else ry[p]


@numba.njit(inline="always", fastmath=_FAST)
def _sigmoid_of_distance(d, half, reach, softness):
    """``sigmoid((half - d) / softness)`` within reach, 0 beyond (a select, not a branch)."""
    return _ONE / (_ONE + math.exp(min((d - half) / softness, _CUT))) if d <= reach else _ZERO


@numba.njit(inline="always", fastmath=_FAST)
def _segment_gradients(g_curve, g_d2, seg, tt, rx, ry):
    """Add a stroke's per-pixel distance gradients to its polyline vertices (K+1, 2): at the
    closest point, d2 = |q - a - t (b - a)|^2 gives d/da = -2 (1 - t) r and d/db = -2 t r."""
    for k in range(g_curve.shape[0] - 1):
        ax = ay = bx = by = _ZERO
        for p in range(g_d2.shape[0]):  # one pass per segment keeps the loop free of scatters
            on = _TWO * g_d2[p] if seg[p] == k else _ZERO
            ax -= on * (_ONE - tt[p]) * rx[p]
            ay -= on * (_ONE - tt[p]) * ry[p]
            bx -= on * tt[p] * rx[p]
            by -= on * tt[p] * ry[p]
        g_curve[k, 0] += ax
        g_curve[k, 1] += ay
        g_curve[k + 1, 0] += bx
        g_curve[k + 1, 1] += by


@numba.njit(inline="always")
def _pixel_centres(origin, g, tile, qx, qy):
    for p in range(tile * tile):
        qx[p] = origin[g, 0] + p % tile + 0.5
        qy[p] = origin[g, 1] + p // tile + 0.5


@numba.njit(cache=True, fastmath=_FAST)
def composite_forward(curve, width, opacity, color, background, sid, starts, stops, origin, tile, softness):
    """Alpha-over of each tile's strokes (pairs ``starts[g]:stops[g]`` of ``sid``) on its background.

    Returns the tiles' colour (G, T*T, 3) and transmittance (G, T*T), and the canvas colour and
    transmittance just before each pair's stroke, (P, T*T, 3) and (P, T*T), for the backward pass.
    """
    n_tiles, pixels = background.shape[0], background.shape[1]
    dtype = background.dtype
    rgb = np.empty_like(background)
    transmit = np.empty((n_tiles, pixels), dtype)
    before = np.empty((sid.shape[0], pixels, 3), dtype)
    keep_before = np.empty((sid.shape[0], pixels), dtype)
    for g in range(n_tiles):
        qx, qy = np.empty(pixels, dtype), np.empty(pixels, dtype)
        best = np.empty(pixels, dtype)
        canvas = background[g].copy()
        keep = np.ones(pixels, dtype)
        _pixel_centres(origin, g, tile, qx, qy)
        for i in range(starts[g], stops[g]):
            s = sid[i]
            _distance2(curve, s, qx, qy, best)
            half, op = width[s] * _HALF, opacity[s]
            reach = half + softness * _REACH
            c0, c1, c2 = color[s, 0], color[s, 1], color[s, 2]
            for p in range(pixels):
                before[i, p, 0], before[i, p, 1], before[i, p, 2] = canvas[p, 0], canvas[p, 1], canvas[p, 2]
                keep_before[i, p] = keep[p]
                alpha = op * _sigmoid_of_distance(math.sqrt(best[p] + _EPS), half, reach, softness)
                canvas[p, 0] += alpha * (c0 - canvas[p, 0])
                canvas[p, 1] += alpha * (c1 - canvas[p, 1])
                canvas[p, 2] += alpha * (c2 - canvas[p, 2])
                keep[p] *= _ONE - alpha
        rgb[g] = canvas
        transmit[g] = keep
    return rgb, transmit, before, keep_before


@numba.njit(cache=True, fastmath=_FAST)
def composite_backward(curve, width, opacity, color, sid, starts, stops, origin, tile, softness,
                       before, keep_before, grad_rgb, grad_transmit):
    """Gradients of :func:`composite_forward` per pair: curve vertices (P, K+1, 2), width (P,),
    opacity (P,), colour (P, 3); and of each tile's background (G, T*T, 3)."""
    n_tiles, pixels = grad_rgb.shape[0], grad_rgb.shape[1]
    n_pairs, k1 = sid.shape[0], curve.shape[1]
    dtype = curve.dtype
    g_curve = np.zeros((n_pairs, k1, 2), dtype)
    g_width = np.zeros(n_pairs, dtype)
    g_opacity = np.zeros(n_pairs, dtype)
    g_color = np.zeros((n_pairs, 3), dtype)
    g_background = np.empty_like(grad_rgb)
    for g in range(n_tiles):
        qx, qy = np.empty(pixels, dtype), np.empty(pixels, dtype)
        best, tt, rx, ry = np.empty(pixels, dtype), np.empty(pixels, dtype), np.empty(pixels, dtype), np.empty(pixels, dtype)
        g_d2 = np.empty(pixels, dtype)
        seg = np.zeros(pixels, np.int32)
        grad = grad_rgb[g].copy()
        g_keep = grad_transmit[g].copy()
        _pixel_centres(origin, g, tile, qx, qy)
        for i in range(stops[g] - 1, starts[g] - 1, -1):
            s = sid[i]
            _closest(curve, s, qx, qy, best, seg, tt, rx, ry)
            half, op = width[s] * _HALF, opacity[s]
            reach = half + softness * _REACH
            c0, c1, c2 = color[s, 0], color[s, 1], color[s, 2]
            sum_c0 = sum_c1 = sum_c2 = sum_op = sum_w = _ZERO
            for p in range(pixels):
                d = math.sqrt(best[p] + _EPS)
                sig = _sigmoid_of_distance(d, half, reach, softness)
                alpha = op * sig
                g_alpha = (grad[p, 0] * (c0 - before[i, p, 0]) + grad[p, 1] * (c1 - before[i, p, 1])
                           + grad[p, 2] * (c2 - before[i, p, 2]) - g_keep[p] * keep_before[i, p])
                sum_c0 += grad[p, 0] * alpha
                sum_c1 += grad[p, 1] * alpha
                sum_c2 += grad[p, 2] * alpha
                sum_op += g_alpha * sig
                g_u = g_alpha * op * sig * (_ONE - sig) / softness  # u = (half - d) / softness
                sum_w += g_u * _HALF
                g_d2[p] = -g_u / (d + d)
                grad[p, 0] *= _ONE - alpha
                grad[p, 1] *= _ONE - alpha
                grad[p, 2] *= _ONE - alpha
                g_keep[p] *= _ONE - alpha
            g_color[i, 0], g_color[i, 1], g_color[i, 2] = sum_c0, sum_c1, sum_c2
            g_opacity[i], g_width[i] = sum_op, sum_w
            _segment_gradients(g_curve[i], g_d2, seg, tt, rx, ry)
        g_background[g] = grad
    return g_curve, g_width, g_opacity, g_color, g_background

