"""Named, measured recipes: the course's default GANs, the plain baselines, and failure cases.

Lessons, dashboards and benchmarks build their GANs here, so "the course's default 2-D GAN" means
one thing everywhere. Each recipe's numbers are measured in `BENCHMARKS.md`
(`python -m benchmarks.toy`, `python -m benchmarks.mnist`).

    trainer = presets.toy_trainer("ring", "course", seed=0)
    trainer.train(presets.TOY_STEPS)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from gan_course import data, models, toys, utils
from gan_course.training import GANConfig, Trainer

__all__ = ["ToyRecipe", "TOY_RECIPES", "TOY_STEPS", "toy_trainer", "train_with_anneal", "MNIST_RECIPES", "mnist_trainer"]

# Steps the course's 2-D recipe trains for (see BENCHMARKS.md for the seconds).
TOY_STEPS = 4000


@dataclass(frozen=True)
class ToyRecipe:
    """An MLP GAN for 2-D toys: widths, latent size and the training config.

    Attributes:
        description: one line saying what the recipe is for.
        latent_dim: size of z.
        hidden: widths of G's and D's hidden layers.
        spectral_norm: spectral normalisation in D.
        config: `GANConfig` fields (latent_dim is filled in).
        sizes: toy name -> (G's hidden widths, D's hidden widths), replacing ``hidden`` for that
            toy (a harder toy may need bigger networks).
    """

    description: str
    latent_dim: int = 8
    hidden: tuple[int, ...] = (128, 128)
    spectral_norm: bool = False
    config: dict[str, Any] = field(default_factory=dict)
    sizes: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=dict)

    def widths(self, toy: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(G's hidden widths, D's hidden widths) for the toy of that name."""
        return self.sizes.get(toy, (self.hidden, self.hidden))


TOY_RECIPES: dict[str, ToyRecipe] = {
    "course": ToyRecipe(
        "the course's default: least squares, lr 3e-3 with Adam (0.5, 0.9), batch 512, and an "
        "average of G's weights (EMA 0.999) for sampling, which removes the last jitter; on the "
        "grid of 25 a deeper G (128-128-128) and a wider D (256-256)",
        config=dict(loss="least-squares", lr_G=3e-3, lr_D=3e-3, beta1=0.5, beta2=0.9,
                    batch_size=512, ema=0.999),
        # Measured (BENCHMARKS.md): with 128-128 nets the grid gets 14.5/25 modes on average.
        sizes={"grid": ((128, 128, 128), (256, 256))},
    ),
    "vanilla": ToyRecipe(
        "the plain recipe of the usual tutorials: non-saturating BCE, Adam 2e-4 (0.5, 0.999), "
        "batch 64, nothing else",
        config=dict(loss="non-saturating", lr_G=2e-4, lr_D=2e-4, beta1=0.5, beta2=0.999,
                    batch_size=64),
    ),
    # The three failure recipes are measured in lesson 7 (ring, seeds 0-3, one CPU thread).
    "collapse": ToyRecipe(
        "mode collapse: G learns 10x faster than D, so all samples gather in one clump that hops "
        "around the ring (0/8 modes at 1,200 steps on seeds 0-2)",
        config=dict(loss="non-saturating", lr_G=2e-3, lr_D=2e-4, beta1=0.5, batch_size=64),
    ),
    "d-overpowers": ToyRecipe(
        "D far faster than G (lr_D 100x lr_G, 5 D steps, saturating loss): D(G(z)) -> 0, G's "
        "gradient vanishes (~1e-6) and the samples freeze (0/8 modes on seeds 0-3)",
        config=dict(loss="saturating", lr_G=1e-4, lr_D=1e-2, n_critic=5, batch_size=64),
    ),
    "oscillation": ToyRecipe(
        "both players too fast with heavy momentum (lr 1e-2, beta1 0.9): the samples jump "
        "from shape to shape without settling (0/8 modes at 1,200 steps on seeds 0-3)",
        config=dict(loss="non-saturating", lr_G=1e-2, lr_D=1e-2, beta1=0.9, batch_size=64),
    ),
}


