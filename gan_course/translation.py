"""Image-to-image translation on digits: pix2pix (paired) and CycleGAN (unpaired).

Lesson 10 (notebooks/10_image_translation.ipynb) writes each piece out first; this module keeps
them so the benchmark, the tests and the live panel reuse the lesson's code:

- the two domains: X = MNIST digits, Y = the same style with thick strokes, ``dilate(x)``, and the
  style measure ``ink(x)`` (ink per digit, in pixels);
- the networks: ``UNetGenerator`` (encoder-decoder with skip connections) and
  ``PatchDiscriminator`` (one logit per overlapping patch);
- the losses: ``cycle_loss`` and ``pix2pix_g_loss``; the adversarial parts are the course's
  least-squares losses (`gan_course.losses`), applied to every patch score;
- the trainers: ``Pix2Pix`` (one G, one D) and ``CycleGAN`` (G: X -> Y, F: Y -> X, D_X, D_Y),
  small objects you ``step()``; each step returns a dict of floats and knows nothing of widgets.

Images are float tensors (B, 1, 28, 28) in [-1, 1] (background -1, ink +1).
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as nnf
from torch import Tensor, nn

from gan_course import losses
from gan_course.data import TensorSampler

__all__ = [
    "dilate",
    "ink",
    "unpaired_domains",
    "UNetGenerator",
    "PatchDiscriminator",
    "cycle_loss",
    "pix2pix_g_loss",
    "Pix2PixConfig",
    "Pix2Pix",
    "CycleConfig",
    "CycleGAN",
    "translate",
]


def _check_images(x: Tensor, name: str = "x") -> None:
    if not isinstance(x, Tensor) or x.dim() != 4 or x.shape[1] != 1:
        got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"expected {name} of shape (B, 1, H, W), got {got}")


def dilate(x: Tensor, *, size: int = 3) -> Tensor:
    """Thicken the strokes: each pixel takes the brightest value in its ``size`` x ``size`` window.

    This is morphological dilation, written as a stride-1 max-pool. It keeps the digit readable
    and roughly doubles its ink at ``size=3`` on MNIST.

    Args:
        x: images (B, 1, H, W) in [-1, 1].
        size: odd window width >= 1 (1 leaves x unchanged).

    Returns:
        Images of the same shape, in [-1, 1].
    """
    _check_images(x)
    if size < 1 or size % 2 == 0:
        raise ValueError(f"expected an odd size >= 1, got {size}")
    return nnf.max_pool2d(x, size, stride=1, padding=size // 2)


def ink(x: Tensor) -> Tensor:
    """The style measure: ink per digit, sum over pixels of (x + 1) / 2.

    Args:
        x: images (B, 1, H, W) in [-1, 1].

    Returns:
        (B,) ink in pixels (a fully white pixel counts 1), between 0 and H * W.
    """
    _check_images(x)
    return ((x.clamp(-1, 1) + 1) / 2).sum(dim=(1, 2, 3))


def unpaired_domains(images: Tensor, labels: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Split digits into two sets with no digit in both: X = the even rows as written, Y = the
    odd rows with thick strokes.

    Alternate rows rather than halves: the bundled test set's second half comes from other
    writers, with about 10% more ink, which would shift Y's style measure away from dilate(X).

    Args:
        images: (N, 1, 28, 28) in [-1, 1], N >= 2; labels: (N,).

    Returns:
        ``(x, labels_x, y, labels_y)``: x (ceil(N / 2), 1, 28, 28), y (N // 2, 1, 28, 28) =
        ``dilate`` of the other rows, and their labels (the training never sees labels).
    """
    _check_images(images, "images")
    if labels.shape != (images.shape[0],) or images.shape[0] < 2:
        raise ValueError(f"expected N >= 2 images and labels of shape (N,), got "
                         f"{tuple(images.shape)} and {tuple(labels.shape)}")
    return images[0::2], labels[0::2], dilate(images[1::2]), labels[1::2]


