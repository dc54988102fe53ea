"""Sample time-lapse videos with exact ground truth.

``generate_sample_video(out_dir, SampleSpec(seed=3))`` writes

- ``video.mp4``: 1280x720 H.264 of a landscape being painted (intro card, blank canvas,
  layers back to front in bursts of strokes with the hand in view, pauses, one camera
  move mid-video, final hold, outro card);
- ``ground_truth.json``: per frame the canvas quad, whether the hand covers the canvas,
  the layer being painted and the number of strokes done; the camera segments; the
  clean-state files;
- ``states/t0012.png``: the clean painting at each whole second, ``final.png``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from ..media.video import VideoWriter
from .painting import Landscape, PaintingCanvas, make_landscape
from .scene import (FRAME_SIZE, SKIN_TONES, Camera, Hand, apply_h, apply_lighting, canvas_world_quad,
                    lerp_camera, make_background, mask_box, paste, polygon_mask, title_card)

ASPECTS = (4 / 3, 3 / 2, 5 / 4)
GT_VERSION = 1


@dataclass(frozen=True)
class SampleSpec:
    seed: int = 0
    duration_s: float = 60.0
    fps: float = 10.0
    canvas_width: int = 512
    intro_s: float = 2.0
    outro_s: float = 2.0
    crf: int = 18

    def __post_init__(self) -> None:
        if self.fps <= 0 or self.duration_s <= 0:
            raise ValueError("fps and duration_s must be positive")
        if self.duration_s < self.intro_s + self.outro_s + 12:
            raise ValueError(f"duration_s={self.duration_s} is too short: need at least "
                             f"{self.intro_s + self.outro_s + 12:.0f} s for intro, painting and outro")


@dataclass
class FramePlan:
    t: float
    phase: str  # intro | blank | painting | pause | final | outro
    layer: str | None
    strokes_done: int
    hand: bool
    stroke_index: int  # stroke under the brush (for the hand's position); -1 when none


def plan_timeline(spec: SampleSpec, layer_names: list[str], layer_strokes: list[int],
                  rng: np.random.Generator) -> list[FramePlan]:
    """Decide, per frame, what is happening: phases, bursts of strokes, pauses."""
    n = int(round(spec.duration_s * spec.fps))
    fps = spec.fps
    intro, outro = int(spec.intro_s * fps), int(spec.outro_s * fps)
    # Holds and pauses scale with the video so short test videos still paint every layer.
    d = spec.duration_s
    blank, final = max(1, int(0.025 * d * fps)), max(1, int(0.04 * d * fps))
    pauses = [max(1, int(rng.uniform(0.025, 0.05) * d * fps)) for _ in layer_names[1:]]
    budget = n - intro - outro - blank - final - sum(pauses)
    if budget < len(layer_names) * 2:
        raise ValueError("video too short for its painting")
    weights = np.sqrt(np.asarray(layer_strokes, np.float64))
    layer_frames = np.maximum(2, np.floor(budget * weights / weights.sum())).astype(int)
    layer_frames[-1] += budget - layer_frames.sum()

    plan: list[FramePlan] = []
    plan += [FramePlan(i / fps, "intro", None, 0, False, -1) for i in range(intro)]
    plan += [FramePlan(0, "blank", None, 0, False, -1) for _ in range(blank)]
    done = 0
    for li, (name, count, frames) in enumerate(zip(layer_names, layer_strokes, layer_frames)):
        # Alternate bursts (brush on canvas) and withdrawals (hand out of view).
        on = []
        while len(on) < frames:
            on += [True] * max(1, int(rng.uniform(1.5, 4.0) * fps))
            on += [False] * max(1, int(rng.uniform(0.8, 2.0) * fps))
        on = on[:frames]
        on[-1] = False  # the layer ends with the hand withdrawn, so its state is visible clean
        if not any(on):
            on[0] = True
        n_on = sum(on)
        seen = 0
        for is_on in on:
            if is_on:
                seen += 1
                target = done + int(round(count * seen / n_on))
                plan.append(FramePlan(0, "painting", name, target, True, min(target, done + count - 1)))
            else:
                plan.append(FramePlan(0, "painting", name, plan[-1].strokes_done if plan else done, False, -1))
        done += count
        plan[-1].strokes_done = done
        if li < len(pauses):
            plan += [FramePlan(0, "pause", None, done, False, -1) for _ in range(pauses[li])]
    plan += [FramePlan(0, "final", None, done, False, -1) for _ in range(final)]
    plan += [FramePlan(0, "outro", None, done, False, -1) for _ in range(outro)]
    for i, p in enumerate(plan):
        p.t = round(i / fps, 6)
    return plan


def _camera_path(spec: SampleSpec, n: int, world_quad: np.ndarray, rng: np.random.Generator):
    """Per-frame cameras: segment 0, an eased move or zoom, segment 1; plus smooth jitter."""
    fps = spec.fps
    start = Camera(1.0, 0.0, 0.0, 0.0)
    w, h = FRAME_SIZE
    for _ in range(50):  # pick a move that keeps the canvas well inside the frame
        end = Camera(float(rng.choice([rng.uniform(0.86, 0.93), rng.uniform(1.07, 1.15)])),
                     float(rng.uniform(-70, 70)), float(rng.uniform(-30, 30)), float(rng.uniform(-1.5, 1.5)))
        q = apply_h(end.matrix(), world_quad)
        if q[:, 0].min() > 30 and q[:, 0].max() < w - 30 and q[:, 1].min() > 20 and q[:, 1].max() < h - 20:
            break
    else:
        end = Camera(1.0, 40.0, 0.0, 0.0)
    move_start = int(n * rng.uniform(0.42, 0.58))
    move_len = int(1.5 * fps)
    jitter = np.cumsum(rng.normal(0, 0.5, (n, 3)), axis=0)
    jitter = cv2.GaussianBlur(jitter.astype(np.float32), (1, 0), sigmaX=1, sigmaY=max(1.0, fps / 3)).astype(np.float64)
    jitter -= jitter.mean(0)
    jitter *= np.array([1.5, 1.5, 0.12]) / np.maximum(np.abs(jitter).max(0), 1e-6)
    cams, segments = [], []
    for i in range(n):
        if i < move_start:
            base, seg = start, 0
        elif i < move_start + move_len:
            base, seg = lerp_camera(start, end, (i - move_start) / move_len), -1
        else:
            base, seg = end, 1
        cams.append(Camera(base.scale, base.dx + jitter[i, 0], base.dy + jitter[i, 1], base.roll_deg + jitter[i, 2]))
        segments.append(seg)
    return cams, segments, (move_start, move_start + move_len)


@dataclass
class _Shoot:
    """Everything one video fixes before its first frame: painting, studio, cameras, painter."""

    spec: SampleSpec
    landscape: Landscape
    size: tuple[int, int]  # canvas (width, height)
    aspect: float
    names: list[str]
    counts: list[int]
    plan: list[FramePlan]
    background: np.ndarray
    world_quad: np.ndarray
    cams: list[Camera]
    segments: list[int]
    move: tuple[int, int]
    skin: tuple[int, int, int]
    phase_light: np.ndarray
    title: str
    H_world: np.ndarray  # painting pixels -> world
    canvas: PaintingCanvas
    angle: float = 40.0  # the brush's angle, drifting from stroke to stroke


def _set_up(spec: SampleSpec, rng: np.random.Generator) -> _Shoot:
    """Draw everything fixed for the video, in the order the seed's random stream gives it."""
    aspect = ASPECTS[spec.seed % len(ASPECTS)]
    size = (spec.canvas_width, int(round(spec.canvas_width / aspect)))
    landscape = make_landscape(spec.seed, size)
    names = [la.name for la in landscape.layers]
    counts = [len(la.strokes) for la in landscape.layers]
    plan = plan_timeline(spec, names, counts, rng)
    background = make_background(rng)
    world_quad = canvas_world_quad(rng, aspect)
    cams, segments, move = _camera_path(spec, len(plan), world_quad, rng)
    skin = SKIN_TONES[int(rng.integers(len(SKIN_TONES)))]
    phase_light = rng.uniform(0, 2 * math.pi, 4)
    pw, ph = size
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    H_world = cv2.getPerspectiveTransform(src, world_quad.astype(np.float32)).astype(np.float64)
    return _Shoot(spec, landscape, size, aspect, names, counts, plan, background, world_quad, cams, segments, move,
                  skin, phase_light, f"Landscape No. {spec.seed}", H_world, PaintingCanvas(landscape))


