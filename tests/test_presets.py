"""The named recipes build, and the course's default 2-D GAN really learns the ring."""

import os
import re

import pytest
import torch

from gan_course import metrics, models, presets, toys


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


def test_building_a_trainer_leaves_the_thread_count_alone():
    torch.set_num_threads(1)
    presets.mnist_trainer("dcgan")
    assert torch.get_num_threads() == 1
    presets.mnist_trainer("dcgan", set_threads=True)  # only when asked
    assert torch.get_num_threads() == min(presets.MNIST_RECIPES["dcgan"].threads, os.cpu_count())
    torch.set_num_threads(1)


def test_mnist_trainer_takes_your_own_networks():
    plain = presets.mnist_trainer("dcgan", seed=3)
    G = models.DCGANGenerator(100, base_channels=8)
    mine = presets.mnist_trainer("dcgan", seed=3, G=G)
    assert mine.G is G and mine.build is None and mine.config == plain.config
    for a, b in zip(mine.D.parameters(), plain.D.parameters(), strict=True):
        assert torch.equal(a, b)  # the other network is the plain trainer's
    with pytest.raises(ValueError, match="build"):
        mine.reset(seed=4)


@pytest.mark.parametrize("name", [*presets.TOY_RECIPES, *presets.MNIST_RECIPES])
def test_descriptions_do_not_repeat_the_config(name):
    """A recipe's numbers live in its config; the text says what it is for (`str` shows both)."""
    recipe = presets.TOY_RECIPES.get(name) or presets.MNIST_RECIPES[name]
    for key, value in recipe.config.items():
        if isinstance(value, float) or (isinstance(value, int) and value >= 10):
            spellings = {f"{value:g}", f"{value}", f"{value:.0e}".replace("e-0", "e-")}
            for text in spellings:
                assert not re.search(rf"(?<![\d.]){re.escape(text)}(?![\d.])",
                                     recipe.description), (key, text)
            assert f"{key} {value:g}" in str(recipe) if isinstance(value, float) else True
