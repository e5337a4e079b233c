"""Reference answers for lesson 02, the discriminator (notebooks/02_discriminator.ipynb).

Try the exercises first: `gan_course.checks.lesson02` compares your functions with these.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_course.toys import ToyDistribution

__all__ = ["bce_with_logits", "d_star", "conv_out", "best_accuracy"]


def bce_with_logits(logits: Tensor, targets: Tensor) -> Tensor:
    r"""Mean binary cross-entropy of a classifier that outputs logits.

    .. math:: L = -\frac1B \sum_i \big[y_i \log\sigma(l_i) + (1 - y_i)\log(1 - \sigma(l_i))\big]

    ``log sigma(l)`` is ``logsigmoid(l)`` and ``log(1 - sigma(l)) = log sigma(-l)`` is
    ``logsigmoid(-l)``: both stay finite for any logit, where ``log(sigmoid(l))`` gives -inf.

    Args:
        logits: raw scores l, shape (B,).
        targets: labels y in [0, 1] (1 = real, 0 = fake; soft labels allowed), shape (B,).

    Returns:
        A scalar tensor, >= 0.
    """
    return -(targets * F.logsigmoid(logits) + (1 - targets) * F.logsigmoid(-logits)).mean()


def d_star(x: Tensor, real: ToyDistribution, fake: ToyDistribution) -> Tensor:
    r"""The optimal discriminator for two 1-D distributions with known densities.

    .. math:: D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)}
              = \sigma\big(\log p_\text{data}(x) - \log p_g(x)\big)

    The second form works in log space, so it stays right where both densities underflow to 0.

    Args:
        x: points, shape (n, 1) (or (n,)).
        real: the data distribution (has ``.log_density``).
        fake: the generator's distribution (has ``.log_density``).

    Returns:
        D*(x), shape (n,), values in [0, 1].
    """
    return torch.sigmoid(real.log_density(x) - fake.log_density(x))


def conv_out(n: int, k: int, s: int, p: int) -> int:
    """Height (or width) after ``nn.Conv2d`` with kernel k, stride s, padding p (dilation 1).

    The padded input has n + 2p rows; a k-row window fits at (n + 2p - k) // s + 1 positions
    when it moves s rows at a time.
    """
    return (n + 2 * p - k) // s + 1


def best_accuracy(real: ToyDistribution, fake: ToyDistribution, x: Tensor) -> float:
    r"""The accuracy of the optimal discriminator on a test set half real, half fake.

    D* says "real" wherever p_data > p_g, so it is right on half the real mass there and on half
    the fake mass elsewhere:

    .. math:: \text{acc}(D^*) = \tfrac12 \int \max\big(p_\text{data}(x), p_g(x)\big)\, dx

    No discriminator does better; it is 1/2 when p_g = p_data.

    Args:
        real: the data distribution (1-D, has ``.density``).
        fake: the generator's distribution.
        x: an evenly spaced grid (n, 1) that covers both distributions.

    Returns:
        The accuracy, a float in [1/2, 1].
    """
    p, q = real.density(x).double(), fake.density(x).double()  # (n,) each
    return 0.5 * torch.trapezoid(torch.maximum(p, q), x[:, 0].double()).item()
