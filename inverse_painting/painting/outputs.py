"""What a painting run leaves behind: MP4, GIF, keyframes, masks, contact sheet, time map."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..media import VideoWriter, write_gif, write_image
from ..pipeline import atomic_dir, atomic_write_json, check_output_folder
from ..pipeline.atomic import output_owner
from ..pipeline.errors import UnsafeOutput, UserError
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


VIDEO_NAME, GIF_NAME = "timelapse.mp4", "timelapse.gif"


def write_outputs(result: PaintResult, folder: str | os.PathLike, fps: float = 2.0,
                  hold_last_s: float = 1.5) -> list[Path]:
    """Write everything into ``folder``: ``timelapse.mp4``, ``timelapse.gif``, ``frames/``,
    ``masks/``, ``contact_sheet.png``, ``time_map.png`` and ``paint.json``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_image(folder / FRAMES_DIR / f"{i:03d}.png", f) for i, f in enumerate(result.frames)]
    written += [write_image(folder / MASKS_DIR / f"{i:03d}.png", m.astype(np.uint8) * 255)
                for i, m in enumerate(result.masks, start=1)]
    h, w = result.frames[0].shape[:2]
    video = folder / VIDEO_NAME
    hold = [result.frames[-1]] * max(0, int(round(hold_last_s * fps)))
    with VideoWriter(video, (w, h), fps) as writer:
        for frame in [*result.frames, *hold]:
            writer.write(frame)
    gif = write_gif(folder / GIF_NAME, [*result.frames, *hold], fps)
    captions = ["0 s: blank"] + [f"{s.t_s:g} s: {s.label}" for s in result.steps]
    written += [video, gif,
                write_image(folder / "contact_sheet.png", contact_sheet(result.frames, captions)),
                write_image(folder / "time_map.png", time_map_image(result.time_map(), len(result.steps))),
                atomic_write_json(folder / "paint.json", result.record())]
    return written


@dataclass(frozen=True)
class PaintingOutput:
    """Where one painting run goes: ``folder`` (frames, masks, pictures, ``paint.json``) and,
    when the user named a ``.mp4`` or ``.gif`` file, that file beside it."""

    folder: Path
    video: Path | None = None

    @classmethod
    def for_picture(cls, picture: str | os.PathLike, out: str | os.PathLike | None = None) -> "PaintingOutput":
        """The output ``--out`` names (default ``<picture name>_painting.mp4``), checked before any
        work: the folder must be new, empty or an earlier ``paint`` output, and an existing
        video file is replaced only when that folder is ours."""
        out = Path(out) if out else Path(f"{Path(picture).stem}_painting.mp4")
        suffix = out.suffix.lower()
        if suffix not in ("", ".mp4", ".gif"):
            raise UserError(f"--out {out}: name a .mp4 or .gif file, or a folder (got a {suffix} name)")
        target = cls(out.with_suffix("") if suffix else out, out if suffix else None)
        check_output_folder(target.folder, "paint")
        if target.video is not None and target.video.exists():
            if target.video.is_dir():
                raise UnsafeOutput(f"{target.video}: is a folder; name a .mp4 or .gif file")
            if output_owner(target.folder) != "paint":
                raise UnsafeOutput(f"{target.video}: exists and was not written by `paint`; choose another name")
        return target

    def save(self, result: PaintResult, fps: float = 2.0) -> list[Path]:
        """Write the run: the folder atomically, the named video file moved out of it into place.
        Returns the folder and the video file."""
        with atomic_dir(self.folder, writer="paint") as tmp:
            write_outputs(result, tmp, fps)
            if self.video is not None:
                name = GIF_NAME if self.video.suffix.lower() == ".gif" else VIDEO_NAME
                os.replace(tmp / name, self.video)
        return [self.folder] + ([self.video] if self.video else [])
