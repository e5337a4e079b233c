"""Reference answers for lesson 04, the minimax game (notebooks/04_minimax_game.ipynb).

Try the exercises first: `gan_course.checks.lesson04` compares your functions with these.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["d_loss", "g_loss", "logit_grads", "train_step", "ema_update", "least_squares_losses",
           "hinge_losses"]


def d_loss(d_real: Tensor, d_fake: Tensor) -> Tensor:
    r"""D's loss from logits (B,): minus the value function, which D maximises.

    .. math:: L_D = -\mathbb{E}_x[\log D(x)] - \mathbb{E}_z[\log(1 - D(G(z)))]

    ``log D = logsigmoid(logit)`` and ``log(1 - D) = logsigmoid(-logit)`` stay finite for any
    logit, where ``torch.log(torch.sigmoid(logit))`` gives -inf beyond about -104 (float32).
    """
    return -(F.logsigmoid(d_real).mean() + F.logsigmoid(-d_fake).mean())


def g_loss(d_fake: Tensor) -> Tensor:
    r"""G's non-saturating loss from D's logits on the fakes (B,): :math:`-\mathbb{E}_z[\log D(G(z))]`."""
    return -F.logsigmoid(d_fake).mean()


def logit_grads(p: Tensor) -> tuple[Tensor, Tensor]:
    r"""Derivatives of each G loss, per sample, with respect to D's logit a, where p = sigmoid(a).

    Saturating :math:`\log(1 - \sigma(a))`: :math:`-\sigma(a) = -p`.
    Non-saturating :math:`-\log\sigma(a)`: :math:`-(1 - \sigma(a)) = -(1 - p)`.
    (Chain rule: dL/dp times dp/da = p (1 - p).)

    Returns:
        (saturating, non_saturating), each of p's shape.
    """
    return -p, -(1 - p)


def train_step(G: nn.Module, D: nn.Module, opt_G: torch.optim.Optimizer,
               opt_D: torch.optim.Optimizer, x_real: Tensor, z: Tensor) -> tuple[float, float]:
    """One iteration of Goodfellow's Algorithm 1 with k = 1 and the non-saturating G loss.

    Returns:
        (loss_D, loss_G) as floats.
    """
    # (1) Update D: the fakes are detached, so D's loss sends no gradient into G.
    x_fake = G(z).detach()
    loss_D = d_loss(D(x_real), D(x_fake))
    opt_D.zero_grad()
    loss_D.backward()
    opt_D.step()
    # (2) Update G through a frozen D: gradients flow through D's layers into G, not into D.
    D.requires_grad_(False)
    loss_G = g_loss(D(G(z)))
    opt_G.zero_grad()
    loss_G.backward()
    opt_G.step()
    D.requires_grad_(True)
    return loss_D.item(), loss_G.item()


@torch.no_grad()
def ema_update(G_ema: nn.Module, G: nn.Module, decay: float) -> None:
    r"""One step of the running average of G's weights, in place on ``G_ema``.

    .. math:: \bar\theta \leftarrow \beta\,\bar\theta + (1 - \beta)\,\theta

    with :math:`\beta` = ``decay``. Buffers (BatchNorm's running statistics) are copied, not
    averaged: they describe the activations of the current weights.
    """
    for p_avg, p in zip(G_ema.parameters(), G.parameters(), strict=True):
        p_avg.mul_(decay).add_(p, alpha=1 - decay)
    for b_avg, b in zip(G_ema.buffers(), G.buffers(), strict=True):
        b_avg.copy_(b)


def least_squares_losses(d_real: Tensor, d_fake: Tensor) -> tuple[Tensor, Tensor]:
    r"""The least-squares GAN's two losses (Mao et al., 2017) from D's raw scores (B,).

    .. math:: L_D = \tfrac12\mathbb{E}_x[(D(x) - 1)^2] + \tfrac12\mathbb{E}_z[D(G(z))^2],
       \qquad L_G = \tfrac12\mathbb{E}_z[(D(G(z)) - 1)^2]

    Returns:
        (loss_D, loss_G), two scalars. ``loss_G`` is computed from the same ``d_fake``; in a
        training loop G's loss uses D's scores of fakes that are not detached.
    """
    loss_D = 0.5 * ((d_real - 1) ** 2).mean() + 0.5 * (d_fake ** 2).mean()
    loss_G = 0.5 * ((d_fake - 1) ** 2).mean()
    return loss_D, loss_G


def hinge_losses(d_real: Tensor, d_fake: Tensor) -> tuple[Tensor, Tensor]:
    r"""The hinge losses from D's raw scores (B,).

    .. math:: L_D = \mathbb{E}_x[\max(0, 1 - D(x))] + \mathbb{E}_z[\max(0, 1 + D(G(z)))],
       \qquad L_G = -\mathbb{E}_z[D(G(z))]

    Returns:
        (loss_D, loss_G), two scalars.
    """
    loss_D = F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()
    loss_G = -d_fake.mean()
    return loss_D, loss_G
