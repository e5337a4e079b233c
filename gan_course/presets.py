"""Named, measured recipes: the course's default GANs, the plain baselines, and failure cases.

Lessons, dashboards and benchmarks build their GANs here, so "the course's default 2-D GAN" means
one thing everywhere. Each recipe's numbers are measured in `BENCHMARKS.md`
(`python -m benchmarks.toy`, `python -m benchmarks.mnist`).

    trainer = presets.toy_trainer("ring", "course", seed=0)
    trainer.train(presets.TOY_STEPS)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from gan_course import data, losses, models, toys, utils
from gan_course.training import GANConfig, Trainer

__all__ = ["Recipe", "Built", "TOY_RECIPES", "TOY_STEPS", "toy_trainer", "train_with_anneal",
           "MNIST_RECIPES", "mnist_trainer", "PRESETS", "built"]

# Steps the course's 2-D recipe trains for (see BENCHMARKS.md for the seconds).
TOY_STEPS = 4000

Widths = tuple[int, ...]


@dataclass(frozen=True)
class Recipe:
    """A named GAN: what it is for, how its two networks are built, and its training settings.

    Attributes:
        description: what the recipe is for, in words; its numbers live in the fields below
            (``str(recipe)`` shows both), so the text cannot drift from them.
        G, D: build a fresh generator / discriminator from torch's global random state. A toy
            recipe's take the toy's dimension and hidden widths, an MNIST recipe's nothing.
        config: `GANConfig` fields (``latent_dim`` comes from G, ``seed`` from the call).
        hidden: a toy recipe's (G's, D's) hidden widths.
        sizes: toy name -> (G's, D's) hidden widths, replacing ``hidden`` for that toy (a harder
            toy may need bigger networks).
        threads: torch CPU threads the recipe is measured with (BENCHMARKS.md); a trainer
            pins them only when asked (``set_threads=True``).
        channels_last: keep G's and D's conv weights (and so their activations) in
            `torch.channels_last` memory order, which CPU (oneDNN) and GPU convolutions run
            faster on; the same arithmetic in another order, so the bits differ.
    """

    description: str
    G: Callable[..., nn.Module]
    D: Callable[..., nn.Module]
    config: Mapping[str, Any]
    hidden: tuple[Widths, Widths] = ((128, 128), (128, 128))
    sizes: Mapping[str, tuple[Widths, Widths]] = field(default_factory=dict)
    threads: int = 1
    channels_last: bool = False

    def widths(self, toy: str) -> tuple[Widths, Widths]:
        """(G's hidden widths, D's hidden widths) for the toy of that name."""
        return self.sizes.get(toy, self.hidden)

    def __str__(self) -> str:
        settings = ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                             for k, v in self.config.items())
        return f"{self.description} ({settings})"


@dataclass(frozen=True)
class Built:
    """How a preset built a trainer (``trainer.built``): the call that builds the same one again.

    Attributes:
        function: the preset's name in `PRESETS` ("toy_trainer", "mnist_trainer").
        arguments: the call's arguments other than the config overrides, as plain literals
            (a toy by its name), so that they can be written as Python.
        recipe_config: the config the call gives without overrides (the recipe's, with the
            call's seed and G's latent_dim): the settings a shared line need not repeat.
        unshareable: why the call cannot be written as one line (your own networks or data), or
            None.
    """

    function: str
    arguments: Mapping[str, Any]
    recipe_config: GANConfig
    unshareable: str | None = None


def built(trainer: Trainer) -> Built | None:
    """How a preset built ``trainer`` (`Built`), or None for a trainer built by hand."""
    record = getattr(trainer, "built", None)
    return record if isinstance(record, Built) else None


def _toy_name(toy: toys.ToyDistribution) -> str | None:
    """The name ``toys.get`` knows ``toy`` by, when it is that toy with its default settings."""
    try:
        default = toys.get(toy.name)
    except (ValueError, KeyError, TypeError):
        return None
    tensors = ("modes", "stds", "weights")
    same = (default.dim == toy.dim and default.bounds == toy.bounds
            and default.draw is None and toy.draw is None
            and all(torch.equal(getattr(default, k), getattr(toy, k)) for k in tensors))
    return toy.name if same else None


def _toy_G(dim: int, hidden: Widths) -> nn.Module:
    return models.MLPGenerator(8, (dim,), hidden=hidden)  # z of 8 numbers: plenty for 2-D


def _toy_D(dim: int, hidden: Widths) -> nn.Module:
    return models.MLPDiscriminator((dim,), hidden=hidden)


def _with(loss: str, **changes: Any) -> dict[str, Any]:
    """The loss and the optimizer settings the loss table gives it, with ``changes``."""
    return {"loss": loss, **losses.LOSSES[loss].optimizer, **changes}


TOY_RECIPES: dict[str, Recipe] = {
    "course": Recipe(
        "the course's default 2-D GAN: least squares, a fast Adam with a short second-moment "
        "memory, big batches, and an average of G's weights (EMA) for sampling, which removes "
        "the last jitter; a deeper G and a wider D on the grid of 25",
        _toy_G, _toy_D,
        dict(loss="least-squares", lr_G=3e-3, lr_D=3e-3, beta1=0.5, beta2=0.9,
             batch_size=512, ema=0.999),
        # Measured (BENCHMARKS.md): with 128-128 nets the grid gets 14.5/25 modes on average.
        sizes={"grid": ((128, 128, 128), (256, 256))},
    ),
    "vanilla": Recipe(
        "the plain recipe of the usual tutorials: non-saturating BCE with DCGAN's Adam, "
        "nothing else",
        _toy_G, _toy_D, _with("non-saturating", batch_size=64),
    ),
    # The three failure recipes are measured in lesson 7 (ring, seeds 0-3, one CPU thread).
    "collapse": Recipe(
        "mode collapse: G learns much faster than D, so all samples gather in one clump that "
        "hops around the ring (0/8 modes at 1,200 steps on seeds 0-2)",
        _toy_G, _toy_D,
        dict(loss="non-saturating", lr_G=2e-3, lr_D=2e-4, beta1=0.5, batch_size=64),
    ),
    "d-overpowers": Recipe(
        "D far faster than G (a higher learning rate and several D steps per G step, with the "
        "saturating loss): D(G(z)) -> 0, G's gradient vanishes (~1e-6) and the samples freeze "
        "(0/8 modes on seeds 0-3)",
        _toy_G, _toy_D,
        dict(loss="saturating", lr_G=1e-4, lr_D=1e-2, n_critic=5, batch_size=64),
    ),
    "oscillation": Recipe(
        "both players too fast, with heavy momentum: the samples jump from shape to shape "
        "without settling (0/8 modes at 1,200 steps on seeds 0-3)",
        _toy_G, _toy_D,
        dict(loss="non-saturating", lr_G=1e-2, lr_D=1e-2, beta1=0.9, batch_size=64),
    ),
}


def toy_trainer(dataset: str | toys.ToyDistribution = "ring", recipe: str = "course", *,
                seed: int = 0, device: torch.device | str = "cpu",
                hidden: tuple[int, ...] | None = None, **overrides: Any) -> Trainer:
    """A `Trainer` for a 2-D toy with a named recipe.

    Args:
        dataset: a toy name ("ring", "grid", "spiral") or a `ToyDistribution`.
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

    def build() -> tuple[nn.Module, nn.Module]:
        return r.G(toy.dim, hidden_G), r.D(toy.dim, hidden_D)

    torch.manual_seed(utils.check_seed(seed))
    G, D = build()
    base = {**r.config, "latent_dim": G.latent_dim, "seed": seed}
    trainer = Trainer(G, D, toy, GANConfig(**{**base, **overrides}), device=device, build=build)
    name = toy.name if isinstance(dataset, str) else _toy_name(toy)
    trainer.built = Built(
        "toy_trainer",
        {"dataset": name, "recipe": recipe, "seed": seed, "device": str(trainer.device),
         "hidden": None if hidden is None else tuple(hidden)},
        GANConfig(**base),
        None if name is not None else f"its toy ({toy!r}) is not one of gan_course.toys' "
                                      "named toys with their default settings")
    return trainer


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


