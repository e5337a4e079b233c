"""Reference answers for lesson 04, the minimax game (notebooks/04_minimax_game.ipynb).

Try the exercises first: `gan_course.checks.lesson04` compares your functions with these.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["d_loss", "g_loss", "logit_grads", "train_step"]


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
