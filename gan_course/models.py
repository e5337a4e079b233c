"""Generators and discriminators used across the course.

Every discriminator returns raw scores of shape (B,): logits for the classic losses, critic
values for the Wasserstein ones. The sigmoid lives in the loss (see `gan_course.losses`).

- `MLPGenerator`, `MLPDiscriminator`: toys and flattened MNIST (lessons 2-4).
- `SlidesGenerator`, `SlidesDiscriminator`: the slides article's convolutional pair (lessons 2, 3, 5).
- `DCGANGenerator`, `DCGANDiscriminator`: the DCGAN paper's recipe at 28x28 (lesson 5).
- `ConvCritic`: a DCGAN-shaped critic without BatchNorm for WGAN-GP (lesson 6).
- `ConditionalMLPGenerator`, `ConditionalMLPDiscriminator`: label-conditioned MLP pair.
- `ConditionalDCGANGenerator`, `ConditionalDCGANDiscriminator`, `ProjectionDiscriminator`: the
  conditional DCGAN of lesson 8 (one-hot y concatenated to z; to D's input as channel maps, or
  projected onto D's features). A conditional model has an ``n_classes`` attribute and takes
  ``(input, y)`` with integer labels y of shape (B,); the trainer passes y when G has one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

__all__ = [
    "MLPGenerator",
    "MLPDiscriminator",
    "mnist_mlp_generator",
    "mnist_mlp_discriminator",
    "SlidesGenerator",
    "SlidesDiscriminator",
    "DCGANGenerator",
    "DCGANDiscriminator",
    "ConvCritic",
    "ConditionalMLPGenerator",
    "ConditionalMLPDiscriminator",
    "ConditionalDCGANGenerator",
    "ConditionalDCGANDiscriminator",
    "ProjectionDiscriminator",
    "one_hot",
    "dcgan_init_",
    "count_parameters",
]

_ACTIVATIONS = ("relu", "leaky_relu")


def _activation(name: str) -> nn.Module:
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(0.2)
    raise ValueError(f"expected activation in {_ACTIVATIONS}, got {name!r}")


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"expected {name} to be a positive integer, got {value!r}")


def count_parameters(module: nn.Module, *, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters; BatchNorm's running statistics are buffers, not counted."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


@torch.no_grad()
def dcgan_init_(module: nn.Module) -> nn.Module:
    """DCGAN paper initialisation, in place: conv weights ~ N(0, 0.02), BN scale ~ N(1, 0.02)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d | nn.BatchNorm1d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


class MLPGenerator(nn.Module):
    """Fully connected generator: z (B, latent_dim) -> x (B, *out_shape).

    Args:
        latent_dim: size of the noise vector z.
        out_shape: shape of one sample, e.g. (2,) for 2-D toys or (1, 28, 28) for MNIST.
        hidden: widths of the hidden layers.
        activation: "relu" or "leaky_relu" (slope 0.2).
        batchnorm: BatchNorm after each hidden activation (the Keras article's MNIST generator).
        bn_momentum: torch BatchNorm momentum (Keras' momentum 0.8 is torch's 0.2).
        out_activation: "tanh" for images in [-1, 1], None for unbounded toy data.
    """

    def __init__(
        self, latent_dim: int = 2, out_shape: Sequence[int] = (2,), *,
        hidden: Sequence[int] = (128, 128), activation: str = "relu", batchnorm: bool = False,
        bn_momentum: float = 0.1, out_activation: str | None = None,
    ) -> None:
        super().__init__()
        _check_positive(latent_dim=latent_dim)
        if out_activation not in (None, "tanh"):
            raise ValueError(f"expected out_activation None or 'tanh', got {out_activation!r}")
        self.latent_dim = latent_dim
        self.out_shape = tuple(out_shape)
        layers: list[nn.Module] = []
        width = latent_dim
        for h in hidden:
            layers += [nn.Linear(width, h), _activation(activation)]
            if batchnorm:
                layers.append(nn.BatchNorm1d(h, momentum=bn_momentum))
            width = h
        layers.append(nn.Linear(width, math.prod(self.out_shape)))
        if out_activation == "tanh":
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        x = self.net(z)  # (B, prod(out_shape))
        return x.view(z.shape[0], *self.out_shape)  # (B, *out_shape)