class UNetGenerator(nn.Module):
    """A small encoder-decoder with skip connections (a two-level U-Net) for 28x28 images.

    Encoder 28 -> 14 -> 7, decoder 7 -> 14 -> 28; each decoder stage also receives the encoder's
    map of the same size, so fine detail (where the strokes are) need not squeeze through 7x7.

    Args:
        c: channels of the first stage (the second has 2c).

    Shapes: x (B, 1, 28, 28) in [-1, 1] -> (B, 1, 28, 28) in [-1, 1].
    """

    def __init__(self, c: int = 16) -> None:
        super().__init__()
        if c < 1:
            raise ValueError(f"expected c >= 1, got {c}")
        self.down1 = nn.Sequential(nn.Conv2d(1, c, 4, 2, 1), nn.LeakyReLU(0.2))  # (B, c, 14, 14)
        self.down2 = nn.Sequential(nn.Conv2d(c, 2 * c, 4, 2, 1), nn.InstanceNorm2d(2 * c, affine=True),
                                   nn.LeakyReLU(0.2))  # (B, 2c, 7, 7)
        self.up1 = nn.Sequential(nn.ConvTranspose2d(2 * c, c, 4, 2, 1),
                                 nn.InstanceNorm2d(c, affine=True), nn.ReLU())  # (B, c, 14, 14)
        self.up2 = nn.Sequential(nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.ReLU())  # (B, c, 28, 28)
        self.out = nn.Sequential(nn.Conv2d(c + 1, 1, 3, 1, 1), nn.Tanh())  # (B, 1, 28, 28)

    def forward(self, x: Tensor) -> Tensor:
        h1 = self.down1(x)  # (B, c, 14, 14)
        h2 = self.down2(h1)  # (B, 2c, 7, 7)
        u1 = self.up1(h2)  # (B, c, 14, 14)
        u2 = self.up2(torch.cat([u1, h1], dim=1))  # skip: (B, 2c, 14, 14) -> (B, c, 28, 28)
        return self.out(torch.cat([u2, x], dim=1))  # skip: (B, c + 1, 28, 28) -> (B, 1, 28, 28)


