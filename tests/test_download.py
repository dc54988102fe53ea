"""yt-dlp downloads from a loopback HTTP server: direct links, playlists, resume, archive, bad inputs."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from inverse_painting.config import ConfigError, parse_config
from inverse_painting.ingest.download import DownloadConfig, RefusedSource, check_url
from inverse_painting.ingest.fetch import FetchConfig, fetch_item, fetch_items
from inverse_painting.ingest.sources import Source
from inverse_painting.media.video import VideoWriter, probe_video
from inverse_painting.pipeline import run_stage


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with byte ranges; ``/cut.mp4`` drops every whole-file transfer halfway,
    so only a client that resumes with a byte range ever gets all of it."""

    requests: list[tuple[str, str | None]] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        self.requests.append((self.path, self.headers.get("Range")))
        path = Path(self.directory) / self.path.lstrip("/").split("?")[0]
        if not path.is_file() or not path.name.endswith(".mp4"):
            return super().do_GET()
        data = path.read_bytes()
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0] or 0)
        body = data[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if path.name == "cut.mp4" and not start:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)


def _clip(path: Path, level: int) -> None:
    with VideoWriter(path, (96, 64), 10) as writer:
        for i in range(30):
            frame = np.full((64, 96, 3), (level + 3 * i) % 256, np.uint8)
            frame[:, (3 * i) % 96] = 255  # motion, so the encoder cannot shrink the file to nothing
            writer.write(frame)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("www")
    for name, level in (("a.mp4", 20), ("b.mp4", 70), ("c.mp4", 120), ("d.mp4", 170), ("cut.mp4", 220)):
        _clip(root / name, level)
    (root / "page.html").write_text('<html><body><video src="b.mp4"></video><video src="c.mp4"></video>'
                                    '<video><source src="d.mp4" type="video/mp4"></video></body></html>')
    (root / "text.html").write_text("<html><body><p>No video here.</p></body></html>")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()


def _config(out="raw", **download) -> FetchConfig:
    """The fetch settings of these tests: no download archive unless one is given."""
    return FetchConfig(out=str(out), workers=1, download=DownloadConfig(**{"archive": None, **download}))


def _fetch(items, out, options: dict):
    config = _config(out, **options)
    return run_stage("fetch", items, fetch_item, out, config, progress=False, raise_on_failure=False)


def expand_sources(sources, options: dict):
    return fetch_items(sources, _config(**options))


def test_refuses_file_urls_and_local_hosts():
    for url in ("file:///etc/passwd", "http://127.0.0.1/x.mp4", "http://localhost:8000/v", "http://10.1.2.3/v",
                "http://192.168.0.5/v", "http://169.254.1.1/v"):
        with pytest.raises(RefusedSource):
            check_url(url, allow_local=False)
    check_url("http://127.0.0.1/x.mp4", allow_local=True)
    # Refused sources become ledger rows with the reason, not a crashed stage.
    items = expand_sources([Source(url="http://127.0.0.1:9/v.mp4", kind="remote")], {})
    assert len(items) == 1 and "local or private network" in items[0].payload["error"]
    assert items[0].payload["error_code"] == "refused_url"