def toy_trainer(dataset: str | toys.ToyDistribution = "ring", recipe: str = "course", *,
                seed: int = 0, device: torch.device | str = "cpu",
                hidden: tuple[int, ...] | None = None, **overrides: Any) -> Trainer:
    """A `Trainer` for a 2-D toy with a named recipe.

    Args:
        dataset: a toy name ("ring", "grid", "spiral", "moons") or a `ToyDistribution`.
        recipe: a key of `TOY_RECIPES`.
        seed: seeds the weights and the trainer.
        device: where to train.
        hidden: widths of both networks' hidden layers, instead of the recipe's for this toy.
        **overrides: `GANConfig` fields that replace the recipe's.
    """
    if recipe not in TOY_RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}; expected one of {tuple(TOY_RECIPES)}")
    r = TOY_RECIPES[recipe]
    toy = toys.get(dataset) if isinstance(dataset, str) else dataset
    hidden_G, hidden_D = r.widths(toy.name) if hidden is None else (tuple(hidden), tuple(hidden))

    def build() -> tuple[models.MLPGenerator, models.MLPDiscriminator]:
        return (models.MLPGenerator(r.latent_dim, (toy.dim,), hidden=hidden_G),
                models.MLPDiscriminator((toy.dim,), hidden=hidden_D, spectral_norm=r.spectral_norm))

    config = GANConfig(**{**r.config, "latent_dim": r.latent_dim, "seed": seed, **overrides})
    torch.manual_seed(config.seed)
    G, D = build()
    return Trainer(G, D, toy, config, device=device, build=build)


def train_with_anneal(trainer: Trainer, steps: int, *, anneal: float = 0.3) -> Trainer:
    """Train ``steps`` steps, lowering both learning rates linearly to 0 over the last ``anneal``
    share of them (a live `Trainer.update` each step). Settling at the end tightens the samples
    around the modes; the benchmarks use it, the live dashboard does not."""
    if not 0 <= anneal <= 1:
        raise ValueError(f"expected anneal in [0, 1], got {anneal!r}")
    lr_G, lr_D = trainer.config.lr_G, trainer.config.lr_D
    start = int(steps * (1 - anneal))
    for i in range(steps):
        if i >= start:
            left = (steps - i) / (steps - start)
            trainer.update(lr_G=lr_G * left, lr_D=lr_D * left)
        trainer.step()
    trainer.update(lr_G=lr_G, lr_D=lr_D)
    return trainer