class PatchDiscriminator(nn.Module):
    """PatchGAN: one logit per overlapping patch instead of one per image.

    Two 4x4 stride-2 convs and a 3x3 conv: a (B, 1, 7, 7) map whose every entry sees an 18x18
    patch of the input (lesson 05's receptive-field rule on [(4, 2), (4, 2), (3, 1)]).

    Args:
        c: channels of the first conv (the second has 2c).

    Shapes: x (B, 1, 28, 28) -> logits (B, 1, 7, 7).
    """

    def __init__(self, c: int = 16) -> None:
        super().__init__()
        if c < 1:
            raise ValueError(f"expected c >= 1, got {c}")
        self.net = nn.Sequential(
            nn.Conv2d(1, c, 4, 2, 1), nn.LeakyReLU(0.2),  # (B, c, 14, 14)
            nn.Conv2d(c, 2 * c, 4, 2, 1), nn.InstanceNorm2d(2 * c, affine=True),
            nn.LeakyReLU(0.2),  # (B, 2c, 7, 7)
            nn.Conv2d(2 * c, 1, 3, 1, 1),  # (B, 1, 7, 7)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


def _patches(scores: Tensor) -> Tensor:
    """(B, 1, h, w) patch scores -> (B * h * w,): every patch is one sample of the loss."""
    return scores.reshape(-1)


def cycle_loss(x: Tensor, x_rec: Tensor) -> Tensor:
    r"""Cycle-consistency: mean absolute difference between x and its round trip.

    .. math:: L_\text{cyc} = \mathbb{E}_x\,\lVert F(G(x)) - x\rVert_1 \quad(\text{mean over pixels})

    Args:
        x: images (B, 1, H, W); x_rec: their reconstructions F(G(x)), same shape.
    """
    if x.shape != x_rec.shape:
        raise ValueError(f"expected x_rec of shape {tuple(x.shape)}, got {tuple(x_rec.shape)}")
    return (x_rec - x).abs().mean()


def pix2pix_g_loss(d_fake: Tensor, y_fake: Tensor, y_real: Tensor, *,
                   lambda_l1: float) -> Tensor:
    r"""pix2pix generator loss: adversarial (least squares, per patch) + lambda * L1 to the target.

    .. math:: L_G = \tfrac12\,\mathbb{E}[(D(x, G(x)) - 1)^2] + \lambda\,\mathbb{E}\lvert y - G(x)\rvert

    Args:
        d_fake: D's patch logits on the fakes, (B, 1, h, w).
        y_fake: G(x), (B, 1, H, W); y_real: the paired targets, same shape.
        lambda_l1: weight of the L1 term (0: adversarial only).
    """
    if y_fake.shape != y_real.shape:
        raise ValueError(f"expected y_real of shape {tuple(y_fake.shape)}, got {tuple(y_real.shape)}")
    return losses.g_loss_least_squares(_patches(d_fake)) + lambda_l1 * (y_fake - y_real).abs().mean()


def _d_loss(D: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
    return losses.d_loss_least_squares(_patches(D(real)), _patches(D(fake.detach())))


def _adam(*modules: nn.Module, lr: float) -> torch.optim.Adam:
    params = [p for m in modules for p in m.parameters()]
    return torch.optim.Adam(params, lr=lr, betas=(0.5, 0.999))


@dataclass
class Pix2PixConfig:
    """pix2pix on paired digits (x, dilate(x)).

    lambda_l1 = 100 follows the pix2pix paper; lambda_adv = 0 turns the adversarial term off (L1
    only) and lambda_l1 = 0 leaves the adversarial term alone.
    """

    lambda_l1: float = 100.0
    lambda_adv: float = 1.0
    lr: float = 2e-3  # ten times the paper's 2e-4: a 28x28 net trained for a minute
    batch_size: int = 64
    channels: int = 16
    seed: int = 0

    def __post_init__(self) -> None:
        if self.lambda_l1 < 0 or self.lambda_adv < 0 or self.lambda_l1 + self.lambda_adv == 0:
            raise ValueError(f"expected lambda_l1, lambda_adv >= 0, not both 0, got "
                             f"{self.lambda_l1}, {self.lambda_adv}")
        if self.lr <= 0 or self.batch_size < 1 or self.channels < 1:
            raise ValueError(f"expected lr > 0, batch_size >= 1, channels >= 1, got {self}")


class Pix2Pix:
    """Paired translation: D judges (x, y) pairs stacked as two channels, G(x) should match y.

    Args:
        x: source digits (N, 1, 28, 28) in [-1, 1]; y: their targets, same shape (paired by row).
        config: a `Pix2PixConfig`.
    """

    def __init__(self, x: Tensor, y: Tensor, config: Pix2PixConfig | None = None) -> None:
        if x.shape != y.shape:
            raise ValueError(f"expected paired x and y of one shape, got {tuple(x.shape)}, {tuple(y.shape)}")
        self.config = config or Pix2PixConfig()
        torch.manual_seed(self.config.seed)
        self.G = UNetGenerator(self.config.channels)
        self.D = PatchDiscriminator(self.config.channels)
        self.D.net[0] = nn.Conv2d(2, self.config.channels, 4, 2, 1)  # sees (x, y) as 2 channels
        self.opt_G, self.opt_D = _adam(self.G, lr=self.config.lr), _adam(self.D, lr=self.config.lr)
        self.pairs = TensorSampler(torch.cat([x, y], dim=1))  # rows (2, 28, 28): one pair each
        self.gen = torch.Generator().manual_seed(self.config.seed)
        self.step_count = 0

    def step(self) -> dict[str, float]:
        cfg = self.config
        pair = self.pairs.sample(cfg.batch_size, generator=self.gen)
        x, y_real = pair[:, :1], pair[:, 1:]  # (B, 1, 28, 28) each
        y_fake = self.G(x)
        # (1) D: real pairs (x, y) -> 1, fake pairs (x, G(x)) -> 0
        loss_D = _d_loss(self.D, torch.cat([x, y_real], 1), torch.cat([x, y_fake], 1))
        self.opt_D.zero_grad()
        loss_D.backward()
        self.opt_D.step()
        # (2) G: fool D on (x, G(x)) and stay close to y in L1
        d_fake = self.D(torch.cat([x, y_fake], 1))
        loss_G = cfg.lambda_adv * losses.g_loss_least_squares(_patches(d_fake)) + \
            cfg.lambda_l1 * (y_fake - y_real).abs().mean()
        self.opt_G.zero_grad()
        loss_G.backward()
        self.opt_G.step()
        self.step_count += 1
        return {"loss_D": loss_D.item(), "loss_G": loss_G.item(),
                "l1": (y_fake - y_real).abs().mean().item()}

    def state(self) -> dict:
        return {"config": asdict(self.config), "step": self.step_count}


@dataclass
class CycleConfig:
    """CycleGAN on unpaired digits: G: X -> Y, F: Y -> X, D_X, D_Y.

    lambda_cycle = 10 is the CycleGAN paper's; lambda_identity = 5 is its identity weight, 0.5
    times lambda_cycle, written here as an absolute weight (changing lambda_cycle leaves it). At
    this size the identity term is what keeps the digit: lesson 10 measures it (without it G hid
    the digit in a pattern only F could read).
    """

    lambda_cycle: float = 10.0
    lambda_identity: float = 5.0
    lr: float = 2e-3  # ten times the paper's 2e-4: a 28x28 net trained for minutes
    batch_size: int = 32
    channels: int = 16
    seed: int = 0

    def __post_init__(self) -> None:
        if self.lambda_cycle < 0 or self.lambda_identity < 0:
            raise ValueError(f"expected lambda_cycle, lambda_identity >= 0, got "
                             f"{self.lambda_cycle}, {self.lambda_identity}")
        if self.lr <= 0 or self.batch_size < 1 or self.channels < 1:
            raise ValueError(f"expected lr > 0, batch_size >= 1, channels >= 1, got {self}")


class CycleGAN:
    """Unpaired translation between two samplers of images.

    Args:
        x: domain X images (N, 1, 28, 28) in [-1, 1]; y: domain Y images (M, 1, 28, 28), drawn
            independently of x (no pairs).
        config: a `CycleConfig`.
    """

    def __init__(self, x: Tensor, y: Tensor, config: CycleConfig | None = None) -> None:
        _check_images(x)
        _check_images(y, "y")
        self.config = config or CycleConfig()
        self.X, self.Y = TensorSampler(x), TensorSampler(y)
        self.reset()

    def reset(self) -> None:
        """New networks and optimisers from ``config.seed``; the config is kept."""
        cfg = self.config
        torch.manual_seed(cfg.seed)
        self.G, self.F = UNetGenerator(cfg.channels), UNetGenerator(cfg.channels)
        self.D_X, self.D_Y = PatchDiscriminator(cfg.channels), PatchDiscriminator(cfg.channels)
        self.opt_G = _adam(self.G, self.F, lr=cfg.lr)  # one optimiser for both generators
        self.opt_D = _adam(self.D_X, self.D_Y, lr=cfg.lr)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.step_count = 0

    def update(self, **changes: float) -> None:
        """Change hyperparameters from the next step on; a ValueError changes nothing."""
        new = dataclasses.replace(self.config, **changes)  # validates in __post_init__
        if new.lr != self.config.lr:
            for opt in (self.opt_G, self.opt_D):
                for group in opt.param_groups:
                    group["lr"] = new.lr
        self.config = new

    def step(self) -> dict[str, float]:
        cfg = self.config
        x = self.X.sample(cfg.batch_size, generator=self.gen)  # (B, 1, 28, 28)
        y = self.Y.sample(cfg.batch_size, generator=self.gen)  # unpaired with x
        # (1) G and F: fool D_Y and D_X, come back by the cycle, (optionally) keep identity
        y_fake, x_fake = self.G(x), self.F(y)
        loss_adv = losses.g_loss_least_squares(_patches(self.D_Y(y_fake))) + \
            losses.g_loss_least_squares(_patches(self.D_X(x_fake)))
        loss_cyc = cycle_loss(x, self.F(y_fake)) + cycle_loss(y, self.G(x_fake))
        loss_G = loss_adv + cfg.lambda_cycle * loss_cyc
        if cfg.lambda_identity > 0:  # G should leave a Y image alone, F an X image
            loss_G = loss_G + cfg.lambda_identity * (cycle_loss(y, self.G(y)) + cycle_loss(x, self.F(x)))
        self.opt_G.zero_grad()
        loss_G.backward()
        self.opt_G.step()
        # (2) D_X and D_Y: real -> 1, the fakes just made -> 0
        loss_D = _d_loss(self.D_Y, y, y_fake) + _d_loss(self.D_X, x, x_fake)
        self.opt_D.zero_grad()
        loss_D.backward()
        self.opt_D.step()
        self.step_count += 1
        return {"loss_D": loss_D.item(), "loss_G": loss_G.item(), "loss_adv": loss_adv.item(),
                "loss_cycle": loss_cyc.item()}

    def state(self) -> dict:
        return {"config": asdict(self.config), "step": self.step_count}


@torch.no_grad()
def translate(model: nn.Module, x: Tensor, *, batch_size: int = 500) -> Tensor:
    """``model(x)`` in eval mode, batch by batch, without gradients; the mode is restored."""
    _check_images(x)
    was_training = model.training
    model.eval()
    try:
        return torch.cat([model(b) for b in x.split(batch_size)])
    finally:
        model.train(was_training)
