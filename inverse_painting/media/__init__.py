"""Media I/O: video readers (decord, PyAV) behind one interface, an ffmpeg writer, images."""

from .images import read_image, write_gif, write_image
from .video import VideoInfo, VideoWriter, open_video, probe_video, sample_frames

__all__ = ["VideoInfo", "VideoWriter", "open_video", "probe_video", "read_image", "sample_frames", "write_gif", "write_image"]
