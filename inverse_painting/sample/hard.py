"""The harder sample world: ``sample://landscape-hard/<seed>``, with the same exact ground truth.

The same painting process as :mod:`.video` (a landscape, layer by layer, in bursts), filmed
the way real time-lapses are: a strongly tilted canvas in a photographic studio
(:func:`~.studio.photo_background`), a palette on the table that gathers paint too, a
sleeved arm with a gloved hand (no skin), and cuts between camera set-ups:

1. ``wide``: the whole tilted canvas;
2. ``palette``: a close-up of the palette, no canvas in view;
3. ``close``: a close-up inside the canvas (a bare hand paints);
4. ``partial``: another set-up, part of the canvas out of frame;
5. ``wide`` again to the end (the finished painting).

``ground_truth.json`` gives per frame the canvas quad in frame pixels (corners may lie outside
the frame; None when under 1 % of the frame shows canvas), the share of it in view, whether an
occluder covers the visible canvas (more than 0.1 % of it, and how much), the shot and its
camera set-up, the layer and the strokes done.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from .painting import Landscape, PaintingCanvas, make_landscape
from .scene import (FRAME_SIZE, SKIN_TONES, Camera, Hand, apply_h, apply_lighting, canvas_world_quad, mask_box,
                    paste, polygon_mask, title_card)
from .studio import Palette, SleevedArm, photo_background
from .video import ASPECTS, FramePlan, SampleSpec, film_shoot, plan_timeline

SHOTS = ("wide", "palette", "close", "partial", "wide")
CLOTH = ((40, 60, 110), (90, 90, 95), (120, 40, 45), (45, 85, 60))


@dataclass(frozen=True)
class HardSampleSpec(SampleSpec):
    photos: str = ""  # a folder of pictures, one of which becomes the studio ("": a procedural room)


@dataclass
class _HardShoot:
    spec: HardSampleSpec
    landscape: Landscape
    canvas: PaintingCanvas
    plan: list[FramePlan]
    background: np.ndarray
    world_quad: np.ndarray
    H_world: np.ndarray
    palette: Palette
    shots: list[int]  # per frame: index into SHOTS (-1: a title card)
    cameras: list[Camera]  # per shot
    jitter: np.ndarray  # (n, 2) px
    skin: tuple[int, int, int]
    cloth: tuple[int, int, int]
    light: np.ndarray


def _tilted_quad(rng: np.random.Generator, aspect: float) -> np.ndarray:
    """The canvas, rotated 8-16 degrees and shrunk to stay whole in the wide shot."""
    w, h = FRAME_SIZE
    for _ in range(50):
        quad = canvas_world_quad(rng, aspect)
        centre = quad.mean(0)
        a = np.deg2rad(rng.choice([-1, 1]) * rng.uniform(8, 16))
        R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        quad = centre + (quad - centre) @ R.T * rng.uniform(0.78, 0.88)
        if quad[:, 0].min() > 30 and quad[:, 0].max() < w - 30 and quad[:, 1].min() > 20 and quad[:, 1].max() < h - 90:
            return quad
    return quad


def _zoom_on(point: np.ndarray, scale: float, roll: float = 0.0) -> Camera:
    """A camera that puts world ``point`` at the frame centre, zoomed by ``scale``."""
    c = np.array(FRAME_SIZE, np.float64) / 2
    cam = Camera(scale, 0.0, 0.0, roll)
    moved = apply_h(cam.matrix(), point[None])[0]
    return Camera(scale, float(c[0] - moved[0]), float(c[1] - moved[1]), roll)


def _cameras(rng: np.random.Generator, quad: np.ndarray, palette: Palette) -> list[Camera]:
    """One camera per shot: wide, palette close-up, canvas close-up, partial set-up, wide again."""
    wide = Camera(1.0, 0.0, 0.0, 0.0)
    inside = quad.mean(0) + rng.uniform(-0.15, 0.15, 2) * np.ptp(quad, 0)
    close = _zoom_on(inside, float(rng.uniform(2.6, 3.0)), float(rng.uniform(-4, 4)))
    side = rng.choice([-1, 1])
    partial = Camera(float(rng.uniform(1.12, 1.2)), float(side * rng.uniform(0.34, 0.42) * FRAME_SIZE[0]),
                     float(rng.uniform(-30, 30)), float(rng.uniform(-5, 5)))
    return [wide, _zoom_on(palette.centre, 3.0), close, partial, wide]


def _shots(plan: list[FramePlan], spec: SampleSpec, rng: np.random.Generator) -> list[int]:
    """Per frame its shot: title cards -1, the painting frames cut into the five shots in order."""
    painting = [i for i, p in enumerate(plan) if p.phase not in ("intro", "outro")]
    n = len(painting)
    lengths = [rng.uniform(0.26, 0.32), max(2.0 * spec.fps / n, 0.05), rng.uniform(0.18, 0.22), rng.uniform(0.18, 0.22)]
    edges = np.cumsum([0.0] + lengths) * n
    shots = [-1] * len(plan)
    for pos, i in enumerate(painting):
        shots[i] = int(np.searchsorted(edges[1:], pos, side="right")) if pos < edges[-1] else 4
    return shots


def _set_up(spec: HardSampleSpec, rng: np.random.Generator) -> _HardShoot:
    aspect = ASPECTS[spec.seed % len(ASPECTS)]
    size = (spec.canvas_width, int(round(spec.canvas_width / aspect)))
    landscape = make_landscape(spec.seed, size)
    plan = plan_timeline(spec, [la.name for la in landscape.layers], [len(la.strokes) for la in landscape.layers], rng)
    background = photo_background(rng, spec.photos)
    quad = _tilted_quad(rng, aspect)
    starts = np.cumsum([0] + [len(la.strokes) for la in landscape.layers])[:-1]
    colours = [tuple(int(c) for c in np.median(la.texture[la.mask], 0)) if la.mask.any() else (128, 128, 128)
               for la in landscape.layers]
    palette = Palette.for_layers(rng, colours, [int(s) for s in starts])
    pw, ph = size
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    H_world = cv2.getPerspectiveTransform(src, quad.astype(np.float32)).astype(np.float64)
    jitter = cv2.GaussianBlur(np.cumsum(rng.normal(0, 0.6, (len(plan), 2)), 0).astype(np.float32), (1, 0),
                              sigmaX=1, sigmaY=max(1.0, spec.fps / 3)).astype(np.float64)
    jitter = 2.0 * (jitter - jitter.mean(0)) / np.maximum(np.abs(jitter - jitter.mean(0)).max(0), 1e-6)
    return _HardShoot(spec, landscape, PaintingCanvas(landscape), plan, background, quad, H_world, palette,
                      _shots(plan, spec, rng), _cameras(rng, quad, palette), jitter,
                      SKIN_TONES[int(rng.integers(len(SKIN_TONES)))], CLOTH[int(rng.integers(len(CLOTH)))],
                      rng.uniform(0, 2 * math.pi, 4))


def _painter(shoot: _HardShoot, i: int, C: np.ndarray, frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw the painter's arm (a bare hand in the close-up, a sleeve elsewhere); return its mask."""
    p, shot = shoot.plan[i], SHOTS[shoot.shots[i]]
    stroke = shoot.canvas.strokes[p.stroke_index]
    k = (i % 7) / 6.0
    pt = stroke.points[0] * (1 - k) + stroke.points[-1] * k
    paint = shoot.landscape.layers[stroke.layer].texture[int(np.clip(pt[1], 0, shoot.landscape.size[1] - 1)),
                                                         int(np.clip(pt[0], 0, shoot.landscape.size[0] - 1))]
    paint = tuple(int(c) for c in paint)
    angle = float(rng.uniform(30, 60))
    if shot == "palette":
        tip = apply_h(C, shoot.palette.dabs[0][1][None])[0]
    else:
        tip = apply_h(C @ shoot.H_world, pt[None].astype(np.float64))[0]
    if shot == "close":
        return Hand(tip, angle, shoot.skin, paint).draw(frame)
    scale = float(np.sqrt(abs(np.linalg.det(C[:2, :2]))))
    return SleevedArm(tip, angle, shoot.cloth, paint, scale).draw(frame)


