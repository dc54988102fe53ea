"""The compact painting model: conditioning, save/load as safetensors, losses, few-step sampling."""

from __future__ import annotations

import math

import pytest
import torch

from inverse_painting.models import ConditionTokens, PaintingModel, RenderSettings, nerf_encoding, render_next
from inverse_painting.models.sampler import make_scheduler

TINY = dict(resolution=32, renderer_channels=(8, 16, 16), mask_channels=(8, 16, 16), head_channels=(8, 16),
            token_width=16)


def tiny_model(**kw) -> PaintingModel:
    torch.manual_seed(0)
    return PaintingModel(vocabulary=["sky", "trees", "water"], **{**TINY, **kw})


def images(n=2, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand((n, 3, size, size), generator=g) * 2 - 1


def test_nerf_encoding_has_21_numbers_with_sin_and_cos():
    enc = nerf_encoding(torch.tensor([0.0, 0.25]))
    assert enc.shape == (2, 21)
    assert torch.allclose(enc[0], torch.cat([torch.zeros(11), torch.ones(10)]))
    assert enc[1, 0] == pytest.approx(0.25)
    assert enc[1, 1] == pytest.approx(math.sin(0.25 * math.pi), abs=1e-6)
    assert enc[1, 11] == pytest.approx(math.cos(0.25 * math.pi), abs=1e-6)


def test_dropped_conditions_become_the_same_null_tokens():
    cond = ConditionTokens(n_labels=3, width=16)
    dt, labels = torch.tensor([5.0, 40.0, 40.0]), torch.tensor([1, 2, 3])
    tokens = cond(dt, labels, torch.tensor([True, True, False]))
    assert tokens.shape == (3, 2, 16)
    assert torch.equal(tokens[0], tokens[1])
    assert not torch.equal(tokens[1], tokens[2])
    assert not torch.equal(cond(dt[:1], labels[:1])[0, 0], cond(dt[1:2], labels[:1])[0, 0])  # dt matters


def test_save_and_load_round_trip_is_safetensors_only(tmp_path):
    model = tiny_model()
    model.save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "diffusion_pytorch_model.safetensors"]
    loaded = PaintingModel.from_pretrained(tmp_path)
    assert loaded.vocabulary == ["sky", "trees", "water"] and loaded.config.resolution == 32
    for (name, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(a, b), name
    assert loaded.label_index("trees") == 2 and loaded.label_index("unknown") == 0


def test_renderer_input_and_attention_layout():
    model = tiny_model()
    assert model.renderer.config.in_channels == 10  # noisy next + current + target + mask
    assert model.mask_generator.config.in_channels == 7  # target + current + outstanding (LPIPS) mask
    top = model.renderer.down_blocks[0]
    assert not hasattr(top, "attentions") or len(top.attentions) == 0  # no attention at full resolution
    assert all(len(b.attentions) > 0 for b in model.renderer.down_blocks[1:])


def test_training_losses_are_finite_and_reach_every_part():
    model = tiny_model()
    x = images(2)
    mask = (torch.rand(2, 1, 32, 32) > 0.6).float()
    outstanding = (torch.rand(2, 1, 32, 32) > 0.3).float()
    losses = model(x, images(2, seed=1), images(2, seed=2), mask, outstanding, torch.tensor([10.0, 30.0]),
                   torch.tensor([1, 3]), torch.tensor([False, True]), torch.randn(2, 3, 32, 32), torch.tensor([5, 900]),
                   make_scheduler(model.config))
    assert set(losses) == {"render", "mask", "instruction"}
    sum(losses.values()).backward()
    for part in ("renderer", "mask_generator", "instruction_head", "conditions"):
        grads = [p.grad for p in getattr(model, part).parameters() if p.grad is not None]
        assert grads and any(g.abs().sum() > 0 for g in grads), part


def test_residual_renderer_starts_as_current_outside_the_mask_and_target_inside():
    model = tiny_model().eval()
    cur, tgt = images(1), images(1, seed=4)
    mask = torch.zeros(1, 1, 32, 32)
    mask[..., :16] = 1
    x = model.renderer_input(torch.randn(1, 3, 32, 32), cur, tgt, mask)
    out = model.renderer(x, torch.tensor([500]), model.tokens(torch.tensor([20.0]), torch.tensor([1]))).sample
    assert torch.allclose(out[..., :16], tgt[..., :16]) and torch.allclose(out[..., 16:], cur[..., 16:])
    plain = tiny_model(residual=False)
    assert type(plain.renderer).__name__ == "UNet2DConditionModel"


def test_mask_generator_reads_the_outstanding_mask_at_its_own_resolution():
    model = tiny_model(mask_resolution=16).eval()
    assert model.mask_size == 16 and model.mask_generator.config.sample_size == 16
    tokens = model.tokens(torch.tensor([20.0]), torch.tensor([2]))
    cur, tgt = images(1), images(1, seed=2)
    full, empty = torch.ones(1, 1, 64, 64), torch.zeros(1, 1, 8, 8)  # any size: resized to the generator's
    a, b = model.predict_mask(cur, tgt, full, tokens), model.predict_mask(cur, tgt, empty, tokens)
    assert a.shape == (1, 1, 16, 16) and not torch.equal(a, b)
    assert model.predict_instruction(cur, tgt).shape == (1, 3)


def test_samplers_are_chosen_by_name_and_an_unknown_one_lists_them():
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler

    from inverse_painting.models.sampler import SAMPLERS
    from inverse_painting.registry import UnknownBackend

    config = tiny_model().config
    assert SAMPLERS.names() == ("ddim", "dpm")
    assert isinstance(make_scheduler(config, "ddim"), DDIMScheduler)
    assert isinstance(make_scheduler(config, "dpm"), DPMSolverMultistepScheduler)
    with pytest.raises(UnknownBackend, match="unknown sampler 'euler'; choose one of ddim, dpm"):
        make_scheduler(config, "euler")


@pytest.mark.parametrize("sampler", ["ddim", "dpm"])
def test_few_step_sampling_counts_passes_and_is_seeded(sampler):
    model = tiny_model(residual=False).eval()  # a residual renderer starts noise-free: its first output is its base
    cur, tgt, mask = images(1), images(1, seed=3), torch.ones(1, 1, 32, 32)
    tokens = model.tokens(torch.tensor([20.0]), torch.tensor([1]))
    a, n = render_next(model, cur, tgt, mask, tokens, RenderSettings(sampler, 3), torch.Generator().manual_seed(1))
    b, _ = render_next(model, cur, tgt, mask, tokens, RenderSettings(sampler, 3), torch.Generator().manual_seed(1))
    c, _ = render_next(model, cur, tgt, mask, tokens, RenderSettings(sampler, 3), torch.Generator().manual_seed(2))
    assert n == 3 and a.shape == (1, 3, 32, 32) and a.min() >= -1 and a.max() <= 1
    assert torch.equal(a, b) and not torch.equal(a, c)
    guided, n = render_next(model, cur, tgt, mask, tokens, RenderSettings(sampler, 2, guidance=3.0),
                            torch.Generator().manual_seed(1))
    assert n == 2 and guided.shape == (1, 3, 32, 32)


def test_latent_space_option_uses_a_local_vae_and_does_not_save_it(tmp_path):
    from diffusers import AutoencoderKL

    vae = AutoencoderKL(in_channels=3, out_channels=3, block_out_channels=(8, 16), latent_channels=4,
                        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                        norm_num_groups=8, layers_per_block=1, sample_size=32)
    vae.save_pretrained(tmp_path / "vae")
    model = tiny_model(vae=str(tmp_path / "vae"))
    assert model.renderer.config.in_channels == 13 and model.renderer.config.out_channels == 4
    latents = model.encode(images(1))
    assert latents.shape == (1, 4, 16, 16)
    tokens = model.tokens(torch.tensor([20.0]), torch.tensor([2]))
    out, n = render_next(model.eval(), images(1), images(1, seed=5), torch.ones(1, 1, 32, 32), tokens,
                         RenderSettings("ddim", 2))
    assert out.shape == (1, 3, 32, 32) and n == 2
    model.save_pretrained(tmp_path / "model")
    assert not any("vae" in k for k in PaintingModel.from_pretrained(tmp_path / "model").state_dict())
