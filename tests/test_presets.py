"""The named recipes build, and the course's default 2-D GAN really learns the ring."""

import pytest
import torch

from gan_course import metrics, presets, toys


def test_course_recipe_captures_the_ring_within_2000_steps():
    trainer = presets.toy_trainer("ring", "course", seed=0)
    trainer.train(2000)
    ring = toys.ring()
    stats = metrics.mode_stats(trainer.generate(n=2500), ring.modes, ring.std)
    assert stats["modes_captured"] == 8
    assert stats["high_quality"] >= 0.90


@pytest.mark.parametrize("recipe", sorted(presets.TOY_RECIPES))
def test_every_toy_recipe_builds_and_steps(recipe):
    trainer = presets.toy_trainer("grid", recipe, seed=1)
    out = trainer.step()
    assert out["step"] == 1 and trainer.config.seed == 1


def widths(net):
    return [m.out_features for m in net.modules() if isinstance(m, torch.nn.Linear)][:-1]


def test_course_recipe_gives_the_grid_bigger_networks():
    ring, grid = (presets.toy_trainer(name, "course", seed=0) for name in ("ring", "grid"))
    assert widths(ring.G) == widths(ring.D) == [128, 128]
    assert widths(grid.G) == [128, 128, 128] and widths(grid.D) == [256, 256]
    small = presets.toy_trainer("grid", "course", seed=0, hidden=(64, 32))
    assert widths(small.G) == widths(small.D) == [64, 32]
    by_object = presets.toy_trainer(toys.grid(), "course", seed=0)  # a toy object, not a name
    assert widths(by_object.G) == [128, 128, 128] and widths(by_object.D) == [256, 256]


@pytest.mark.parametrize("model", sorted(presets.MNIST_RECIPES))
def test_every_mnist_recipe_builds_and_steps(model):
    trainer = presets.mnist_trainer(model, set_threads=False, batch_size=8)
    trainer.step()
    assert trainer.generate(n=2).shape == (2, 1, 28, 28)


def test_anneal_restores_the_learning_rates():
    trainer = presets.toy_trainer("ring", "course", seed=0, batch_size=16)
    presets.train_with_anneal(trainer, 10, anneal=0.5)
    assert [h["lr_D"] for h in trainer.history][-1] < trainer.config.lr_D
    assert trainer.config.lr_D == presets.TOY_RECIPES["course"].config["lr_D"]


def test_unknown_names():
    with pytest.raises(ValueError, match="course"):
        presets.toy_trainer("ring", "best")
    with pytest.raises(ValueError, match="dcgan"):
        presets.mnist_trainer("vae")
    torch.set_num_threads(1)
