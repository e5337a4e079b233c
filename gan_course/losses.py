"""GAN losses as pure functions of discriminator logits or critic scores, and the loss table.

Lesson 4 derives the minimax and non-saturating losses, lesson 6 the Wasserstein losses and the
gradient penalty, lesson 7 the label tricks. Every loss function here takes raw scores (no
sigmoid: `D` returns logits) and returns a scalar tensor. Probabilities never appear: log D(x) is
written ``logsigmoid(d)`` and log(1 - D(x)) is ``logsigmoid(-d)``, which stay finite where
``log(sigmoid(d))`` gives -inf.

`LOSSES` maps each name ``GANConfig.loss`` accepts to a `Loss`: the one place that says what the
trainer, the health monitor, the dashboard's views and its loss menu need to know about a loss.
Adding a loss is one entry there (and its closed-form test in tests/test_losses.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "d_loss_minimax",
    "g_loss_saturating",
    "g_loss_nonsaturating",
    "d_loss_least_squares",
    "g_loss_least_squares",
    "d_loss_hinge",
    "g_loss_hinge",
    "critic_loss_wasserstein",
    "g_loss_wasserstein",
    "clip_weights",
    "gradient_penalty",
    "r1_penalty",
    "noisy_targets",
    "d_targets",
    "Loss",
    "LOSSES",
    "get",
]


def _flat(scores: Tensor) -> Tensor:
    """(B,) or (B, 1) scores -> (B,); any other shape is a mistake (a two-class head, a
    transposed batch) that averaging would hide, so it is refused."""
    if scores.dim() == 1 or (scores.dim() == 2 and scores.shape[1] == 1):
        return scores.reshape(-1)
    raise ValueError(f"expected D's scores of shape (B,) or (B, 1): one raw score per sample, got "
                     f"{tuple(scores.shape)}; a D with a two-class head needs one output instead")


def _target(target: float | Tensor, like: Tensor) -> Tensor:
    if isinstance(target, Tensor):
        return _flat(target).to(like)
    return torch.full_like(like, float(target))


def d_loss_minimax(
    d_real: Tensor, d_fake: Tensor, *, real_target: float | Tensor = 1.0,
    fake_target: float | Tensor = 0.0,
) -> Tensor:
    r"""Binary cross-entropy of D on a real and a fake batch (D maximises V(D, G)).

    .. math:: L_D = -\mathbb{E}_x[\log D(x)] - \mathbb{E}_z[\log(1 - D(G(z)))]

    With soft targets ``t`` (label smoothing, noisy labels) each term becomes
    ``-(t log D + (1 - t) log(1 - D))``.

    Args:
        d_real: logits of D on real data, shape (B,) or (B, 1).
        d_fake: logits of D on generated data, shape (B,) or (B, 1).
        real_target: target for real samples (1 by default), a float or a (B,) tensor.
        fake_target: target for fake samples (0 by default), a float or a (B,) tensor.
    """
    d_real, d_fake = _flat(d_real), _flat(d_fake)
    loss_real = F.binary_cross_entropy_with_logits(d_real, _target(real_target, d_real))
    loss_fake = F.binary_cross_entropy_with_logits(d_fake, _target(fake_target, d_fake))
    return loss_real + loss_fake


def g_loss_saturating(d_fake: Tensor) -> Tensor:
    r"""The generator's term of the original minimax game, which G minimises.

    .. math:: L_G = \mathbb{E}_z[\log(1 - D(G(z)))]

    Its gradient vanishes when D confidently rejects the fakes (D(G(z)) -> 0): lesson 4 measures it.
    """
    return F.logsigmoid(-_flat(d_fake)).mean()


def g_loss_nonsaturating(d_fake: Tensor) -> Tensor:
    r"""Goodfellow's practical generator loss: maximise log D(G(z)) instead.

    .. math:: L_G = -\mathbb{E}_z[\log D(G(z))]
    """
    return -F.logsigmoid(_flat(d_fake)).mean()


def d_loss_least_squares(
    d_real: Tensor, d_fake: Tensor, *, real_target: float | Tensor = 1.0,
    fake_target: float | Tensor = 0.0,
) -> Tensor:
    r"""LSGAN discriminator loss on raw scores.

    .. math:: L_D = \tfrac12\mathbb{E}_x[(D(x) - 1)^2] + \tfrac12\mathbb{E}_z[D(G(z))^2]
    """
    d_real, d_fake = _flat(d_real), _flat(d_fake)
    return 0.5 * ((d_real - _target(real_target, d_real)) ** 2).mean() + 0.5 * (
        (d_fake - _target(fake_target, d_fake)) ** 2
    ).mean()


def g_loss_least_squares(d_fake: Tensor) -> Tensor:
    r"""LSGAN generator loss: :math:`L_G = \tfrac12\mathbb{E}_z[(D(G(z)) - 1)^2]`."""
    return 0.5 * ((_flat(d_fake) - 1.0) ** 2).mean()


def d_loss_hinge(d_real: Tensor, d_fake: Tensor, **_: object) -> Tensor:
    r"""Hinge discriminator loss.

    .. math:: L_D = \mathbb{E}_x[\max(0, 1 - D(x))] + \mathbb{E}_z[\max(0, 1 + D(G(z)))]
    """
    return F.relu(1.0 - _flat(d_real)).mean() + F.relu(1.0 + _flat(d_fake)).mean()


def g_loss_hinge(d_fake: Tensor) -> Tensor:
    r"""Hinge generator loss: :math:`L_G = -\mathbb{E}_z[D(G(z))]`."""
    return -_flat(d_fake).mean()


def critic_loss_wasserstein(d_real: Tensor, d_fake: Tensor, **_: object) -> Tensor:
    r"""WGAN critic loss; its negative estimates the Wasserstein-1 distance for a 1-Lipschitz critic.

    .. math:: L_C = \mathbb{E}_z[C(G(z))] - \mathbb{E}_x[C(x)]
    """
    return _flat(d_fake).mean() - _flat(d_real).mean()


def g_loss_wasserstein(d_fake: Tensor) -> Tensor:
    r"""WGAN generator loss: :math:`L_G = -\mathbb{E}_z[C(G(z))]`."""
    return -_flat(d_fake).mean()


@torch.no_grad()
def clip_weights(critic: nn.Module, clip_value: float) -> None:
    """Clamp every parameter of ``critic`` to [-clip_value, clip_value] (the original WGAN)."""
    if not clip_value > 0:
        raise ValueError(f"expected clip_value > 0, got {clip_value!r}")
    for p in critic.parameters():
        p.clamp_(-clip_value, clip_value)


def gradient_penalty(
    critic: Callable[[Tensor], Tensor], x_real: Tensor, x_fake: Tensor, *,
    gp_lambda: float = 10.0, generator: torch.Generator | None = None,
) -> Tensor:
    r"""WGAN-GP penalty on random interpolates between real and fake samples.

    .. math:: \lambda\,\mathbb{E}_{\hat x}\big[(\lVert\nabla_{\hat x} C(\hat x)\rVert_2 - 1)^2\big],
       \quad \hat x = \epsilon x + (1 - \epsilon)\tilde x,\ \epsilon \sim U[0, 1]

    Args:
        critic: the critic; must treat samples independently (no BatchNorm).
        x_real: real batch, shape (B, ...).
        x_fake: fake batch, same shape (detached or not: only the interpolates get gradients).
        gp_lambda: the penalty weight (10 in the WGAN-GP paper).
        generator: optional torch.Generator for the mixing weights.
    """
    if x_real.shape != x_fake.shape:
        raise ValueError(f"expected x_real and x_fake of one shape, got {tuple(x_real.shape)} "
                         f"and {tuple(x_fake.shape)}")
    eps_shape = (x_real.shape[0],) + (1,) * (x_real.dim() - 1)  # (B, 1, ...) one weight per sample
    eps = torch.rand(eps_shape, generator=generator).to(x_real)
    x_hat = (eps * x_real.detach() + (1 - eps) * x_fake.detach()).requires_grad_(True)
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    grad_norm = grad.reshape(grad.shape[0], -1).norm(2, dim=1)  # (B,)
    return gp_lambda * ((grad_norm - 1.0) ** 2).mean()


def r1_penalty(D: Callable[[Tensor], Tensor], x_real: Tensor, *, gamma: float) -> Tensor:
    r"""R1 penalty (Mescheder et al. 2018): the squared gradient of D's score at real data.

    .. math:: \frac{\gamma}{2}\,\mathbb{E}_{x\sim p_\text{data}}\big[\lVert\nabla_x D(x)\rVert_2^2\big]

    It keeps D flat on the real data, so D cannot push G's samples past the data and back (the
    oscillation lesson 7 shows). One more forward pass of D on ``x_real`` (B, ...) with a double
    backward: the trainer applies it every few steps only ("lazily"), scaled up to match.
    """
    x = x_real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return 0.5 * gamma * grad.reshape(grad.shape[0], -1).pow(2).sum(1).mean()


# --------------------------------------------------------------------------- label tricks


def noisy_targets(n: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    """The slides article's noisy labels for one D step: real ~ U(0.7, 1.2), fake ~ U(0, 0.3).

    Lesson 7's exercise writes this function (`gan_course.solutions.lesson07` is this one).

    Args:
        n: batch size.
        generator: the only source of randomness, so a seeded generator repeats the targets.

    Returns:
        (real, fake): two float32 tensors of shape (n,), drawn independently.
    """
    real = 0.7 + 0.5 * torch.rand(n, generator=generator)  # U(0.7, 1.2)
    fake = 0.3 * torch.rand(n, generator=generator)  # U(0.0, 0.3)
    return real, fake


def d_targets(n: int, *, noisy_labels: bool = False, label_smoothing: float = 0.0,
              label_flip: float = 0.0, generator: torch.Generator | None = None
              ) -> tuple[Tensor, Tensor]:
    """D's targets (real, fake), each (n,), with lesson 7's label tricks (`GANConfig`'s fields).

    Noisy labels replace both targets (`noisy_targets`); otherwise the real target is
    1 - ``label_smoothing`` (one-sided: fakes stay 0). ``label_flip`` then swaps the two targets
    of each sample with that probability.
    """
    if noisy_labels:
        real, fake = noisy_targets(n, generator)
    else:
        real, fake = torch.full((n,), 1.0 - label_smoothing), torch.zeros(n)
    if label_flip > 0:
        flip = torch.rand(n, generator=generator) < label_flip
        real, fake = torch.where(flip, fake, real), torch.where(flip, real, fake)
    return real, fake


# --------------------------------------------------------------------------- the loss table

# How D's output reads, for the readouts, the views and the health monitor:
# "probability": sigmoid(D) is the probability that x is real (the cross-entropy losses);
# "targets": D's raw score aims at 0 for fakes and 1 for reals, unbounded (least squares);
# "free": a critic's raw score, with no fixed scale (hinge, Wasserstein).
SCALES = ("probability", "targets", "free")
# What the trainer adds to D's step: weight clipping after it, or a gradient penalty in its loss.
REGULARISERS = (None, "clip", "gradient-penalty")


@dataclass(frozen=True, eq=False)
class Loss:
    """Everything the course needs to know about one GAN loss.

    Attributes:
        name: the value of ``GANConfig.loss``.
        label: the loss menu's text.
        d_loss: ``d_loss(d_real, d_fake, *, real_target=, fake_target=)`` on raw scores.
        g_loss: ``g_loss(d_fake)`` on raw scores.
        scale: how D's output reads (`SCALES`): "probability", "targets" or "free".
        score_label: what the pictures call D's output (a y-axis label).
        soft_targets: whether D's loss takes targets, so the label tricks act on it.
        d_wins_at_zero: D's loss is >= 0 and reaches 0 when D separates real from fake
            perfectly (the health monitor's "D wins" check).
        regulariser: what the trainer adds to D's step (`REGULARISERS`): None, "clip"
            (``clip_value``) or "gradient-penalty" (``gp_lambda``; the critic then must not use
            batch normalisation).
        optimizer: `GANConfig` optimizer settings to start from with this loss (`presets` builds
            its plain recipes from them): DCGAN's Adam, except the WGAN papers' own for the
            Wasserstein losses.
    """

    name: str
    label: str
    d_loss: Callable[..., Tensor]
    g_loss: Callable[[Tensor], Tensor]
    scale: str
    score_label: str
    soft_targets: bool = False
    d_wins_at_zero: bool = False
    regulariser: str | None = None
    optimizer: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"{self.name}: expected scale in {SCALES}, got {self.scale!r}")
        if self.regulariser not in REGULARISERS:
            raise ValueError(f"{self.name}: expected regulariser in {REGULARISERS}, "
                             f"got {self.regulariser!r}")

    @property
    def probability(self) -> bool:
        """True when sigmoid(D) reads as the probability that x is real."""
        return self.scale == "probability"

    def readout(self, scores: Tensor) -> Tensor:
        """D's raw scores as the lessons plot them: probabilities for the cross-entropy losses,
        else the scores themselves."""
        return torch.sigmoid(scores) if self.probability else scores


# The course's Adam: beta1 0.5 (DCGAN), since the target (the other player) keeps moving.
_ADAM = dict(optimizer="adam", lr_G=2e-4, lr_D=2e-4, beta1=0.5, beta2=0.999, n_critic=1)
_CRITIC = dict(scale="free", score_label="critic score")

LOSSES: dict[str, Loss] = {loss.name: loss for loss in (
    Loss("saturating", "saturating (minimax)", d_loss_minimax, g_loss_saturating,
         "probability", "probability", soft_targets=True, d_wins_at_zero=True, optimizer=_ADAM),
    Loss("non-saturating", "non-saturating", d_loss_minimax, g_loss_nonsaturating,
         "probability", "probability", soft_targets=True, d_wins_at_zero=True, optimizer=_ADAM),
    Loss("least-squares", "least squares", d_loss_least_squares, g_loss_least_squares,
         "targets", "LSGAN score", soft_targets=True, d_wins_at_zero=True, optimizer=_ADAM),
    Loss("hinge", "hinge", d_loss_hinge, g_loss_hinge, **_CRITIC, d_wins_at_zero=True,
         optimizer=_ADAM),
    # The WGAN paper: RMSprop (momentum misleads a clipped critic), slow, 5 critic steps.
    Loss("wgan-clip", "Wasserstein + clipping", critic_loss_wasserstein, g_loss_wasserstein,
         **_CRITIC, regulariser="clip",
         optimizer=dict(optimizer="rmsprop", lr_G=5e-5, lr_D=5e-5, n_critic=5)),
    # WGAN-GP: Adam again, with beta2 0.9 and 5 critic steps (the paper's beta1 is 0; the
    # course keeps 0.5).
    Loss("wgan-gp", "WGAN-GP", critic_loss_wasserstein, g_loss_wasserstein, **_CRITIC,
         regulariser="gradient-penalty",
         optimizer=dict(_ADAM, lr_G=1e-4, lr_D=1e-4, beta2=0.9, n_critic=5)),
)}


def get(name: str) -> Loss:
    """The `Loss` of that name, or a ValueError listing the names there are."""
    if name not in LOSSES:
        raise ValueError(f"expected loss in {tuple(LOSSES)}, got {name!r}")
    return LOSSES[name]
