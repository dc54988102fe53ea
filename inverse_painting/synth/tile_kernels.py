"""Compiled per-tile kernels of the stroke renderer: coverage, alpha-over and their gradients.

A tile's strokes are walked in painting order, and for each stroke all the tile's pixels are
handled in loops without calls, branches or gathers, which the compiler turns into SIMD code
(:func:`_coverage` computes exp itself for that reason). Only a stroke's segments that can reach
the tile are visited. Nothing of size (pairs x pixels) is built except what the backward pass
needs (canvas colour and transmittance before each stroke, its sigmoid and 1 / 2d), in a buffer
the caller provides and reuses. Gradients are summed per stroke in the kernel. The kernels run
on one thread: stage workers are one-thread processes, and a parallel build doubles the compile
time (cached after the first call of each dtype).

A pixel's distance to a stroke is the exact minimum over its polyline's segments. Its gradient
with respect to a segment's end points is taken at the closest point (the envelope theorem:
sliding along the segment does not change a minimum).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .strokes import REACH_SOFTNESS

SAVED_ROWS = 6  # per (tile, stroke) pair and pixel, kept by the forward pass for the backward
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
def _near_segments(curve, s, cx, cy, limit, near):
    """The segments of stroke ``s`` that can reach a tile: within ``limit`` (reach + the tile's
    half diagonal) of its centre (cx, cy), written to ``near``; returns their count. A segment
    further away is further than reach from every pixel, so where it is a pixel's closest, that
    pixel gets no coverage and no gradient either way: leaving it out changes nothing."""
    count = 0
    for k in range(curve.shape[1] - 1):
        ax, ay, abx, aby, inv = _segment(curve, s, k)
        _, dx, dy = _to_segment(cx, cy, ax, ay, abx, aby, inv)
        if dx * dx + dy * dy <= limit * limit:
            near[count] = k
            count += 1
    return count


@numba.njit(inline="always", fastmath=_FAST)
def _distance2(curve, s, near, count, qx, qy, best):
    """Per pixel: squared distance to stroke ``s`` over its segments ``near[:count]``."""
    pixels = qx.shape[0]
    for p in range(pixels):
        best[p] = _FAR
    for j in range(count):
        ax, ay, abx, aby, inv = _segment(curve, s, near[j])
        for p in range(pixels):
            _, dx, dy = _to_segment(qx[p], qy[p], ax, ay, abx, aby, inv)
            best[p] = np.minimum(best[p], dx * dx + dy * dy)  # builtin min here keeps the loop scalar


# exp of the pip builds of numba/llvmlite is a libm call per element (vectorised exp needs an
# SVML-patched LLVM), which made the coverage loops scalar. So exp is evaluated here the way
# vector math libraries do: 2^n by its exponent bits times a degree-6 polynomial on the remainder
# (Cephes expf, ~1 ulp), every step of which vectorises.
_LOG2E, _LN2_HI, _LN2_LO = np.float32(1.44269504088896341), np.float32(0.693359375), np.float32(-2.12194440e-4)
_EXP_POLY = tuple(np.float32(c) for c in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
                                           1.6666665459e-1, 5.0000001201e-1))
_FLOOR = np.float32(-20.0)  # sigmoid(20) is 1 in float32: lower arguments change nothing


@numba.njit(inline="always", fastmath=_FAST)
def _coverage(best, half, reach, softness, d, sig, rest, bits):
    """Per pixel: distance ``d`` to the stroke and ``sigmoid((half - d) / softness)`` within reach,
    0 beyond, in loops without calls or branches (``rest``, ``bits``: scratch)."""
    pixels = best.shape[0]
    c5, c4, c3, c2, c1, c0 = _EXP_POLY
    for p in range(pixels):
        d[p] = math.sqrt(best[p] + _EPS)
        u = min(max((d[p] - half) / softness, _FLOOR), _CUT)
        n = np.floor(u * _LOG2E + _HALF)
        rest[p] = u - n * _LN2_HI - n * _LN2_LO
        bits[p] = (np.int32(n) + np.int32(127)) << np.int32(23)
    scale = bits.view(np.float32)
    for p in range(pixels):
        r = rest[p]
        e = ((((((c5 * r + c4) * r + c3) * r + c2) * r + c1) * r + c0) * (r * r) + r + _ONE) * scale[p]
        sig[p] = _ONE / (_ONE + e) if d[p] <= reach else _ZERO


@numba.njit(inline="always", fastmath=_FAST)
def _curve_gradients(curve, s, near, count, qx, qy, best, claimed, g_d2, g_curve):
    """Add stroke ``s``'s per-pixel distance gradients ``g_d2`` to its polyline vertices (K+1, 2),
    each pixel's to the first segment at its minimum distance ``best``: at the closest point,
    d2 = |q - a - t (b - a)|^2 gives d/da = -2 (1 - t) r and d/db = -2 t r. One pass per segment,
    recomputing its closest points, with ``claimed`` marking pixels already given to a segment
    (a shared vertex is at the same distance from both its segments): no per-pixel selects into
    arrays, which kept these loops scalar. ``best`` comes from :func:`_distance2` in the same
    kernel: the same arithmetic, so the first segment at the minimum matches it exactly."""
    for p in range(qx.shape[0]):
        claimed[p] = _ZERO
    for j in range(count):  # in order: the first segment at the minimum takes the pixel
        k = near[j]
        ax, ay, abx, aby, inv = _segment(curve, s, k)
        gax = gay = gbx = gby = _ZERO
        for p in range(qx.shape[0]):
            t, dx, dy = _to_segment(qx[p], qy[p], ax, ay, abx, aby, inv)
            hit = _ONE - claimed[p] if dx * dx + dy * dy <= best[p] else _ZERO
            claimed[p] += hit
            on = _TWO * g_d2[p] * hit
            gax -= on * (_ONE - t) * dx
            gay -= on * (_ONE - t) * dy
            gbx -= on * t * dx
            gby -= on * t * dy
        g_curve[k, 0] += gax
        g_curve[k, 1] += gay
        g_curve[k + 1, 0] += gbx
        g_curve[k + 1, 1] += gby


@numba.njit(cache=True, fastmath=_FAST)
def point_distance2(curve, sid, px, py):
    """Squared distance from point ``i`` (``px[i]``, ``py[i]``) to stroke ``sid[i]``'s polyline:
    the tile binning's test of (tile centre, stroke) candidates."""
    out = np.empty(sid.shape[0], curve.dtype)
    for i in range(sid.shape[0]):
        s, nearest = sid[i], curve.dtype.type(_FAR)
        for k in range(curve.shape[1] - 1):
            ax, ay, abx, aby, inv = _segment(curve, s, k)
            _, dx, dy = _to_segment(px[i], py[i], ax, ay, abx, aby, inv)
            nearest = np.minimum(nearest, dx * dx + dy * dy)
        out[i] = nearest
    return out