# The course's conv nets gain from a second CPU thread (BENCHMARKS.md): measured with 2. They
# run in channels-last memory order, 24-32% faster per step on the course's machine at the same
# quality per step (BENCHMARKS.md, "Channels-last"); the tutorials' `baseline` keeps torch's
# default order, as the tutorials do.
MNIST_RECIPES: dict[str, Recipe] = {
    "mlp": Recipe(
        "lesson 4: the Keras article's MLP pair (BatchNorm in G), with G's weight average for "
        "sampling",
        models.mnist_mlp_generator, models.mnist_mlp_discriminator,
        _with("non-saturating", batch_size=64, ema=0.999), threads=2,
    ),
    "dcgan": Recipe(
        "lesson 5: the course's laptop DCGAN (narrower than the paper's pair), a faster Adam "
        "for both, a lazy penalty on D's gradient at real digits, and G's weight average; "
        "measured in BENCHMARKS.md",
        lambda: models.DCGANGenerator(100, base_channels=16),
        lambda: models.DCGANDiscriminator(base_channels=32),
        dict(loss="non-saturating", lr_G=1e-3, lr_D=1e-3, beta1=0.5, batch_size=64, ema=0.999,
             r1_gamma=1.0, r1_every=16),
        threads=2, channels_last=True,
    ),
    "slides": Recipe(
        "the slides article's full-size pair (2.4 M parameters in G): the default on a GPU",
        models.SlidesGenerator, models.SlidesDiscriminator,
        _with("non-saturating", batch_size=64, ema=0.999), threads=2, channels_last=True,
    ),
    "wgan-gp": Recipe(
        "lesson 6: a DCGAN generator and a BatchNorm-free critic with the gradient penalty, "
        "several critic steps per G step",
        lambda: models.DCGANGenerator(100, base_channels=32),
        lambda: models.ConvCritic(base_channels=32),
        _with("wgan-gp", batch_size=64, ema=0.999), threads=2, channels_last=True,
    ),
    "cdcgan": Recipe(
        "lesson 8: the conditional DCGAN (one-hot y concatenated to z, and as channel maps to "
        "D's input), the `dcgan` recipe otherwise; measured in BENCHMARKS.md",
        lambda: models.ConditionalDCGANGenerator(100, 10, base_channels=16),
        lambda: models.ConditionalDCGANDiscriminator(10, base_channels=32),
        dict(loss="non-saturating", lr_G=1e-3, lr_D=1e-3, beta1=0.5, batch_size=64, ema=0.999),
        threads=2, channels_last=True,
    ),
    "cdcgan-projection": Recipe(
        "lesson 8: the conditional DCGAN's G with a projection discriminator (label embedding "
        "dotted with D's features), the `dcgan` recipe otherwise",
        lambda: models.ConditionalDCGANGenerator(100, 10, base_channels=16),
        lambda: models.ProjectionDiscriminator(10, base_channels=32),
        dict(loss="non-saturating", lr_G=1e-3, lr_D=1e-3, beta1=0.5, batch_size=64, ema=0.999),
        threads=2, channels_last=True,
    ),
    "baseline": Recipe(
        "the plain tutorial recipe: the DCGAN paper's pair and Adam, BCE, nothing else",
        lambda: models.DCGANGenerator(100, base_channels=64),
        lambda: models.DCGANDiscriminator(base_channels=64),
        _with("non-saturating", batch_size=64), threads=2,
    ),
}


