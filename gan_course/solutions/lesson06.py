"""Reference answers for lesson 06, the Wasserstein GAN (notebooks/06_wgan.ipynb).

Try the exercises first: `gan_course.checks.lesson06` compares your functions with these.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["gradient_penalty", "critic_loss", "generator_loss", "emd_1d"]


def gradient_penalty(critic: Callable[[Tensor], Tensor], x_real: Tensor, x_fake: Tensor,
                     eps: Tensor) -> Tensor:
    r"""WGAN-GP's penalty, without the weight lambda:
    :math:`\mathbb{E}_{\hat x}[(\lVert\nabla_{\hat x} C(\hat x)\rVert_2 - 1)^2]`.

    Args:
        critic: maps a batch (B, ...) to scores (B,).
        x_real, x_fake: batches of one shape (B, ...).
        eps: mixing weights of shape (B, 1, ..., 1) in [0, 1]: x_hat = eps x_real + (1 - eps) x_fake.

    Returns:
        A scalar tensor that still depends on the critic's weights (it has a grad_fn).
    """
    x_hat = (eps * x_real.detach() + (1 - eps) * x_fake.detach()).requires_grad_(True)
    scores = critic(x_hat)  # (B,)
    # sum(): each score depends on its own sample only, so the gradient of the sum holds every
    # sample's own gradient. create_graph: the penalty must be differentiable w.r.t. the weights.
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)  # (B, ...)
    grad_norm = grad.flatten(start_dim=1).norm(2, dim=1)  # (B,) one norm per sample
    return ((grad_norm - 1) ** 2).mean()


def critic_loss(c_real: Tensor, c_fake: Tensor) -> Tensor:
    r"""What the critic minimises: :math:`\mathbb{E}[C(\tilde x)] - \mathbb{E}[C(x)]`.

    Scores (B,) of real and fake batches; minus this loss is the critic's estimate of W.
    """
    return c_fake.mean() - c_real.mean()


def generator_loss(c_fake: Tensor) -> Tensor:
    r"""What the generator minimises: :math:`-\mathbb{E}[C(G(z))]` (raise the fakes' scores)."""
    return -c_fake.mean()


def emd_1d(x: Tensor, y: Tensor) -> Tensor:
    """Earth mover's distance (W1) between two 1-D samples of equal size N.

    In 1-D the cheapest way to move one pile of N points onto another is to match them in
    sorted order: the i-th smallest x goes to the i-th smallest y.

    Args:
        x, y: samples of shape (N,) or (N, 1).

    Returns:
        A scalar tensor: mean |x_(i) - y_(i)| over the sorted samples.
    """
    x_sorted = torch.sort(x.reshape(-1)).values  # (N,)
    y_sorted = torch.sort(y.reshape(-1)).values  # (N,)
    return (x_sorted - y_sorted).abs().mean()