@numba.njit(inline="always")
def _pixel_centres(origin, g, tile, qx, qy):
    for p in range(tile * tile):
        qx[p] = origin[g, 0] + p % tile + 0.5
        qy[p] = origin[g, 1] + p // tile + 0.5


@numba.njit(cache=True, fastmath=_FAST)
def composite_forward(curve, width, opacity, color, background, sid, starts, stops, origin, tile, softness,
                      saved, store):
    """Alpha-over of each tile's strokes (pairs ``starts[g]:stops[g]`` of ``sid``) on its background.

    Returns the tiles' colour (G, T*T, 3) and transmittance (G, T*T). With ``store``, fills
    ``saved`` (P, SAVED_ROWS, T*T) with what the backward pass needs per pair: the canvas colour
    and transmittance just before the pair's stroke (rows 0-3), the stroke's sigmoid at each pixel
    (row 4; 0 out of reach) and 1 / (2 d) (row 5: the backward's loop stays vectorised with one
    array fewer to read). Colour planes are kept apart (not interleaved
    per pixel) so that the pixel loops vectorise.
    """
    n_tiles, pixels = background.shape[0], background.shape[1]
    dtype = background.dtype
    rgb = np.empty_like(background)
    transmit = np.empty((n_tiles, pixels), dtype)
    qx, qy = np.empty(pixels, dtype), np.empty(pixels, dtype)
    best, d, sig = np.empty(pixels, dtype), np.empty(pixels, dtype), np.empty(pixels, dtype)
    rest, bits = np.empty(pixels, dtype), np.empty(pixels, np.int32)
    canvas = np.empty((4, pixels), dtype)
    near = np.empty(curve.shape[1], np.int64)
    half_diagonal = dtype.type(tile * math.sqrt(0.5))
    for g in range(n_tiles):
        cx, cy = origin[g, 0] + _HALF * tile, origin[g, 1] + _HALF * tile
        for p in range(pixels):
            canvas[0, p], canvas[1, p], canvas[2, p] = background[g, p, 0], background[g, p, 1], background[g, p, 2]
            canvas[3, p] = _ONE
        _pixel_centres(origin, g, tile, qx, qy)
        for i in range(starts[g], stops[g]):
            s = sid[i]
            half = width[s] * _HALF
            reach = half + softness * _REACH
            count = _near_segments(curve, s, cx, cy, reach + half_diagonal, near)
            _distance2(curve, s, near, count, qx, qy, best)
            _coverage(best, half, reach, softness, d, sig, rest, bits)
            op, c0, c1, c2 = opacity[s], color[s, 0], color[s, 1], color[s, 2]
            if store:
                for p in range(pixels):
                    saved[i, 0, p], saved[i, 1, p], saved[i, 2, p] = canvas[0, p], canvas[1, p], canvas[2, p]
                    saved[i, 3, p] = canvas[3, p]
                    saved[i, 4, p], saved[i, 5, p] = sig[p], _HALF / d[p]
            for p in range(pixels):
                alpha = op * sig[p]
                canvas[0, p] += alpha * (c0 - canvas[0, p])
                canvas[1, p] += alpha * (c1 - canvas[1, p])
                canvas[2, p] += alpha * (c2 - canvas[2, p])
                canvas[3, p] *= _ONE - alpha
        for p in range(pixels):
            rgb[g, p, 0], rgb[g, p, 1], rgb[g, p, 2] = canvas[0, p], canvas[1, p], canvas[2, p]
            transmit[g, p] = canvas[3, p]
    return rgb, transmit