def _film(shoot: _HardShoot, i: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    p, spec, shot = shoot.plan[i], shoot.spec, shoot.shots[i]
    gain = 1.0 + 0.035 * math.sin(2 * math.pi * p.t / spec.duration_s + shoot.light[0])
    tint = 1.0 + 0.015 * np.sin(2 * math.pi * p.t / spec.duration_s + shoot.light[1:])
    record = {"index": i, "t": p.t, "phase": p.phase, "layer": p.layer, "strokes_done": p.strokes_done,
              "quad": None, "visible": 0.0, "occluded": False, "occluder_fraction": 0.0, "hand_box": None,
              "segment": None, "shot": None}
    if shot < 0:
        return apply_lighting(title_card(f"Landscape No. {spec.seed}" if p.phase == "intro" else "Thanks for watching",
                                         p.t), gain, tint), record
    shoot.canvas.advance(p.strokes_done)
    cam = shoot.cameras[shot]
    C = Camera(cam.scale, cam.dx + shoot.jitter[i, 0], cam.dy + shoot.jitter[i, 1], cam.roll_deg).matrix()
    frame = cv2.warpAffine(shoot.background, C[:2], FRAME_SIZE, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    shoot.palette.draw(frame, C, p.strokes_done)
    quad = apply_h(C, shoot.world_quad)
    qmask = polygon_mask(quad)
    painted = cv2.warpPerspective(shoot.canvas.image, C @ shoot.H_world, FRAME_SIZE, flags=cv2.INTER_LINEAR)
    frame = paste(frame, painted, qmask)
    shown = qmask.sum() / (FRAME_SIZE[0] * FRAME_SIZE[1])
    record.update(segment=shot, shot=SHOTS[shot])
    if shown >= 0.01:
        area = abs(cv2.contourArea(quad.astype(np.float32)))
        record.update(quad=np.round(quad, 3).tolist(), visible=round(float(qmask.sum() / max(area, 1.0)), 4))
    if p.hand:
        occ = _painter(shoot, i, C, frame, rng)
        frac = float((occ & qmask).sum() / max(qmask.sum(), 1)) if record["quad"] is not None else 0.0
        record.update(occluded=frac > 0.001, occluder_fraction=round(frac, 5), hand_box=mask_box(occ))
    return apply_lighting(frame, gain, tint), record


def generate_hard_video(out_dir: str | Path, spec: HardSampleSpec, progress: bool = False) -> dict:
    """Render, encode and describe one video of the harder sample world; return its ground truth."""
    out_dir = Path(out_dir)
    rng = np.random.default_rng([spec.seed, 1702])
    shoot = _set_up(spec, rng)
    frames_gt, states = film_shoot(out_dir, spec, shoot, lambda i: _film(shoot, i, rng), progress)
    n = len(frames_gt)
    cuts = [i for i in range(1, n) if shoot.shots[i] != shoot.shots[i - 1]]
    gt = {"version": 1, "world": "hard", "spec": asdict(spec), "video": "video.mp4", "frame_size": list(FRAME_SIZE),
          "fps": spec.fps, "n_frames": n, "duration_s": n / spec.fps, "canvas_size": list(shoot.landscape.size),
          "aspect": ASPECTS[spec.seed % len(ASPECTS)], "n_strokes": shoot.landscape.n_strokes, "shots": list(SHOTS),
          "cuts_t": [i / spec.fps for i in cuts], "occluded_fraction": sum(f["occluded"] for f in frames_gt) / n,
          "states": states, "final": "final.png", "frames": frames_gt}
    (out_dir / "ground_truth.json").write_text(json.dumps(gt, indent=1))
    return gt