# MNIST recipes: (description, G factory, D factory, GANConfig fields, CPU threads).
MNIST_RECIPES: dict[str, tuple[str, Any, Any, dict[str, Any], int]] = {
    "mlp": (
        "lesson 4: the Keras seed's MLP pair (G 256-512-1024 + BatchNorm, D 512-256)",
        models.mnist_mlp_generator, models.mnist_mlp_discriminator,
        dict(loss="non-saturating", lr_G=2e-4, lr_D=2e-4, beta1=0.5, batch_size=64, ema=0.999), 2,
    ),
    "dcgan": (
        "lesson 5: the course's laptop DCGAN (G 16, D 32 base channels), Adam 1e-3 (0.5, 0.999) "
        "for both, batch 64, G's weight average (EMA 0.999); measured in BENCHMARKS.md",
        lambda: models.DCGANGenerator(100, base_channels=16),
        lambda: models.DCGANDiscriminator(base_channels=32),
        dict(loss="non-saturating", lr_G=1e-3, lr_D=1e-3, beta1=0.5, batch_size=64, ema=0.999), 2,
    ),
    "slides": (
        "the slides seed's full-size pair (2.4 M parameters in G): the default on a GPU",
        models.SlidesGenerator, models.SlidesDiscriminator,
        dict(loss="non-saturating", lr_G=2e-4, lr_D=2e-4, beta1=0.5, batch_size=64, ema=0.999), 2,
    ),
    "wgan-gp": (
        "lesson 6: DCGAN generator, BatchNorm-free critic, gradient penalty 10, 5 critic steps",
        lambda: models.DCGANGenerator(100, base_channels=32),
        lambda: models.ConvCritic(base_channels=32),
        dict(loss="wgan-gp", lr_G=1e-4, lr_D=1e-4, beta1=0.5, beta2=0.9, n_critic=5,
             batch_size=64, ema=0.999), 2,
    ),
    "cdcgan": (
        "lesson 8: the conditional DCGAN (one-hot y concatenated to z, and as 10 channel maps "
        "to D's input), the `dcgan` recipe otherwise; measured in BENCHMARKS.md",
        lambda: models.ConditionalDCGANGenerator(100, 10, base_channels=16),
        lambda: models.ConditionalDCGANDiscriminator(10, base_channels=32),
        dict(loss="non-saturating", lr_G=1e-3, lr_D=1e-3, beta1=0.5, batch_size=64, ema=0.999), 2,
    ),
    "cdcgan-projection": (
        "lesson 8: the conditional DCGAN's G with a projection discriminator (label embedding "
        "dotted with D's features), the `dcgan` recipe otherwise",
        lambda: models.ConditionalDCGANGenerator(100, 10, base_channels=16),
        lambda: models.ProjectionDiscriminator(10, base_channels=32),
        dict(loss="non-saturating", lr_G=1e-3, lr_D=1e-3, beta1=0.5, batch_size=64, ema=0.999), 2,
    ),
    "baseline": (
        "the plain tutorial recipe: DCGAN pair (base 64), BCE, Adam 2e-4 (0.5, 0.999), batch 64",
        lambda: models.DCGANGenerator(100, base_channels=64),
        lambda: models.DCGANDiscriminator(base_channels=64),
        dict(loss="non-saturating", lr_G=2e-4, lr_D=2e-4, beta1=0.5, batch_size=64), 2,
    ),
}


def mnist_trainer(model: str = "dcgan", *, seed: int = 0, device: torch.device | str = "cpu",
                  source: str = "bundled", set_threads: bool = True,
                  real: data.TensorSampler | None = None, **overrides: Any) -> Trainer:
    """A `Trainer` on MNIST for a key of `MNIST_RECIPES`.

    Args:
        model: "mlp", "dcgan", "slides", "wgan-gp", "baseline", or the conditional "cdcgan" and
            "cdcgan-projection" (lesson 8; their sampler gives labels too).
        seed: seeds the weights and the trainer.
        device: where to train.
        source: MNIST source for `data.load_mnist` ("bundled" works offline).
        set_threads: pin torch's CPU threads to the recipe's count (2 for these conv nets).
        real: a (labelled) sampler to train on instead of ``source``'s digits (lesson 11 trains
            the conditional GAN on a scarce subset only).
        **overrides: `GANConfig` fields that replace the recipe's.
    """
    if model not in MNIST_RECIPES:
        raise ValueError(f"unknown model {model!r}; expected one of {tuple(MNIST_RECIPES)}")
    _, make_G, make_D, config, threads = MNIST_RECIPES[model]
    if set_threads:
        torch.set_num_threads(threads)
    if real is None:
        real = data.TensorSampler(*data.load_mnist(source=source))

    def build() -> tuple[torch.nn.Module, torch.nn.Module]:
        return make_G(), make_D()

    utils.check_seed(seed)
    torch.manual_seed(seed)
    G, D = build()
    cfg = GANConfig(**{**config, "latent_dim": G.latent_dim, "seed": seed, **overrides})
    return Trainer(G, D, real, cfg, device=device, build=build)
