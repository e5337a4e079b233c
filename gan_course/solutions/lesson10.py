"""Reference answers for lesson 10, image-to-image translation (notebooks/10_image_translation.ipynb).

The checks in `gan_course.checks.lesson10` compare the learner's functions with these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from torch import Tensor

__all__ = ["cycle_consistency_loss", "patch_output_size", "pix2pix_generator_loss"]


def cycle_consistency_loss(G: Callable[[Tensor], Tensor], F: Callable[[Tensor], Tensor],
                           x: Tensor, y: Tensor) -> Tensor:
    r"""Both round trips, in L1: :math:`\mathbb E|F(G(x)) - x| + \mathbb E|G(F(y)) - y|`.

    Args:
        G: X -> Y; F: Y -> X; x: a batch of X (B, 1, H, W); y: a batch of Y, same shape.

    Returns:
        A scalar tensor >= 0 (means over every pixel), differentiable in G's and F's weights.
    """
    return (F(G(x)) - x).abs().mean() + (G(F(y)) - y).abs().mean()


def patch_output_size(size: int, layers: Sequence[tuple[int, int, int]]) -> int:
    """Side of the score map a conv stack makes from a ``size`` x ``size`` image.

    Args:
        size: input side in pixels.
        layers: (kernel, stride, padding) of each conv, first layer first.

    Each conv maps a side h to floor((h + 2p - k) / s) + 1.
    """
    for k, s, p in layers:
        size = (size + 2 * p - k) // s + 1
    return size


def pix2pix_generator_loss(d_fake: Tensor, y_fake: Tensor, y_real: Tensor,
                           lambda_l1: float) -> Tensor:
    r"""pix2pix's G loss with the least-squares adversarial term on every patch score:

    .. math:: L_G = \tfrac12\,\text{mean}\,(D(x, G(x)) - 1)^2 + \lambda\,\text{mean}\,|G(x) - y|

    Args:
        d_fake: D's patch logits on the fakes, (B, 1, h, w).
        y_fake: G(x), (B, 1, H, W); y_real: the paired targets, same shape.
        lambda_l1: weight of the L1 term.
    """
    return 0.5 * ((d_fake - 1) ** 2).mean() + lambda_l1 * (y_fake - y_real).abs().mean()
