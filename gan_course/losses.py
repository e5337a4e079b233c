"""GAN losses as pure functions of discriminator logits or critic scores.

Lesson 4 derives the minimax and non-saturating losses, lesson 6 the Wasserstein losses and the
gradient penalty. Every function here takes raw scores (no sigmoid: `D` returns logits) and
returns a scalar tensor. Probabilities never appear: log D(x) is written ``logsigmoid(d)`` and
log(1 - D(x)) is ``logsigmoid(-d)``, which stay finite where ``log(sigmoid(d))`` gives -inf.
"""

from __future__ import annotations

from collections.abc import Callable

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
    "LOSSES",
    "PROBABILITY_LOSSES",
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


# name -> (discriminator/critic loss, generator loss). The trainer adds the clipping or the
# gradient penalty for the two Wasserstein variants; they share the same two losses.
LOSSES: dict[str, tuple[Callable[..., Tensor], Callable[[Tensor], Tensor]]] = {
    "saturating": (d_loss_minimax, g_loss_saturating),
    "non-saturating": (d_loss_minimax, g_loss_nonsaturating),
    "least-squares": (d_loss_least_squares, g_loss_least_squares),
    "hinge": (d_loss_hinge, g_loss_hinge),
    "wgan-clip": (critic_loss_wasserstein, g_loss_wasserstein),
    "wgan-gp": (critic_loss_wasserstein, g_loss_wasserstein),
}

# Losses whose D output reads as a probability after a sigmoid (and that take soft labels).
PROBABILITY_LOSSES = ("saturating", "non-saturating")
