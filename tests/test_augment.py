"""Differentiable augmentation (gan_course.augment) and the trainer's `augment` setting."""

import pytest
import torch

from gan_course import augment, data, models, presets
from gan_course.training import GANConfig, Trainer


def _digits(n: int = 8) -> torch.Tensor:
    images, _ = data.load_mnist(source="bundled")
    return images[:n]  # (n, 1, 28, 28) in [-1, 1]


def test_translation_moves_each_image_by_a_whole_shift_within_four_pixels():
    x = _digits()
    out = augment.translation(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    for original, moved in zip(x, out, strict=True):
        found = []
        for dy in range(-4, 5):
            for dx in range(-4, 5):
                shifted = torch.full_like(original, -1.0)
                src = original[:, max(0, -dy):28 - max(0, dy), max(0, -dx):28 - max(0, dx)]
                shifted[:, max(0, dy):28 - max(0, -dy), max(0, dx):28 - max(0, -dx)] = src
                if torch.equal(shifted, moved):
                    found.append((dy, dx))
        assert found, "every output is its input shifted by at most 4 pixels, filled with -1"


def test_cutout_blanks_one_square_of_at_most_14_by_14_and_keeps_the_rest():
    x = torch.rand(16, 1, 28, 28) * 1.8 - 0.9  # no pixel is -1 before the cut
    out = augment.cutout(x, torch.Generator().manual_seed(1))
    for original, cut in zip(x, out, strict=True):
        blank = cut[0] == -1.0
        rows, cols = blank.any(1).nonzero().flatten(), blank.any(0).nonzero().flatten()
        assert 0 < blank.sum() <= 14 * 14
        # one axis-aligned rectangle (clipped at the border), everything else unchanged
        assert blank[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()
        assert rows.max() - rows.min() < 14 and cols.max() - cols.min() < 14
        assert torch.equal(cut[0][~blank], original[0][~blank])


def test_augmentation_is_differentiable_and_seeded():
    x = torch.rand(4, 1, 28, 28, requires_grad=True)
    out = augment.apply(x, "translation,cutout", torch.Generator().manual_seed(2))
    out.sum().backward()
    assert x.grad is not None and 0 < x.grad.sum() < x.numel()  # shifted-out and cut pixels: 0
    again = augment.apply(x.detach(), ("translation", "cutout"), torch.Generator().manual_seed(2))
    assert torch.equal(out.detach(), again)


@pytest.mark.parametrize("spec", ["rotate", "cutout,cutout", 3])
def test_a_bad_policy_is_refused_with_the_choices(spec):
    with pytest.raises(ValueError, match="translation"):
        GANConfig(augment=spec)


def test_the_trainer_augments_what_D_sees_and_refuses_it_for_toys():
    trainer = presets.mnist_trainer("dcgan", seed=0, augment="translation,cutout", batch_size=8)
    seen = []
    hook = trainer.D.register_forward_pre_hook(lambda m, args: seen.append(args[0].detach()))
    trainer.step()
    hook.remove()
    real_seen = seen[0]
    assert (real_seen == -1).float().mean() > (_digits(64) == -1).float().mean()  # cut squares
    plain = presets.mnist_trainer("dcgan", seed=0, batch_size=8)
    assert plain.step()["loss_D"] != trainer.history[-1]["loss_D"]
    toy = presets.toy_trainer("ring", seed=0)
    with pytest.raises(ValueError, match="images"):
        toy.update(augment="translation")
    assert toy.config.augment == "" and toy.step()["step"] == 1
    with pytest.raises(ValueError, match="images"):
        Trainer(models.MLPGenerator(8, (2,)), models.MLPDiscriminator((2,)), toy.real,
                GANConfig(latent_dim=8, augment="cutout"))


def test_r1_penalty_of_a_linear_D_is_half_gamma_times_its_squared_weights():
    from gan_course import losses

    w = torch.tensor([3.0, -4.0])
    penalty = losses.r1_penalty(lambda x: x @ w, torch.randn(16, 2), gamma=2.0)
    assert torch.isclose(penalty, torch.tensor(25.0))  # 2 / 2 * |w|^2, the same at every x


def test_lazy_r1_changes_D_only_on_every_kth_iteration():
    plain = presets.mnist_trainer("dcgan", seed=0, batch_size=8)
    r1 = presets.mnist_trainer("dcgan", seed=0, batch_size=8, r1_gamma=1.0, r1_every=2)
    a, b = plain.train(3), r1.train(3)
    assert a[0]["loss_D"] == b[0]["loss_D"]  # the reported loss leaves the penalty out
    assert a[0]["grad_norm_D"] != b[0]["grad_norm_D"]  # iteration 0: penalised (x 2)
    assert a[1]["d_real"] != b[1]["d_real"]  # so D differs from then on
    with pytest.raises(ValueError, match="r1_every"):
        r1.update(r1_every=0)
    assert r1.config.r1_every == 2
