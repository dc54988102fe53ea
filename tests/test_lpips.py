"""AlexNet-LPIPS: official checkpoint layouts load unchanged, distances behave, parity with lpips."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

from inverse_painting.perceptual import LPIPS, LpipsUnavailable, load_lpips, weights_available
from inverse_painting.perceptual.lpips import images_to_tensor


def _official_checkpoints(model: LPIPS, tmp_path):
    """Write ``model``'s weights the way the two official files lay them out."""
    backbone = {k.removeprefix("backbone."): v for k, v in model.state_dict().items() if k.startswith("backbone.")}
    backbone["classifier.1.weight"] = torch.zeros(4096, 9216)  # torchvision's head, must be ignored
    heads = {k: v for k, v in model.state_dict().items() if k.startswith("lin")}
    torch.save(backbone, tmp_path / "alexnet-owt-7be5be79.pth")
    torch.save(heads, tmp_path / "alex.pth")
    return tmp_path / "alexnet-owt-7be5be79.pth", tmp_path / "alex.pth"


def _images(seed=0, h=64, w=80):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    b = a.copy()
    b[: h // 2, : w // 2] = 255 - b[: h // 2, : w // 2]  # change the top-left quarter only
    return a, b


def test_key_names_match_official_layouts():
    keys = set(LPIPS.random(0).state_dict())
    assert {"backbone.features.0.weight", "backbone.features.3.weight", "backbone.features.6.weight",
            "backbone.features.8.weight", "backbone.features.10.bias"} <= keys
    assert {f"lin{i}.model.1.weight" for i in range(5)} <= keys
    shapes = {k: tuple(v.shape) for k, v in LPIPS.random(0).state_dict().items()}
    assert shapes["backbone.features.0.weight"] == (64, 3, 11, 11)
    assert shapes["lin2.model.1.weight"] == (1, 384, 1, 1)
    torch.testing.assert_close(LPIPS().scaling_layer.shift.flatten(), torch.tensor([-0.030, -0.088, -0.188]))


def test_official_files_load_unchanged(tmp_path, monkeypatch):
    import inverse_painting.perceptual.lpips as lpips_module
    from inverse_painting.pipeline.hashing import tensors_sha256

    source = LPIPS.random(3)
    backbone, heads = _official_checkpoints(source, tmp_path)
    assert weights_available(tmp_path) and weights_available(str(tmp_path))
    a, b = _images()
    expected = source.distance_images(a, b)
    for model in (LPIPS.from_weights(backbone, heads), LPIPS.from_pretrained(tmp_path),
                  load_lpips(tmp_path)):
        assert not model.pretrained  # loaded, but not the official numbers: never called LPIPS
        np.testing.assert_allclose(model.distance_images(a, b), expected, rtol=1e-5)
    digest = tensors_sha256({k: v.numpy() for k, v in source.state_dict().items() if k.startswith(("backbone.", "lin"))})
    monkeypatch.setattr(lpips_module, "OFFICIAL_TENSORS_SHA256", digest)  # as if these were the official weights
    assert LPIPS.from_weights(backbone, heads).pretrained and LPIPS.from_pretrained(tmp_path).weights_sha256 == digest
    # the lpips package's own trunk keys (net.sliceK.i.*) map onto the same layers
    trunk = {f"net.slice{1 + sum(i > t for t in (1, 4, 7, 9))}.{k.split('.')[2]}.{k.split('.')[3]}": v
             for k, v in source.state_dict().items() if k.startswith("backbone.")
             for i in [int(k.split(".")[2])]}
    trunk.update({k: v for k, v in source.state_dict().items() if k.startswith("lin")})
    torch.save(trunk, tmp_path / "lpips_full.pth")
    np.testing.assert_allclose(LPIPS.from_pretrained(tmp_path / "lpips_full.pth").distance_images(a, b),
                               expected, rtol=1e-5)
    source.save_pretrained(tmp_path / "saved")
    np.testing.assert_allclose(LPIPS.from_pretrained(tmp_path / "saved").distance_images(a, b), expected, rtol=1e-5)


def test_missing_weights_are_reported_not_faked(tmp_path):
    assert not weights_available(None)
    assert not weights_available("")
    assert not weights_available(tmp_path / "nowhere")
    (tmp_path / "alex.pth").write_bytes(b"")
    assert not weights_available(tmp_path)  # heads without the backbone
    with pytest.raises(LpipsUnavailable, match="backbone"):
        LPIPS.from_pretrained(tmp_path)
    with pytest.raises(LpipsUnavailable):
        load_lpips("")
    assert not LPIPS.random(0).pretrained


def test_distances_and_spatial_map():
    model = LPIPS.random(1)
    a, b = _images(h=96, w=128)
    same = model.distance_images([a, a], [a, a])
    assert np.all(same == 0)
    d = model.distance_images([a, a], [b, a])
    assert d[0] > 0 and d[1] == 0
    maps = model.distance_images([a], [b], spatial=True)
    assert maps.shape == (1, 96, 128)
    changed, unchanged = maps[0, :40, :56].mean(), maps[0, 60:, 80:].mean()
    assert changed > 3 * unchanged
    # batching does not change results
    np.testing.assert_allclose(model.distance_images([a, b, a], [b, a, a], batch_size=2),
                               model.distance_images([a, b, a], [b, a, a], batch_size=8), rtol=1e-5)
    with pytest.raises(ValueError):
        model.distance_images([a], [a, b])


@pytest.mark.skipif(importlib.util.find_spec("lpips") is None, reason="lpips package not installed")
def test_parity_with_lpips_package(tmp_path):
    try:
        import lpips
        reference = lpips.LPIPS(net="alex", pretrained=False, pnet_rand=True, verbose=False).eval()
    except Exception as exc:  # noqa: BLE001 - a broken install (torchvision) is a reason to skip
        pytest.skip(f"lpips does not import here: {exc}")
    torch.manual_seed(0)
    with torch.no_grad():
        for lin in reference.lins:
            lin.model[-1].weight.uniform_(0, 0.1)
    torch.save(reference.state_dict(), tmp_path / "ref.pth")
    ours = LPIPS.from_pretrained(tmp_path / "ref.pth")
    x, y = torch.rand(2, 3, 64, 96) * 2 - 1, torch.rand(2, 3, 64, 96) * 2 - 1
    with torch.no_grad():
        torch.testing.assert_close(ours(x, y), reference(x, y), rtol=1e-4, atol=1e-6)
        reference.spatial = True
        torch.testing.assert_close(ours(x, y, spatial=True), reference(x, y), rtol=1e-4, atol=1e-6)


def test_an_image_repeated_across_pairs_goes_through_the_network_once():
    model = LPIPS.random(1)
    frames = [_images(seed)[1] for seed in range(5)]
    target = _images(9)[0]
    seen = []
    model.backbone.register_forward_hook(lambda module, args, out: seen.append(args[0].shape[0]))
    # the target against every frame, and each frame as one step's after and the next one's before
    to_target = model.distance_images(frames, [target] * len(frames), batch_size=8)
    steps = model.distance_images(frames[1:], frames[:-1], spatial=True, batch_size=8)
    assert seen == [6, 5]  # five frames + the target once; five frames, each once
    with torch.no_grad():  # the same numbers as pair by pair
        pairwise = [model(images_to_tensor([a]), images_to_tensor([b])).item() for a, b in zip(frames, [target] * 5)]
        maps = [model(images_to_tensor([a]), images_to_tensor([b]), spatial=True)[0, 0].numpy()
                for a, b in zip(frames[1:], frames[:-1])]
    np.testing.assert_allclose(to_target, pairwise, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(steps, np.stack(maps), rtol=1e-5, atol=1e-7)
    copies = [f.copy() for f in frames]  # equal content, distinct objects: each goes through
    seen.clear()
    model.distance_images(copies, frames, batch_size=8)
    assert seen == [10]
