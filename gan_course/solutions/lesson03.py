"""Reference answers for lesson 03, the generator (notebooks/03_generator.ipynb).

Try the exercises first: `gan_course.checks.lesson03` compares your functions with these.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["generator_block", "dense_params", "conv_params", "slerp", "convt_output_size",
           "one_step_upsampler"]


def generator_block(c_in: int, c_out: int) -> nn.Sequential:
    """One block of the slides article's generator: (B, c_in, H, W) -> (B, c_out, 2H, 2W), >= 0.

    Nearest-neighbour upsampling doubles the size (Keras' UpSampling2D), then a 5x5 stride-1
    transposed convolution with padding 2 keeps it ('same'), BatchNorm and ReLU follow.
    """
    return nn.Sequential(
        nn.Upsample(scale_factor=2),  # (B, c_in, 2H, 2W), no parameters
        nn.ConvTranspose2d(c_in, c_out, kernel_size=5, padding=2),  # (B, c_out, 2H, 2W)
        nn.BatchNorm2d(c_out),
        nn.ReLU(),
    )


def dense_params(n_in: int, n_out: int) -> int:
    """Trainable parameters of a dense layer: an n_in x n_out weight matrix plus n_out biases."""
    return n_in * n_out + n_out


def conv_params(c_in: int, c_out: int, k: int) -> int:
    """Trainable parameters of a k x k convolution (plain or transposed) with bias.

    One k x k kernel for every (input channel, output channel) pair, one bias per output channel.
    """
    return k * k * c_in * c_out + c_out


def slerp(z0: Tensor, z1: Tensor, t: float) -> Tensor:
    """Spherical interpolation between latent vectors z0 and z1 (both (d,)); t in [0, 1] -> (d,).

    Follows the great circle between the two directions instead of the straight chord, so the
    norm stays typical of N(0, I) samples all along the path. Parallel vectors fall back to
    linear interpolation (the angle is 0 and sin(angle) would divide by zero).
    """
    cos_omega = torch.dot(z0 / z0.norm(), z1 / z1.norm()).clamp(-1.0, 1.0)
    omega = torch.acos(cos_omega)  # angle between z0 and z1
    if torch.sin(omega).abs() < 1e-6:
        return (1 - t) * z0 + t * z1
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def convt_output_size(h_in: int, k: int, stride: int, padding: int,
                      output_padding: int = 0) -> int:
    """Height (or width) after ``nn.ConvTranspose2d`` (dilation 1).

    A convolution maps h_out -> (h_out + 2p - k) // s + 1; the transposed one runs that backwards.
    """
    return (h_in - 1) * stride - 2 * padding + k + output_padding


def one_step_upsampler(c_in: int, c_out: int) -> nn.ConvTranspose2d:
    """One transposed convolution from (B, c_in, 7, 7) to (B, c_out, 28, 28).

    Kernel 4, stride 4: (7 - 1) * 4 + 4 = 28, and each input pixel paints its own 4x4 patch, so
    the stamps overlap evenly (not at all) and no uneven-overlap checkerboard can appear.
    """
    return nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=4)