def _draw_hand(shoot: _Shoot, i: int, C: np.ndarray, frame: np.ndarray, qmask: np.ndarray,
               rng: np.random.Generator) -> dict:
    """Paint the hand holding the brush over ``frame``; return what it covers."""
    p = shoot.plan[i]
    pw, ph = shoot.size
    stroke = shoot.canvas.strokes[p.stroke_index]
    k = (i % 7) / 6.0  # the brush travels along the stroke
    pt = stroke.points[0] * (1 - k) + stroke.points[-1] * k
    tip = apply_h(C @ shoot.H_world, pt[None].astype(np.float64))[0]
    shoot.angle = float(np.clip(shoot.angle + rng.normal(0, 3), 25, 65))
    paint = shoot.landscape.layers[stroke.layer].texture[int(np.clip(pt[1], 0, ph - 1)), int(np.clip(pt[0], 0, pw - 1))]
    occ = Hand(tip, shoot.angle, shoot.skin, tuple(int(c) for c in paint)).draw(frame)
    overlap = occ & qmask
    frac = float(overlap.sum() / max(qmask.sum(), 1))
    return {"occluded": frac > 0.001, "occluder_fraction": round(frac, 5), "hand_box": mask_box(occ)}


def _film(shoot: _Shoot, i: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Frame ``i`` (lit, ready to encode) and its ground-truth record."""
    p, spec = shoot.plan[i], shoot.spec
    t = p.t
    gain = 1.0 + 0.035 * math.sin(2 * math.pi * t / spec.duration_s + shoot.phase_light[0])
    tint = 1.0 + 0.015 * np.sin(2 * math.pi * t / spec.duration_s + shoot.phase_light[1:])
    record = {"index": i, "t": t, "phase": p.phase, "layer": p.layer, "strokes_done": p.strokes_done,
              "quad": None, "occluded": False, "occluder_fraction": 0.0, "hand_box": None,
              "segment": None}
    if p.phase in ("intro", "outro"):
        frame = title_card(shoot.title if p.phase == "intro" else "Thanks for watching", t)
    else:
        shoot.canvas.advance(p.strokes_done)
        C = shoot.cams[i].matrix()
        frame = cv2.warpAffine(shoot.background, C[:2], FRAME_SIZE, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT)
        quad = apply_h(C, shoot.world_quad)
        qmask = polygon_mask(quad)
        painted = cv2.warpPerspective(shoot.canvas.image, C @ shoot.H_world, FRAME_SIZE, flags=cv2.INTER_LINEAR)
        frame = paste(frame, painted, qmask)
        record["quad"] = np.round(quad, 3).tolist()
        record["segment"] = shoot.segments[i]
        if p.hand:
            record.update(_draw_hand(shoot, i, C, frame, qmask, rng))
    return apply_lighting(frame, gain, tint), record


def _ground_truth(shoot: _Shoot, frames_gt: list[dict], states: list[dict]) -> dict:
    spec, n = shoot.spec, len(frames_gt)
    layer_spans = []
    for name in shoot.names:
        idx = [f["index"] for f in frames_gt if f["layer"] == name]
        layer_spans.append({"layer": name, "strokes": shoot.counts[shoot.names.index(name)],
                            "start_t": idx[0] / spec.fps, "end_t": (idx[-1] + 1) / spec.fps})
    return {
        "version": GT_VERSION,
        "spec": asdict(spec),
        "video": "video.mp4",
        "frame_size": list(FRAME_SIZE),
        "fps": spec.fps,
        "n_frames": n,
        "duration_s": n / spec.fps,
        "canvas_size": list(shoot.size),
        "aspect": shoot.aspect,
        "n_strokes": shoot.landscape.n_strokes,
        "layers": layer_spans,
        "camera_move": {"start_t": shoot.move[0] / spec.fps, "end_t": shoot.move[1] / spec.fps},
        "occluded_fraction": sum(f["occluded"] for f in frames_gt) / n,
        "states": states,
        "final": "final.png",
        "frames": frames_gt,
    }


def generate_sample_video(out_dir: str | Path, spec: SampleSpec, progress: bool = False) -> dict:
    """Render, encode and describe one sample video into ``out_dir``; return the ground truth."""
    out_dir = Path(out_dir)
    rng = np.random.default_rng([spec.seed, 1701])
    shoot = _set_up(spec, rng)
    frames_gt, states = film_shoot(out_dir, spec, shoot, lambda i: _film(shoot, i, rng), progress)
    gt = _ground_truth(shoot, frames_gt, states)
    (out_dir / "ground_truth.json").write_text(json.dumps(gt, indent=1))
    return gt


def film_shoot(out_dir: Path, spec: SampleSpec, shoot, film: Callable[[int], tuple[np.ndarray, dict]],
               progress: bool = False) -> tuple[list, list]:
    """:func:`render_video` over a set-up (its ``plan``, ``canvas`` and ``landscape``), then the finished
    painting as ``final.png``; the frames' ground truth and the states."""
    frames_gt, states = render_video(out_dir, spec, shoot.plan, shoot.canvas, film, progress)
    cv2.imwrite(str(out_dir / "final.png"), cv2.cvtColor(shoot.landscape.final(), cv2.COLOR_RGB2BGR))
    return frames_gt, states


def render_video(out_dir: Path, spec: SampleSpec, plan: list[FramePlan], canvas: PaintingCanvas,
                 film: Callable[[int], tuple[np.ndarray, dict]], progress: bool = False) -> tuple[list, list]:
    """Encode ``film(i)`` for every planned frame into ``video.mp4`` and write the clean painting at
    each whole second into ``states/``; return the frames' ground truth and the states."""
    (out_dir / "states").mkdir(parents=True, exist_ok=True)
    frames_gt, states = [], []
    writer = VideoWriter(out_dir / "video.mp4", FRAME_SIZE, spec.fps, crf=spec.crf)
    iterator = range(len(plan))
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, desc=f"sample {spec.seed}", unit="frame")
    last_state_done = -1
    for i in iterator:
        p = plan[i]
        frame, record = film(i)
        writer.write(frame)
        frames_gt.append(record)
        if abs(p.t - round(p.t)) < 0.5 / spec.fps and p.phase not in ("intro", "outro"):
            name = f"states/t{int(round(p.t)):04d}.png"
            if p.strokes_done != last_state_done:
                cv2.imwrite(str(out_dir / name), cv2.cvtColor(canvas.image, cv2.COLOR_RGB2BGR))
                last_state_done, last_name = p.strokes_done, name
            states.append({"t": float(round(p.t)), "frame": i, "strokes_done": p.strokes_done, "file": last_name})
    writer.close()
    return frames_gt, states


def still_landscape(seed: int, width: int = 512) -> Landscape:
    """The landscape a still of ``seed`` shows (its aspect ratio from the seed)."""
    aspect = ASPECTS[seed % len(ASPECTS)]
    return make_landscape(seed, (width, int(round(width / aspect))))


def generate_still(seed: int, width: int = 512) -> np.ndarray:
    """A finished sample painting (RGB uint8) for the synthesis stage."""
    return still_landscape(seed, width).final()