def test_direct_link_playlist_and_bad_inputs(server, tmp_path):
    base, root = server
    options = {"allow_local": True, "retries": 2, "backoff_s": 0.05, "archive": str(tmp_path / "archive.txt")}
    sources = [Source(url=f"{base}/a.mp4", kind="remote", licence="CC-BY-4.0"),
               Source(url=f"{base}/page.html", kind="remote"),
               Source(url=f"{base}/missing.mp4", kind="remote"),
               Source(url=f"{base}/text.html", kind="remote")]
    items = expand_sources(sources, options)
    ids = [i.id for i in items]
    assert ids[0] == "a" and ids[1:4] == ["page-1", "page-2", "page-3"]
    assert "404" in items[4].payload["error"] and "Unsupported URL" in items[5].payload["error"]
    report = _fetch(items, tmp_path / "raw", options)
    rows = {r.item_id: r for r in report.rows}
    assert [rows[i].status for i in ids[:4]] == ["ok"] * 4, [rows[i].reason for i in ids[:4]]
    assert [rows[i].status for i in ids[:4]] == ["ok"] * 4
    assert rows[ids[4]].status == "skipped" and "404" in rows[ids[4]].reason and rows[ids[4]].code == "not_found"
    assert rows[ids[5]].status == "skipped" and "Unsupported URL" in rows[ids[5]].reason
    assert rows[ids[5]].code == "no_video" and report.reasons() == {"no_video": 1, "not_found": 1}
    info = json.loads((tmp_path / "raw/a/info.json").read_text())
    assert info["licence"] == "CC-BY-4.0" and info["webpage_url"].endswith("/a.mp4") and info["yt_id"] == "a"
    assert (tmp_path / "raw/a/video.info.json").is_file()
    # The three <video> tags of the page are three different videos.
    sizes = {probe_video(tmp_path / f"raw/page-{n}/video.mp4").n_frames for n in (1, 2, 3)}
    levels = {int(np.asarray(_first_frame(tmp_path / f"raw/page-{n}/video.mp4")).mean()) for n in (1, 2, 3)}
    assert sizes == {30} and len(levels) == 3
    archived = set((tmp_path / "archive.txt").read_text().splitlines())
    assert archived == {"generic a", "generic b", "generic c", "generic d"}
    # A second run redoes nothing: finished items are skipped by their markers.
    again = _fetch(expand_sources(sources, options), tmp_path / "raw", options)
    assert again.cached == 6


def _first_frame(path):
    from inverse_painting.media.video import sample_frames

    return next(iter(sample_frames(path, 1.0))).image


def test_duplicates_get_a_reason(server, tmp_path):
    base, _ = server
    sources = [Source(url=f"{base}/b.mp4", kind="remote"), Source(url=f"{base}/b.mp4", kind="remote")]
    items = expand_sources(sources, {"allow_local": True})
    assert [i.id for i in items] == ["b", "b.dup2"]
    # An archived video whose files were removed is downloaded again.
    options = {"allow_local": True, "archive": str(tmp_path / "archive.txt")}
    assert _fetch(items[:1], tmp_path / "again", options).rows[0].status == "ok"
    assert "generic b" in (tmp_path / "archive.txt").read_text()
    shutil.rmtree(tmp_path / "again")
    assert _fetch(items[:1], tmp_path / "again", options).rows[0].status == "ok"
    assert (tmp_path / "again/b/video.mp4").is_file()
    report = _fetch(items, tmp_path / "raw", {"allow_local": True})
    assert report.rows[0].status == "ok"
    assert report.rows[1].status == "skipped" and "duplicate of b" in report.rows[1].reason
    assert report.rows[1].code == "duplicate"


def test_resume_after_interrupted_download(server, tmp_path):
    base, root = server
    Handler.requests.clear()
    options = {"allow_local": True, "retries": 3, "backoff_s": 0.05}
    items = expand_sources([Source(url=f"{base}/cut.mp4", kind="remote")], options)
    report = _fetch(items, tmp_path / "raw", options)
    assert report.rows[0].status == "ok", report.rows[0].reason
    got = (tmp_path / "raw/cut/video.mp4").read_bytes()
    assert got == (root / "cut.mp4").read_bytes()
    # Whole-file transfers were cut; a later request asked only for the missing bytes.
    assert any(r and not r.startswith("bytes=0-") for p, r in Handler.requests if p == "/cut.mp4"), Handler.requests
    assert not (tmp_path / "raw/.partial/cut").exists()


def test_download_settings_are_strict():
    config = parse_config(FetchConfig, {"download": {"max_height": 480, "rate_limit": "2M"}}, "fetch")
    assert config.download == DownloadConfig(max_height=480, rate_limit="2M")
    with pytest.raises(ConfigError, match=r"fetch\.download\.max_hieght: unknown setting; did you mean 'max_height'"):
        parse_config(FetchConfig, {"download": {"max_hieght": 480}}, "fetch")
