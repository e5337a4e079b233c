"""Reference answers for lesson 01 (distributions: data as samples)."""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = [
    "exponential_icdf",
    "laplace_icdf",
    "fit_gaussian",
    "mixture_weights",
    "gaussian_log_likelihood",
    "box_muller",
]


def exponential_icdf(u: Tensor, rate: float) -> Tensor:
    """Inverse CDF of Exponential(rate): uniform u in [0, 1) -> samples x >= 0, same shape."""
    return -torch.log1p(-u) / rate  # solve 1 - exp(-rate x) = u; log1p(-u) = log(1 - u), exact near 0


def laplace_icdf(u: Tensor, loc: float = 0.0, scale: float = 1.0) -> Tensor:
    """Inverse CDF of Laplace(loc, scale): uniform u in (0, 1) -> Laplace samples, same shape."""
    c = u - 0.5  # in (-1/2, 1/2): which side of the median, and how far
    return loc - scale * torch.sign(c) * torch.log1p(-2 * c.abs())


def fit_gaussian(x: Tensor) -> tuple[Tensor, Tensor]:
    """Maximum-likelihood mean and std of 1-D samples x (N,): two 0-d tensors."""
    mean = x.mean()
    std = ((x - mean) ** 2).mean().sqrt()  # divide by N (MLE), not N - 1
    return mean, std


def mixture_weights(component: Tensor, n_components: int) -> Tensor:
    """Share of samples in each component: (N,) ints in 0..K-1 -> (K,) floats summing to 1."""
    counts = torch.bincount(component, minlength=n_components)  # (K,), zeros included
    return counts.float() / component.numel()


def gaussian_log_likelihood(x: Tensor, mean, std) -> Tensor:
    """Average log N(x_i; mean, std^2) over the samples x (N,): a 0-d tensor."""
    mean, std = torch.as_tensor(mean, dtype=x.dtype), torch.as_tensor(std, dtype=x.dtype)
    log_p = -0.5 * ((x - mean) / std) ** 2 - torch.log(std) - 0.5 * math.log(2 * math.pi)  # (N,)
    return log_p.mean()


def box_muller(u1: Tensor, u2: Tensor) -> Tensor:
    """Two uniforms (N,) each, u1 in (0, 1] -> (N, 2) independent standard normal samples."""
    radius = torch.sqrt(-2 * torch.log(u1))  # (N,): how far from the origin
    angle = 2 * math.pi * u2  # (N,): which direction, uniform
    return torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)  # (N, 2)
