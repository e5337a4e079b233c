"""Reference answers for lesson 08, conditional GANs (notebooks/08_conditional.ipynb).

The checks in `gan_course.checks.lesson08` compare the learner's functions with these.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["condition", "conditional_d_loss", "per_class_accuracy", "attribute_direction"]


def condition(z: Tensor, y: Tensor, n_classes: int) -> Tensor:
    """G's input: z (B, latent_dim) followed by one_hot(y) (B, n_classes) -> (B, latent_dim + n_classes)."""
    onehot = F.one_hot(y, n_classes).to(z.dtype)  # (B, n_classes), a 1 at column y
    return torch.cat([z, onehot], dim=1)


def conditional_d_loss(D: nn.Module, x_real: Tensor, x_fake: Tensor, y: Tensor) -> Tensor:
    """Non-saturating D loss with labels: -log sigmoid(D(x_real, y)) - log(1 - sigmoid(D(x_fake, y))).

    Both batches are scored with the same labels y (B,): the fakes were drawn *for* y, so D judges
    each image as "a real example of y?". Averaged over the batch.
    """
    d_real, d_fake = D(x_real, y), D(x_fake, y)  # (B,), (B,) logits
    return F.softplus(-d_real).mean() + F.softplus(d_fake).mean()


def per_class_accuracy(probs: Tensor, y: Tensor, n_classes: int = 10) -> Tensor:
    """For each requested class k, the share of its samples the classifier reads as k: (n_classes,).

    probs: (N, n_classes) classifier probabilities; y: (N,) the labels that were asked for.
    """
    predicted = probs.argmax(dim=1)  # (N,)
    return torch.stack([(predicted[y == k] == k).float().mean() for k in range(n_classes)])


def attribute_direction(z: Tensor, attribute: Tensor, k: int) -> Tensor:
    """Unit vector (latent_dim,) from the mean z of the k lowest-attribute samples to the mean z
    of the k highest: moving along it raises the attribute. z (N, latent_dim), attribute (N,)."""
    order = attribute.argsort()  # ascending
    d = z[order[-k:]].mean(dim=0) - z[order[:k]].mean(dim=0)  # (latent_dim,)
    return d / d.norm()
