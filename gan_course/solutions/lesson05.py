"""Reference answers for lesson 05, DCGAN (notebooks/05_dcgan.ipynb).

The checks in `gan_course.checks.lesson05` compare the learner's functions with these.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

__all__ = ["dcgan_init", "discriminator", "receptive_field", "generator_without_batchnorm"]


def dcgan_init(m: nn.Module) -> None:
    """DCGAN initialisation of one module, for ``model.apply(dcgan_init)``.

    Convolutions (plain and transposed): weights ~ N(0, 0.02), biases 0. BatchNorm: scale
    gamma ~ N(1, 0.02), shift beta 0. Every other module is left alone.
    """
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, mean=0.0, std=0.02)
        if m.bias is not None:  # convs followed by BatchNorm have no bias
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, mean=1.0, std=0.02)
        nn.init.zeros_(m.bias)


def discriminator(c: int) -> nn.Sequential:
    """A DCGAN discriminator for 28x28 digits: x (B, 1, 28, 28) in [-1, 1] -> logits (B,).

    Strided convolutions halve the size (no pooling), LeakyReLU(0.2) everywhere, BatchNorm on the
    hidden conv but not on the first (it sees the raw pixels), and a last 7x7 conv that reads
    the whole 7x7 map (no dense hidden layer).
    """
    return nn.Sequential(
        nn.Conv2d(1, c, 4, stride=2, padding=1),  # (B, c, 14, 14)
        nn.LeakyReLU(0.2),
        nn.Conv2d(c, 2 * c, 4, stride=2, padding=1, bias=False),  # (B, 2c, 7, 7)
        nn.BatchNorm2d(2 * c),
        nn.LeakyReLU(0.2),
        nn.Conv2d(2 * c, 1, 7),  # (B, 1, 1, 1)
        nn.Flatten(0),  # (B,)
    )


def receptive_field(layers: Sequence[tuple[int, int]]) -> int:
    """Width in input pixels that one output unit of a conv stack sees.

    Args:
        layers: (kernel size, stride) of each conv, first layer first.

    Each layer widens the field by (k - 1) times the *jump*: the distance, in input pixels,
    between neighbouring units of that layer's input (the product of the strides before it).
    """
    field, jump = 1, 1
    for k, s in layers:
        field += (k - 1) * jump
        jump *= s
    return field


def generator_without_batchnorm(latent_dim: int = 100, c: int = 16) -> nn.Sequential:
    """The course's DCGAN generator with every BatchNorm removed (and the conv biases back).

    z (B, latent_dim) -> x (B, 1, 28, 28) in [-1, 1].
    """
    return nn.Sequential(
        nn.Unflatten(1, (latent_dim, 1, 1)),  # (B, latent_dim, 1, 1)
        nn.ConvTranspose2d(latent_dim, 4 * c, 7),  # (B, 4c, 7, 7)
        nn.ReLU(),
        nn.ConvTranspose2d(4 * c, 2 * c, 4, stride=2, padding=1),  # (B, 2c, 14, 14)
        nn.ReLU(),
        nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1),  # (B, c, 28, 28)
        nn.ReLU(),
        nn.Conv2d(c, 1, 3, padding=1),  # (B, 1, 28, 28)
        nn.Tanh(),
    )
