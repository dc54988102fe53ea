"""What a painting run leaves behind: MP4, GIF, keyframes, masks, contact sheet, time map."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ..media import VideoWriter, write_gif, write_image
from ..pipeline import atomic_write_json
from .loop import PaintResult

FRAMES_DIR, MASKS_DIR = "frames", "masks"


def contact_sheet(frames: list[np.ndarray], captions: list[str], columns: int = 6, thumb_width: int = 160) -> np.ndarray:
    """A grid of thumbnails with a caption under each."""
    h, w = frames[0].shape[:2]
    tw, th = thumb_width, max(1, int(round(h * thumb_width / w)))
    cap = 18
    rows = (len(frames) + columns - 1) // columns
    sheet = np.full((rows * (th + cap), min(columns, len(frames)) * tw, 3), 255, np.uint8)
    for i, (frame, text) in enumerate(zip(frames, captions)):
        y, x = (i // columns) * (th + cap), (i % columns) * tw
        sheet[y:y + th, x:x + tw] = cv2.resize(frame, (tw, th), interpolation=cv2.INTER_AREA)
        cv2.putText(sheet, text[:24], (x + 3, y + th + 13), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (30, 30, 30), 1, cv2.LINE_AA)
    return sheet


def time_map_image(time_map: np.ndarray, steps: int) -> np.ndarray:
    """Each pixel coloured by the step that last changed it (early = blue, late = red);
    never-painted pixels black. The paper's emergent depth-like map."""
    scaled = (time_map.astype(np.float32) / max(1, steps) * 255).clip(0, 255).astype(np.uint8)
    rgb = cv2.cvtColor(cv2.applyColorMap(scaled, cv2.COLORMAP_TURBO), cv2.COLOR_BGR2RGB)
    rgb[time_map == 0] = 0
    return rgb


def write_outputs(result: PaintResult, folder: str | os.PathLike, mp4: str | os.PathLike | None = None,
                  fps: float = 2.0, hold_last_s: float = 1.5) -> list[Path]:
    """Write everything into ``folder`` (the MP4 to ``mp4`` when given, else ``folder/timelapse.mp4``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_image(folder / FRAMES_DIR / f"{i:03d}.png", f) for i, f in enumerate(result.frames)]
    written += [write_image(folder / MASKS_DIR / f"{i:03d}.png", m.astype(np.uint8) * 255)
                for i, m in enumerate(result.masks, start=1)]
    h, w = result.frames[0].shape[:2]
    video = Path(mp4) if mp4 else folder / "timelapse.mp4"
    hold = [result.frames[-1]] * max(0, int(round(hold_last_s * fps)))
    with VideoWriter(video, (w, h), fps) as writer:
        for frame in [*result.frames, *hold]:
            writer.write(frame)
    gif = write_gif(folder / "timelapse.gif", [*result.frames, *hold], fps)
    captions = ["0 s: blank"] + [f"{s.t_s:g} s: {s.label}" for s in result.steps]
    written += [video, gif,
                write_image(folder / "contact_sheet.png", contact_sheet(result.frames, captions)),
                write_image(folder / "time_map.png", time_map_image(result.time_map(), len(result.steps))),
                atomic_write_json(folder / "paint.json", result.record())]
    return written
