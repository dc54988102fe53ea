"""Sources manifest: parsing, ids, and errors that name the line and field."""

from __future__ import annotations

import pytest

from inverse_painting.ingest.sources import ManifestError, default_item_id, load_manifest, sanitize_id


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_yaml_manifest(tmp_path):
    (tmp_path / "clip.mp4").write_bytes(b"")
    m = write(tmp_path, "s.yaml", """
sources:
  - url: sample://landscape/3?duration=30
    split: validation
    licence: CC-BY-4.0
  - url: clip.mp4
    id: my-clip
  - https://example.org/video.mp4
  - url: https://www.youtube.com/playlist?list=PL123
    kind: playlist
    channel_ids: [UC1]
""")
    s = load_manifest(m)
    assert [x.kind for x in s] == ["sample", "local", "remote", "remote"]
    assert s[0].split == "validation" and s[0].licence == "CC-BY-4.0" and s[0].line == 3
    assert s[1].url == str(tmp_path / "clip.mp4") and default_item_id(s[1]) == "my-clip"
    assert default_item_id(s[0]) == "sample-landscape-0003"
    assert s[3].extra == {"channel_ids": ["UC1"], "declared_kind": "playlist"}


def test_the_real_source_list_parses():
    from pathlib import Path

    s = load_manifest(Path(__file__).parent.parent / "sources" / "acrylic_landscape_playlists.yaml")
    assert len(s) == 4 and all(x.kind == "remote" and x.medium == "acrylic" for x in s)


def test_csv_manifest(tmp_path):
    m = write(tmp_path, "s.csv", "url,split,painter\nsample://landscape/1,train,Ann\nsample://landscape/2,test,Bo\n")
    s = load_manifest(m)
    assert [(x.split, x.painter) for x in s] == [("train", "Ann"), ("test", "Bo")]


@pytest.mark.parametrize("text,where,msg", [
    ("sources:\n  - split: train\n", ":2 field 'url'", "missing"),
    ("sources:\n  - url: sample://landscape/1\n  - url: sample://landscape/2\n    split: dev\n", ":3 field 'split'",
     "not one of"),
    ("sources:\n  - url: sample://landscape/x\n", ":2 field 'url'", "integer seed"),
    ("sources:\n  - url: ftp://host/v.mp4\n", ":2 field 'url'", "unsupported scheme"),
    ("sources:\n  - url: a.mp4\n    id: a/b\n", ":2 field 'id'", "not allowed"),
    ("sources:\n  - {url: a.mp4, id: x}\n  - {url: b.mp4, id: x}\n", ":3 field 'id'", "duplicate id"),
    ("videos: []\n", ":1 field 'sources'", "top-level"),
    ("sources:\n  - url: [unclosed\n", ":3", "invalid YAML"),
])
def test_manifest_errors_name_line_and_field(tmp_path, text, where, msg):
    m = write(tmp_path, "s.yaml", text)
    with pytest.raises(ManifestError) as err:
        load_manifest(m)
    assert where in str(err.value) and msg in str(err.value)


def test_sanitize_id_removes_path_and_shell_characters():
    assert sanitize_id("../../etc/passwd") == "etc_passwd"
    assert sanitize_id("a b;rm -rf $HOME`x`") == "a_b_rm_-rf_HOME_x"
    assert sanitize_id("...") == "item"


def test_a_misspelt_field_is_an_error_that_suggests_the_right_one(tmp_path):
    m = write(tmp_path, "s.yaml", "sources:\n  - url: sample://landscape/1\n    splt: train\n")
    with pytest.raises(ManifestError, match=r"s.yaml:2 field 'splt': unknown field; did you mean 'split'\?"):
        load_manifest(m)
    csv = write(tmp_path, "s.csv", "url,licnce\nsample://landscape/1,CC0-1.0\n")
    with pytest.raises(ManifestError, match="did you mean 'licence'"):
        load_manifest(csv)


def test_local_files_with_one_name_get_distinct_ids_and_publish_no_path(tmp_path):
    import json

    import numpy as np

    from inverse_painting.ingest.fetch import FetchConfig, fetch_item, fetch_items
    from inverse_painting.media.video import VideoWriter
    from inverse_painting.pipeline import run_stage

    for folder, shade in (("a", 40), ("b", 200), ("c/a", 120)):
        (tmp_path / folder).mkdir(parents=True)
        with VideoWriter(tmp_path / folder / "video.mp4", (32, 32), 4) as w:
            for _ in range(4):
                w.write(np.full((32, 32, 3), shade, np.uint8))
    m = write(tmp_path, "s.yaml", "sources:\n  - url: a/video.mp4\n  - url: b/video.mp4\n  - url: c/a/video.mp4\n"
                                  "  - url: b/video.mp4\n    id: b-video\n")
    ids = [default_item_id(s) for s in load_manifest(m)]  # an explicit id keeps its name; derived ones step aside
    assert ids[3] == "b-video" and len(set(ids)) == 4
    m = write(tmp_path, "s.yaml", "sources:\n  - url: a/video.mp4\n  - url: b/video.mp4\n  - url: c/a/video.mp4\n")
    sources = load_manifest(m)
    ids = [default_item_id(s) for s in sources]
    assert ids[1] == "b-video" and ids[0].startswith("a-video-") and ids[2].startswith("a-video-")
    assert len(set(ids)) == 3
    config = FetchConfig(out=str(tmp_path / "raw"), workers=1)
    report = run_stage("fetch", fetch_items(sources, config), fetch_item, config.out, config, progress=False)
    assert report.ok == 3
    infos = [json.loads((tmp_path / "raw" / i / "info.json").read_text()) for i in ids]
    assert all(info["source_url"].startswith("local:video.mp4#sha256=") for info in infos)
    assert len({info["source_url"] for info in infos}) == 3 and not any(str(tmp_path) in json.dumps(i) for i in infos)


def test_local_sources_inside_the_current_folder_are_named_relative_to_it(tmp_path, monkeypatch):
    from inverse_painting.ingest.fetch import FetchConfig, fetch_items

    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / "clip.mp4").write_bytes(b"not really a video")
    write(tmp_path, "sources.yaml", "sources:\n  - url: videos/clip.mp4\n  - url: videos/gone.mp4\n")
    monkeypatch.chdir(tmp_path)
    sources = load_manifest("sources.yaml")
    assert [s.url for s in sources] == ["videos/clip.mp4", "videos/gone.mp4"]
    clip, gone = fetch_items(sources, FetchConfig())
    # The marker hashes the file's content: a file replaced under the same name is fetched again.
    assert clip.payload["sha256"] and gone.payload["sha256"] is None
    (tmp_path / "videos" / "clip.mp4").write_bytes(b"another video")
    assert fetch_items(sources, FetchConfig())[0].payload["sha256"] != clip.payload["sha256"]


def test_sources_of_a_scheme_no_fetcher_reads_are_refused_naming_the_known_ones(tmp_path):
    from inverse_painting.ingest.fetchers import FETCHERS, fetcher_kind

    assert FETCHERS.names() == ("local", "remote", "sample")
    assert [fetcher_kind(u) for u in ("a/b.mp4", "https://x.org/v", "file:///v.mp4", "sample://landscape/1",
                                      "ftp://x/v")] == ["local", "remote", "remote", "sample", None]
    m = write(tmp_path, "s.yaml", "sources:\n  - url: ftp://host/v.mp4\n")
    with pytest.raises(ManifestError, match="a path, http://, https://, file://, sample://"):
        load_manifest(m)
