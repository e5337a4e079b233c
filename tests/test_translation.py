"""gan_course.translation: domains, networks, losses against closed forms, and a few real steps."""

from __future__ import annotations

import pytest
import torch

from gan_course import losses
from gan_course import translation as tr


def _digits(n: int = 16, seed: int = 0) -> torch.Tensor:
    """Sparse strokes on a -1 background, like MNIST: (n, 1, 28, 28) in [-1, 1]."""
    gen = torch.Generator().manual_seed(seed)
    x = -torch.ones(n, 1, 28, 28)
    x[:, :, 8:20, 13:15] = torch.rand(n, 1, 12, 2, generator=gen) * 2 - 1
    return x


def test_dilate_is_a_window_maximum():
    x = -torch.ones(1, 1, 5, 5)
    x[0, 0, 2, 2] = 1.0
    y = tr.dilate(x)
    assert torch.equal(y[0, 0, 1:4, 1:4], torch.ones(3, 3)) and y.sum() == 9 - 16
    assert torch.equal(tr.dilate(x, size=1), x)
    with pytest.raises(ValueError, match="odd size"):
        tr.dilate(x, size=2)
    with pytest.raises(ValueError, match=r"\(B, 1, H, W\)"):
        tr.dilate(torch.zeros(5, 5))


def test_ink_closed_form():
    x = -torch.ones(2, 1, 28, 28)
    x[0, 0, :2, :5] = 1.0  # 10 white pixels
    x[1, 0, 0, 0] = 0.0  # one grey pixel = half a pixel of ink
    assert torch.allclose(tr.ink(x), torch.tensor([10.0, 0.5]))
    assert (tr.ink(tr.dilate(_digits())) > tr.ink(_digits())).all()


def test_shapes_and_ranges():
    x = _digits(3)
    G, D = tr.UNetGenerator(8), tr.PatchDiscriminator(8)
    out = G(x)
    assert out.shape == (3, 1, 28, 28) and out.abs().max() <= 1
    assert D(x).shape == (3, 1, 7, 7)
    with pytest.raises(ValueError, match="c >= 1"):
        tr.UNetGenerator(0)


def test_losses_closed_form():
    gen = torch.Generator().manual_seed(0)
    x, x_rec = torch.rand(2, 1, 4, 4, generator=gen), torch.rand(2, 1, 4, 4, generator=gen)
    assert torch.isclose(tr.cycle_loss(x, x_rec), (x - x_rec).abs().sum() / 32)
    d = torch.full((2, 1, 7, 7), 0.5)
    y = torch.zeros(2, 1, 4, 4)
    # 0.5 * (0.5 - 1)^2 + lambda * mean |1 - 0|
    assert torch.isclose(tr.pix2pix_g_loss(d, y + 1, y, lambda_l1=3.0), torch.tensor(0.125 + 3.0))
    # every patch is one sample: the loss is not the loss of the per-image mean score
    d2 = torch.tensor([0.0, 2.0]).view(1, 1, 1, 2)
    assert torch.isclose(tr.pix2pix_g_loss(d2, y[:1], y[:1], lambda_l1=0.0), torch.tensor(0.5))
    with pytest.raises(ValueError, match=r"\(B,\) or \(B, 1\)"):  # the package losses refuse a
        losses.g_loss_least_squares(d2)  # patch map rather than average it away: flatten first
    with pytest.raises(ValueError, match="x_rec of shape"):
        tr.cycle_loss(x, x_rec[:1])


def test_configs_validate():
    with pytest.raises(ValueError, match="lambda_cycle"):
        tr.CycleConfig(lambda_cycle=-1)
    with pytest.raises(ValueError, match="not both 0"):
        tr.Pix2PixConfig(lambda_l1=0, lambda_adv=0)
    model = tr.CycleGAN(_digits(), tr.dilate(_digits(seed=1)), tr.CycleConfig(channels=4))
    with pytest.raises(ValueError):
        model.update(lambda_cycle=-2)
    assert model.config.lambda_cycle == 10
    model.update(lambda_cycle=3.0, lr=1e-3)
    assert model.config.lambda_cycle == 3 and model.opt_G.param_groups[0]["lr"] == 1e-3


def test_a_few_steps_reduce_the_cycle_loss():
    x, y = _digits(32), tr.dilate(_digits(32, seed=1))
    model = tr.CycleGAN(x, y, tr.CycleConfig(channels=8, batch_size=16, seed=0))

    def round_trip() -> float:
        return tr.cycle_loss(x, tr.translate(model.F, tr.translate(model.G, x))).item()

    before = round_trip()
    numbers = [model.step() for _ in range(30)]
    assert set(numbers[0]) == {"loss_D", "loss_G", "loss_adv", "loss_cycle"}
    assert model.step_count == 30 and round_trip() < 0.5 * before


def test_same_seed_same_steps_and_pix2pix_learns_l1():
    x, y = _digits(32), tr.dilate(_digits(32))
    a, b = (tr.CycleGAN(x, y, tr.CycleConfig(channels=4, batch_size=8)) for _ in range(2))
    assert a.step() == b.step()
    p = tr.Pix2Pix(x, y, tr.Pix2PixConfig(channels=8, batch_size=16))
    first = p.step()["l1"]
    for _ in range(30):
        last = p.step()["l1"]
    assert last < 0.5 * first
    with pytest.raises(ValueError, match="paired"):
        tr.Pix2Pix(x, y[:3])
