"""Video and GIF writers: odd frame sizes are padded for H.264; GIFs shrink and hold on request."""

import numpy as np
from PIL import Image

from inverse_painting.media import VideoWriter, probe_video, sample_frames, write_gif


def test_odd_sized_frames_are_padded_to_even(tmp_path):
    frames = [np.full((33, 51, 3), v, np.uint8) for v in (40, 200)]
    with VideoWriter(tmp_path / "v.mp4", (51, 33), 2.0) as writer:
        for f in frames:
            writer.write(f)
    info = probe_video(tmp_path / "v.mp4")
    assert (info.width, info.height) == (52, 34)
    decoded = [s.image for s in sample_frames(tmp_path / "v.mp4", 2.0, "pyav")]
    assert len(decoded) == 2 and abs(float(decoded[1][:33, :51].mean()) - 200) < 3


def test_gif_shrinks_and_holds_the_last_frame(tmp_path):
    frames = [np.full((300, 600, 3), v, np.uint8) for v in (0, 128, 255)]
    write_gif(tmp_path / "a.gif", frames, 4.0, max_side=256, last_ms=1500)
    with Image.open(tmp_path / "a.gif") as im:
        assert im.size == (256, 128) and im.n_frames == 3
        durations = []
        for k in range(3):
            im.seek(k)
            durations.append(im.info["duration"])
    assert durations == [250, 250, 1500]