@numba.njit(cache=True, fastmath=_FAST)
def composite_backward(curve, width, opacity, color, sid, starts, stops, origin, tile, softness,
                       saved, grad_rgb, grad_transmit):
    """Gradients of :func:`composite_forward` per stroke: curve vertices (N, K+1, 2), width (N,),
    opacity (N,), colour (N, 3); and of each tile's background (G, T*T, 3). The forward's sigmoids
    are reused, so this pass needs no exp and its pixel loop vectorises."""
    n_tiles, pixels = grad_rgb.shape[0], grad_rgb.shape[1]
    n_strokes, k1 = curve.shape[0], curve.shape[1]
    dtype = curve.dtype
    g_curve = np.zeros((n_strokes, k1, 2), dtype)
    g_width = np.zeros(n_strokes, dtype)
    g_opacity = np.zeros(n_strokes, dtype)
    g_color = np.zeros((n_strokes, 3), dtype)
    g_background = np.empty_like(grad_rgb)
    qx, qy = np.empty(pixels, dtype), np.empty(pixels, dtype)
    best, claimed, g_d2 = np.empty(pixels, dtype), np.empty(pixels, dtype), np.empty(pixels, dtype)
    grad = np.empty((4, pixels), dtype)
    near = np.empty(k1, np.int64)
    half_diagonal = dtype.type(tile * math.sqrt(0.5))
    for g in range(n_tiles):
        cx, cy = origin[g, 0] + _HALF * tile, origin[g, 1] + _HALF * tile
        for p in range(pixels):
            grad[0, p], grad[1, p], grad[2, p] = grad_rgb[g, p, 0], grad_rgb[g, p, 1], grad_rgb[g, p, 2]
            grad[3, p] = grad_transmit[g, p]
        _pixel_centres(origin, g, tile, qx, qy)
        for i in range(stops[g] - 1, starts[g] - 1, -1):
            s = sid[i]
            count = _near_segments(curve, s, cx, cy, width[s] * _HALF + softness * _REACH + half_diagonal, near)
            _distance2(curve, s, near, count, qx, qy, best)
            op, c0, c1, c2 = opacity[s], color[s, 0], color[s, 1], color[s, 2]
            sum_c0 = sum_c1 = sum_c2 = sum_op = sum_w = _ZERO
            for p in range(pixels):
                sig = saved[i, 4, p]
                alpha = op * sig
                g_alpha = (grad[0, p] * (c0 - saved[i, 0, p]) + grad[1, p] * (c1 - saved[i, 1, p])
                           + grad[2, p] * (c2 - saved[i, 2, p]) - grad[3, p] * saved[i, 3, p])
                sum_c0 += grad[0, p] * alpha
                sum_c1 += grad[1, p] * alpha
                sum_c2 += grad[2, p] * alpha
                sum_op += g_alpha * sig
                g_u = g_alpha * op * sig * (_ONE - sig) / softness  # u = (half - d) / softness
                sum_w += g_u * _HALF
                g_d2[p] = -g_u * saved[i, 5, p]
                grad[0, p] *= _ONE - alpha
                grad[1, p] *= _ONE - alpha
                grad[2, p] *= _ONE - alpha
                grad[3, p] *= _ONE - alpha
            g_color[s, 0] += sum_c0
            g_color[s, 1] += sum_c1
            g_color[s, 2] += sum_c2
            g_opacity[s] += sum_op
            g_width[s] += sum_w
            _curve_gradients(curve, s, near, count, qx, qy, best, claimed, g_d2, g_curve[s])
        for p in range(pixels):
            g_background[g, p, 0], g_background[g, p, 1], g_background[g, p, 2] = grad[0, p], grad[1, p], grad[2, p]
    return g_curve, g_width, g_opacity, g_color, g_background