def mnist_trainer(model: str = "dcgan", *, seed: int = 0, device: torch.device | str = "cpu",
                  source: str = "bundled", set_threads: bool = False,
                  G: nn.Module | None = None, D: nn.Module | None = None,
                  real: data.TensorSampler | None = None, channels_last: bool | None = None,
                  **overrides: Any) -> Trainer:
    """A `Trainer` on MNIST for a key of `MNIST_RECIPES`.

    Args:
        model: "mlp", "dcgan", "slides", "wgan-gp", "baseline", or the conditional "cdcgan" and
            "cdcgan-projection" (lesson 8; their sampler gives labels too).
        seed: seeds the weights and the trainer.
        device: where to train.
        source: MNIST source for `data.load_mnist` ("bundled" works offline).
        set_threads: pin torch's CPU threads to the recipe's count (``Recipe.threads``); by
            default the thread count is left as it is.
        G, D: your own networks instead of the recipe's (e.g. lesson 5's ablation); the other
            one is the recipe's, the same as in ``mnist_trainer(model, seed=seed)``. The trainer
            then cannot draw new weights from a seed (``reset(seed=)``); ``reset()`` still goes
            back to the initial ones.
        real: a (labelled) sampler to train on instead of ``source``'s digits (lesson 11 trains
            the conditional GAN on a scarce subset only).
        channels_last: the recipe's memory order (`Recipe.channels_last`) unless given.
        **overrides: `GANConfig` fields that replace the recipe's.
    """
    if model not in MNIST_RECIPES:
        raise ValueError(f"unknown model {model!r}; expected one of {tuple(MNIST_RECIPES)}")
    r = MNIST_RECIPES[model]
    if set_threads:
        utils.set_threads(r.threads)
    real_given = real is not None
    if real is None:
        real = data.TensorSampler(*data.load_mnist(source=source))

    last = r.channels_last if channels_last is None else bool(channels_last)

    def build() -> tuple[nn.Module, nn.Module]:
        if not last:
            return r.G(), r.D()
        return (r.G().to(memory_format=torch.channels_last),
                r.D().to(memory_format=torch.channels_last))

    torch.manual_seed(utils.check_seed(seed))
    custom = G is not None or D is not None  # then `build` would not make these networks
    G_recipe, D_recipe = build()  # both, in order: the one kept is the plain trainer's
    G = G_recipe if G is None else G
    D = D_recipe if D is None else D
    base = {**r.config, "latent_dim": G.latent_dim, "seed": seed}
    trainer = Trainer(G, D, real, GANConfig(**{**base, **overrides}), device=device,
                      build=None if custom else build)
    why = ("it was given its own networks (G=, D=)" if custom
           else "it was given its own data (real=)" if real_given else None)
    trainer.built = Built("mnist_trainer",
                          {"model": model, "seed": seed, "device": str(trainer.device),
                           "source": source, "set_threads": set_threads,
                           "channels_last": channels_last},
                          GANConfig(**base), why)
    return trainer


# The presets a shared line (`Built`, `live.Dashboard.settings_line`) may name.
PRESETS: dict[str, Callable[..., Trainer]] = {"toy_trainer": toy_trainer,
                                              "mnist_trainer": mnist_trainer}
