"""Lesson 11's package code: splits, the small classifier and its loop, augmentation, FGSM, and one
seed of the augmentation experiment at toy size."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F

from gan_course import applications as A
from gan_course import data, models


@pytest.fixture(scope="module")
def digits():
    return data.load_mnist(source="bundled")


def test_holdout_split_is_a_fixed_disjoint_partition():
    pool, test = A.holdout_split(1000, n_test=200)
    assert len(pool) == 800 and len(test) == 200
    assert torch.equal(torch.cat([pool, test]).sort().values, torch.arange(1000))
    again, _ = A.holdout_split(1000, n_test=200)
    assert torch.equal(pool, again)
    other, _ = A.holdout_split(1000, n_test=200, seed=1)
    assert not torch.equal(pool, other)
    with pytest.raises(ValueError, match="n_test"):
        A.holdout_split(10, n_test=10)


def test_class_subset_draws_the_counts_from_the_pool_only(digits):
    _, labels = digits
    pool, test = A.holdout_split(len(labels))
    idx = A.class_subset(labels, 20, among=pool, generator=torch.Generator().manual_seed(0))
    assert torch.bincount(labels[idx], minlength=10).tolist() == [20] * 10
    assert not torch.isin(idx, test).any() and len(idx.unique()) == 200
    other = A.class_subset(labels, 20, among=pool, generator=torch.Generator().manual_seed(1))
    assert not torch.equal(idx, other)  # the seed chooses the digits
    rare = A.class_subset(labels, [50] * 9 + [1], among=pool,
                          generator=torch.Generator().manual_seed(0))
    assert torch.bincount(labels[rare], minlength=10).tolist() == [50] * 9 + [1]
    with pytest.raises(ValueError, match="class 3"):
        A.class_subset(labels, [0, 0, 0, 10_000] + [0] * 6)


def test_digit_cnn_shapes_and_size():
    model = A.DigitCNN()
    assert model(torch.zeros(5, 1, 28, 28)).shape == (5, 10)
    assert models.count_parameters(model) < 25_000


def test_classic_augmentation_moves_each_image_its_own_way(digits):
    x = digits[0][:1].expand(16, -1, -1, -1)  # one digit, 16 times
    torch.manual_seed(0)
    out = A.classic_augmentation()(x)
    assert out.shape == x.shape and out.min() >= -1 and out.max() <= 1
    assert not torch.equal(out, x)
    assert len({tuple(o.flatten().tolist()) for o in out}) > 8  # per image, not once per batch
    assert (out[:, :, 0, 0] == -1).all()  # the corners are filled with the background


def test_mix_batch_keeps_the_batch_size_and_labels():
    xr, yr = torch.zeros(10, 1, 28, 28), torch.zeros(10, dtype=torch.long)
    xg, yg = torch.ones(10, 1, 28, 28), torch.ones(10, dtype=torch.long)
    x, y = A.mix_batch(xr, yr, xg, yg, 0.3)
    assert x.shape == (10, 1, 28, 28) and y.tolist() == [0] * 7 + [1] * 3
    assert torch.equal(x[:, 0, 0, 0], y.float())


def test_fgsm_raises_the_loss_by_sign_steps_inside_the_range(digits):
    x, y = digits[0][:64], digits[1][:64]
    torch.manual_seed(0)
    model = A.DigitCNN().eval()
    x_adv = A.fgsm(model, x, y, 0.1)
    assert x_adv.shape == x.shape and not x_adv.requires_grad
    assert x_adv.min() >= -1 and x_adv.max() <= 1
    moved = (x_adv - x).abs()
    assert moved.max() <= 0.1 + 1e-6 and (moved > 0.099).float().mean() > 0.4  # most pixels move
    with torch.no_grad():
        assert F.cross_entropy(model(x_adv), y) > F.cross_entropy(model(x), y)
    assert torch.equal(A.fgsm(model, x, y, 0.0), x)


def test_train_classifier_is_seeded_learns_and_mixes(digits):
    x, y = digits[0][:200], digits[1][:200]
    cfg = A.ClassifierConfig(steps=40)
    a, b = A.train_classifier(x, y, cfg, seed=3), A.train_classifier(x, y, cfg, seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert A.accuracy(a, x, y) > 0.5  # ten classes: chance is 0.1
    seen = []

    def spy(xr, yr, xg, yg, share):
        seen.append(share)
        return A.mix_batch(xr, yr, xg, yg, share)

    A.train_classifier(x, y, replace(cfg, steps=3, share=0.25), generated=(x, y), mix=spy)
    assert seen == [0.25] * 3
    adv = A.train_classifier(x, y, replace(cfg, steps=3, adv_eps=0.1, augment=True))
    assert isinstance(adv, A.DigitCNN)
    with pytest.raises(ValueError, match="share"):
        A.ClassifierConfig(share=1.5)


def test_accuracy_under_attack_falls_with_eps(digits):
    x, y = digits[0][:300], digits[1][:300]
    model = A.train_classifier(x, y, A.ClassifierConfig(steps=60), seed=0)
    clean, small, large = A.accuracy_under_attack(model, x, y, [0.0, 0.05, 0.3], batch_size=128)
    assert clean == pytest.approx(A.accuracy(model, x, y))
    assert clean > small > large
    (iterative,) = A.accuracy_under_attack(model, x, y, [0.3], attack=A.iterative_fgsm)
    assert iterative <= large  # the same budget, spent in steps: at least as strong here


def test_iterative_fgsm_stays_within_eps(digits):
    x, y = digits[0][:32], digits[1][:32]
    torch.manual_seed(0)
    model = A.DigitCNN().eval()
    x_adv = A.iterative_fgsm(model, x, y, 0.2, steps=5)
    assert (x_adv - x).abs().max() <= 0.2 + 1e-6 and x_adv.min() >= -1 and x_adv.max() <= 1
    with torch.no_grad():
        assert F.cross_entropy(model(x_adv), y) > F.cross_entropy(model(A.fgsm(model, x, y, 0.2)), y)


def test_per_class_accuracy_from_predictions():
    y = torch.tensor([0, 0, 1, 1, 2])
    pred = torch.tensor([0, 1, 1, 1, 0])
    assert A.per_class_accuracy(pred, y, 3).tolist() == [0.5, 1.0, 0.0]


def test_augmentation_run_at_toy_size(digits):
    """One seed end to end: the GAN sees only the scarce subset; four accuracies come back."""
    images, labels = digits
    cfg = A.AugmentationConfig(per_class=3, gan_steps=2, gen_per_class=4,
                               classifier=A.ClassifierConfig(steps=2, batch_size=8))
    out = A.augmentation_run(0, cfg, images=images, labels=labels)
    assert set(out["accuracy"]) == set(A.CONDITIONS)
    assert all(0 <= a <= 1 for a in out["accuracy"].values())
    assert all(p.shape == (cfg.n_test,) for p in out["predicted"].values())
    pool, test = A.holdout_split(len(labels), n_test=cfg.n_test)
    assert len(out["subset"]) == 30 and torch.isin(out["subset"], pool).all()
    assert torch.equal(out["test"], test) and 0 <= out["gan_read_as_asked"] <= 1
    # the lesson builds seed 0 from the parts; they give the same predictions
    subset, _ = A.scarce_split(labels, 0, cfg)
    trainer = A.scarce_gan(images[subset], labels[subset], seed=0)
    trainer.train(cfg.gan_steps)
    generated = A.generate_digits(trainer, cfg.gen_per_class, seed=0)
    by_hand = A.compare_conditions(images[subset], labels[subset], generated, images[test], cfg)
    assert all(torch.equal(by_hand[c], out["predicted"][c]) for c in A.CONDITIONS)


def test_the_scarce_gan_takes_a_diffaugment_policy(digits):
    """`gan_augment` reaches the GAN's D; a policy the trainer does not know is refused."""
    x, y = digits[0][:30], digits[1][:30]
    assert A.scarce_gan(x, y, seed=0).config.augment == ""
    trainer = A.scarce_gan(x, y, seed=0, augment="translation,cutout")
    assert trainer.config.augment == "translation,cutout"
    trainer.train(2)
    assert trainer.step_count == 2
    with pytest.raises(ValueError, match="augment"):
        A.augmentation_run(0, A.AugmentationConfig(per_class=3, gan_augment="flip"),
                           images=digits[0], labels=digits[1])


def test_the_scarce_gan_trains_on_the_subset_only(digits):
    x, y = digits[0][:30], digits[1][:30]
    trainer = A.scarce_gan(x, y, seed=0)
    assert len(trainer.real) == 30 and trainer.n_classes == 10
    assert torch.equal(trainer.real.x, x)
    x_gen, y_gen = A.generate_digits(trainer, 2)
    assert x_gen.shape == (20, 1, 28, 28) and y_gen.tolist() == sorted(list(range(10)) * 2)