class MLPDiscriminator(nn.Module):
    """Fully connected discriminator: x (B, *in_shape) -> logits (B,).

    Args:
        in_shape: shape of one sample, e.g. (2,) or (1, 28, 28); input is flattened.
        hidden: widths of the hidden layers.
        activation: "relu" or "leaky_relu" (slope 0.2).
        dropout: dropout probability after each hidden activation (0 = none).
        spectral_norm: wrap every linear layer in spectral normalisation (lesson 7).
    """

    def __init__(
        self, in_shape: Sequence[int] = (2,), *, hidden: Sequence[int] = (128, 128),
        activation: str = "leaky_relu", dropout: float = 0.0, spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        self.in_shape = tuple(in_shape)
        wrap = _sn if spectral_norm else (lambda m: m)
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(self.in_shape)
        for h in hidden:
            layers += [wrap(nn.Linear(width, h)), _activation(activation)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(wrap(nn.Linear(width, 1)))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(1)  # (B,)


def mnist_mlp_generator(latent_dim: int = 100) -> MLPGenerator:
    """The Keras article's MNIST generator: 256-512-1024, LeakyReLU(0.2), BatchNorm, tanh output."""
    return MLPGenerator(latent_dim, (1, 28, 28), hidden=(256, 512, 1024), activation="leaky_relu",
                        batchnorm=True, bn_momentum=0.2, out_activation="tanh")


def mnist_mlp_discriminator(*, spectral_norm: bool = False) -> MLPDiscriminator:
    """The Keras article's MNIST discriminator: 512-256 with LeakyReLU(0.2)."""
    return MLPDiscriminator((1, 28, 28), hidden=(512, 256), activation="leaky_relu",
                            spectral_norm=spectral_norm)


class SlidesGenerator(nn.Module):
    """The slides article's convolutional generator, layer for layer (2,368,705 trainable parameters).

    100 -> dense 7x7x256 -> up + 5x5 conv 128 -> up + 64 -> 32 -> 1. The article ends in a sigmoid for
    pixels in [0, 1]; the course scales images to [-1, 1] so this one ends in tanh.

    Args:
        latent_dim: size of z (100 in the article).
        depth: channels after the dense layer (256 in the article); later blocks use depth/2, /4, /8.
        dropout: dropout after the dense block (0.4 in the article).
    """

    def __init__(self, latent_dim: int = 100, *, depth: int = 256, dropout: float = 0.4) -> None:
        super().__init__()
        _check_positive(latent_dim=latent_dim, depth=depth)
        self.latent_dim, self.depth = latent_dim, depth
        self.dense = nn.Sequential(
            nn.Linear(latent_dim, 7 * 7 * depth), nn.BatchNorm1d(7 * 7 * depth),
            nn.ReLU(), nn.Dropout(dropout),
        )

        def block(c_in: int, c_out: int, upsample: bool) -> list[nn.Module]:
            up = [nn.Upsample(scale_factor=2)] if upsample else []
            # A 5x5 stride-1 transposed conv with padding 2 keeps the size ('same' in Keras).
            return up + [nn.ConvTranspose2d(c_in, c_out, 5, padding=2), nn.BatchNorm2d(c_out),
                         nn.ReLU()]

        self.convs = nn.Sequential(
            *block(depth, depth // 2, upsample=True),        # (B, 128, 14, 14)
            *block(depth // 2, depth // 4, upsample=True),   # (B, 64, 28, 28)
            *block(depth // 4, depth // 8, upsample=False),  # (B, 32, 28, 28)
            nn.ConvTranspose2d(depth // 8, 1, 5, padding=2),  # (B, 1, 28, 28)
            nn.Tanh(),
        )

    def forward(self, z: Tensor) -> Tensor:
        h = self.dense(z)  # (B, 7*7*depth)
        h = h.view(z.shape[0], self.depth, 7, 7)  # (B, 256, 7, 7)
        return self.convs(h)  # (B, 1, 28, 28) in [-1, 1]


class SlidesDiscriminator(nn.Module):
    """The slides article's convolutional discriminator: four 5x5 convs, 28 -> 14 -> 7 -> 4 -> 4.

    Args:
        depth: channels of the first conv (64 in the article); then x2, x4, x8.
        dropout: dropout after every conv (0.4 in the article).
    """

    def __init__(self, *, depth: int = 64, dropout: float = 0.4) -> None:
        super().__init__()
        _check_positive(depth=depth)

        def block(c_in: int, c_out: int, stride: int) -> list[nn.Module]:
            return [nn.Conv2d(c_in, c_out, 5, stride=stride, padding=2), nn.LeakyReLU(0.2),
                    nn.Dropout(dropout)]

        self.convs = nn.Sequential(
            *block(1, depth, 2),              # (B, 64, 14, 14)
            *block(depth, depth * 2, 2),      # (B, 128, 7, 7)
            *block(depth * 2, depth * 4, 2),  # (B, 256, 4, 4)
            *block(depth * 4, depth * 8, 1),  # (B, 512, 4, 4)
        )
        self.head = nn.Linear(depth * 8 * 4 * 4, 1)

    def forward(self, x: Tensor) -> Tensor:
        h = self.convs(x).flatten(1)  # (B, 512*4*4)
        return self.head(h).squeeze(1)  # (B,)


class DCGANGenerator(nn.Module):
    """DCGAN-style generator for 28x28: transposed convs, BatchNorm, ReLU, tanh; no dense layers.

    Args:
        latent_dim: size of z.
        base_channels: width; the first feature map has 4 * base_channels channels.
    """

    def __init__(self, latent_dim: int = 100, *, base_channels: int = 64) -> None:
        super().__init__()
        _check_positive(latent_dim=latent_dim, base_channels=base_channels)
        self.latent_dim = latent_dim
        c = base_channels
        self.net = nn.Sequential(
            # z seen as a 1x1 image with latent_dim channels: (B, latent_dim, 1, 1)
            nn.ConvTranspose2d(latent_dim, 4 * c, 7, bias=False),  # (B, 4c, 7, 7)
            nn.BatchNorm2d(4 * c), nn.ReLU(),
            nn.ConvTranspose2d(4 * c, 2 * c, 4, stride=2, padding=1, bias=False),  # (B, 2c, 14, 14)
            nn.BatchNorm2d(2 * c), nn.ReLU(),
            nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1, bias=False),  # (B, c, 28, 28)
            nn.BatchNorm2d(c), nn.ReLU(),
            nn.Conv2d(c, 1, 3, padding=1),  # (B, 1, 28, 28)
            nn.Tanh(),
        )
        dcgan_init_(self)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z.view(z.shape[0], self.latent_dim, 1, 1))  # (B, 1, 28, 28)


class DCGANDiscriminator(nn.Module):
    """DCGAN-style discriminator for 28x28: strided convs, BatchNorm, LeakyReLU(0.2); no pooling.

    Args:
        base_channels: width of the first conv.
        batchnorm: BatchNorm on the hidden conv (off for a WGAN-GP critic, see `ConvCritic`).
        spectral_norm: spectral normalisation on every conv (lesson 7).
    """

    def __init__(
        self, *, base_channels: int = 64, batchnorm: bool = True, spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        _check_positive(base_channels=base_channels)
        c = base_channels
        wrap = _sn if spectral_norm else (lambda m: m)
        norm = [nn.BatchNorm2d(2 * c)] if batchnorm else []
        self.net = nn.Sequential(
            wrap(nn.Conv2d(1, c, 4, stride=2, padding=1)), nn.LeakyReLU(0.2),  # (B, c, 14, 14)
            wrap(nn.Conv2d(c, 2 * c, 4, stride=2, padding=1, bias=not batchnorm)),  # (B, 2c, 7, 7)
            *norm, nn.LeakyReLU(0.2),
            wrap(nn.Conv2d(2 * c, 1, 7)),  # (B, 1, 1, 1)
        )
        dcgan_init_(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).flatten()  # (B,)


class ConvCritic(DCGANDiscriminator):
    """WGAN-GP critic: the DCGAN discriminator without BatchNorm, whose batch statistics would mix
    samples and break the per-sample gradient the penalty needs."""

    def __init__(self, *, base_channels: int = 64) -> None:
        super().__init__(base_channels=base_channels, batchnorm=False)


class ConditionalMLPGenerator(nn.Module):
    """G(z, y): the one-hot label is concatenated to z. (B, latent_dim), (B,) -> (B, *out_shape)."""

    def __init__(
        self, latent_dim: int = 100, n_classes: int = 10, out_shape: Sequence[int] = (1, 28, 28),
        *, hidden: Sequence[int] = (256, 512), out_activation: str | None = "tanh",
    ) -> None:
        super().__init__()
        _check_positive(latent_dim=latent_dim, n_classes=n_classes)
        self.latent_dim, self.n_classes = latent_dim, n_classes
        self.body = MLPGenerator(latent_dim + n_classes, out_shape, hidden=hidden,
                                 activation="leaky_relu", batchnorm=True,
                                 out_activation=out_activation)

    def forward(self, z: Tensor, y: Tensor) -> Tensor:
        onehot = nn.functional.one_hot(y, self.n_classes).to(z)  # (B, n_classes)
        return self.body(torch.cat([z, onehot], dim=1))


class ConditionalMLPDiscriminator(nn.Module):
    """D(x, y): the one-hot label is concatenated to the flattened x. Returns logits (B,)."""

    def __init__(
        self, in_shape: Sequence[int] = (1, 28, 28), n_classes: int = 10, *,
        hidden: Sequence[int] = (512, 256),
    ) -> None:
        super().__init__()
        _check_positive(n_classes=n_classes)
        self.n_classes = n_classes
        self.body = MLPDiscriminator((math.prod(in_shape) + n_classes,), hidden=hidden)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        onehot = nn.functional.one_hot(y, self.n_classes).to(x)  # (B, n_classes)
        return self.body(torch.cat([x.flatten(1), onehot], dim=1))


def one_hot(y: Tensor, n_classes: int) -> Tensor:
    """Integer labels (B,) in 0..n_classes-1 -> float one-hot rows (B, n_classes)."""
    if y.dim() != 1 or y.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8):
        raise ValueError(f"expected integer labels of shape (B,), got {y.dtype} {tuple(y.shape)}")
    return nn.functional.one_hot(y.long(), n_classes).float()


class ConditionalDCGANGenerator(nn.Module):
    """G(z, y) of lesson 8: the DCGAN generator fed [z, one_hot(y)]. (B, latent_dim), (B,) -> x.

    The label is one more part of the 1x1 input "image", so every layer after the first is
    computed from both z and y. Layers and names are those of `DCGANGenerator` (input
    latent_dim + n_classes channels).

    Args:
        latent_dim: size of z.
        n_classes: number of labels (10 digits).
        base_channels: width; the first feature map has 4 * base_channels channels.
    """

    def __init__(self, latent_dim: int = 100, n_classes: int = 10, *,
                 base_channels: int = 16) -> None:
        super().__init__()
        _check_positive(latent_dim=latent_dim, n_classes=n_classes, base_channels=base_channels)
        self.latent_dim, self.n_classes = latent_dim, n_classes
        self.net = DCGANGenerator(latent_dim + n_classes, base_channels=base_channels).net

    def forward(self, z: Tensor, y: Tensor) -> Tensor:
        h = torch.cat([z, one_hot(y, self.n_classes).to(z)], dim=1)  # (B, latent_dim + n_classes)
        return self.net(h.view(len(h), -1, 1, 1))  # (B, 1, 28, 28) in [-1, 1]


class ConditionalDCGANDiscriminator(nn.Module):
    """D(x, y) of lesson 8: the label as n_classes constant channel maps stacked onto the image.

    Map k is 1 everywhere if y = k, else 0, so the first conv sees the label at every position
    and every later layer can combine strokes with the class. Logits (B,).

    Args:
        n_classes: number of labels.
        base_channels: width of the first conv.
    """

    def __init__(self, n_classes: int = 10, *, base_channels: int = 32) -> None:
        super().__init__()
        _check_positive(n_classes=n_classes, base_channels=base_channels)
        self.n_classes, c = n_classes, base_channels
        self.net = nn.Sequential(
            nn.Conv2d(1 + n_classes, c, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # (B, c, 14, 14)
            nn.Conv2d(c, 2 * c, 4, stride=2, padding=1, bias=False),  # (B, 2c, 7, 7)
            nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * c, 1, 7),  # (B, 1, 1, 1)
        )
        dcgan_init_(self)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        maps = one_hot(y, self.n_classes).to(x)[:, :, None, None]  # (B, n_classes, 1, 1)
        maps = maps.expand(-1, -1, *x.shape[2:])  # (B, n_classes, 28, 28)
        return self.net(torch.cat([x, maps], dim=1)).flatten()  # (B,)


class ProjectionDiscriminator(nn.Module):
    """D(x, y) with a projection head (Miyato & Koyama, 2018): psi(h) + <embed(y), h>.

    The conv stack of `DCGANDiscriminator` computes features h (B, 2c*7*7) from the image alone;
    a linear head scores "is it a digit", and the label's learnt vector, dotted with h, scores
    "is it *this* digit". Logits (B,).

    Args:
        n_classes: number of labels.
        base_channels: width of the first conv.
    """

    def __init__(self, n_classes: int = 10, *, base_channels: int = 32) -> None:
        super().__init__()
        _check_positive(n_classes=n_classes, base_channels=base_channels)
        self.n_classes, c = n_classes, base_channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # (B, c, 14, 14)
            nn.Conv2d(c, 2 * c, 4, stride=2, padding=1, bias=False),  # (B, 2c, 7, 7)
            nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2),
            nn.Flatten(),  # (B, 2c*7*7)
        )
        self.head = nn.Linear(2 * c * 7 * 7, 1)
        self.embed = nn.Embedding(n_classes, 2 * c * 7 * 7)
        dcgan_init_(self)
        nn.init.normal_(self.embed.weight, 0.0, 0.02)  # the same small scale as the head

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        h = self.features(x)  # (B, 2c*7*7)
        return self.head(h).squeeze(1) + (self.embed(y.long()) * h).sum(dim=1)  # (B,)
