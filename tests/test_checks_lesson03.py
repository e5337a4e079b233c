"""Lesson 03's checks accept the reference answers and reject typical wrong ones, saying why."""

from __future__ import annotations

import torch
from checkhelp import passes_and_names_a_stub, rejects
from torch import nn

from gan_course.checks import lesson03 as checks
from gan_course.solutions import lesson03 as ref

# ---- generator block ------------------------------------------------------------------------


def test_block_unfinished_and_none():
    def todo(c_in, c_out):
        raise NotImplementedError

    rejects(checks.check_generator_block, todo, "not written yet")
    rejects(checks.check_generator_block, lambda c_in, c_out: None, "return")


def test_block_without_upsample():
    rejects(checks.check_generator_block, lambda c_in, c_out: nn.Sequential(
        nn.ConvTranspose2d(c_in, c_out, 5, padding=2), nn.BatchNorm2d(c_out), nn.ReLU()),
        "(2, 4, 14, 14)", "(2, 4, 7, 7)", "Upsample")


def test_block_without_padding():
    rejects(checks.check_generator_block, lambda c_in, c_out: nn.Sequential(
        nn.Upsample(scale_factor=2), nn.ConvTranspose2d(c_in, c_out, 5), nn.BatchNorm2d(c_out),
        nn.ReLU()), "(2, 4, 18, 18)", "padding=2")


def test_block_plain_conv_and_leaky():
    rejects(checks.check_generator_block, lambda c_in, c_out: nn.Sequential(
        nn.Upsample(scale_factor=2), nn.Conv2d(c_in, c_out, 5, padding=2), nn.BatchNorm2d(c_out),
        nn.ReLU()), "ConvTranspose2d")
    rejects(checks.check_generator_block, lambda c_in, c_out: nn.Sequential(
        nn.Upsample(scale_factor=2), nn.ConvTranspose2d(c_in, c_out, 5, padding=2),
        nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2)), "LeakyReLU")


def test_block_parameter_counts():
    rejects(checks.check_generator_block, lambda c_in, c_out: nn.Sequential(
        nn.Upsample(scale_factor=2), nn.ConvTranspose2d(c_in, c_out, 5, padding=2), nn.ReLU()),
        "BatchNorm2d", "parameters")
    rejects(checks.check_generator_block, lambda c_in, c_out: nn.Sequential(
        nn.Upsample(scale_factor=2), nn.ConvTranspose2d(c_in, c_out, 3, padding=1),
        nn.BatchNorm2d(c_out), nn.ReLU()), "3x3")
    rejects(checks.check_generator_block, lambda c_in, c_out: nn.Sequential(
        nn.Upsample(scale_factor=2), nn.ConvTranspose2d(c_in, c_out, 5, padding=2, bias=False),
        nn.BatchNorm2d(c_out), nn.ReLU()), "bias")


def test_block_wrong_order_and_mode():
    rejects(checks.check_generator_block, lambda c_in, c_out: nn.Sequential(
        nn.Upsample(scale_factor=2), nn.ConvTranspose2d(c_in, c_out, 5, padding=2), nn.ReLU(),
        nn.BatchNorm2d(c_out)), "negative", "ReLU")
    rejects(checks.check_generator_block, lambda c_in, c_out: nn.Sequential(
        nn.Upsample(scale_factor=2, mode="bilinear"), nn.ConvTranspose2d(c_in, c_out, 5, padding=2),
        nn.BatchNorm2d(c_out), nn.ReLU()), "nearest")


def test_block_hard_coded_channels():
    rejects(checks.check_generator_block, lambda c_in, c_out: nn.Sequential(
        nn.Upsample(scale_factor=2), nn.ConvTranspose2d(8, 4, 5, padding=2), nn.BatchNorm2d(4),
        nn.ReLU()), "c_in=3", "raised")


# ---- parameter counts -----------------------------------------------------------------------


def test_dense_wrong_answers():
    rejects(checks.check_dense_params, lambda n_in, n_out: n_in * n_out, "bias", "1,254,400")
    rejects(checks.check_dense_params, lambda n_in, n_out: n_in * n_out + n_in, "*output* unit")
    rejects(checks.check_dense_params, lambda n_in, n_out: (n_in + 1) * (n_out + 1), "input side")
    rejects(checks.check_dense_params, lambda n_in, n_out: n_in * n_out / 1 + n_out, "float")
    rejects(checks.check_dense_params, lambda n_in, n_out: None, "return")


def test_conv_wrong_answers():
    rejects(checks.check_conv_params, lambda c_in, c_out, k: k * k * c_in * c_out, "bias")
    rejects(checks.check_conv_params, lambda c_in, c_out, k: k * c_in * c_out + c_out, "k*k")
    rejects(checks.check_conv_params, lambda c_in, c_out, k: k * k * c_in * c_out + c_in,
            "*output* channel")
    rejects(checks.check_conv_params, lambda c_in, c_out, k: k * k * c_out + c_out, "c_in")
    rejects(checks.check_conv_params, lambda c_in, c_out, k: "819328", "int")


# ---- slerp ----------------------------------------------------------------------------------


def test_slerp_linear_is_rejected():
    rejects(checks.check_slerp, lambda z0, z1, t: (1 - t) * z0 + t * z1, "linear interpolation")


def test_slerp_reversed_t():
    rejects(checks.check_slerp, lambda z0, z1, t: ref.slerp(z0, z1, 1 - t), "t=0")


def test_slerp_without_fallback_gives_nan():
    def no_fallback(z0, z1, t):
        omega = torch.acos(torch.dot(z0 / z0.norm(), z1 / z1.norm()).clamp(-1, 1))
        return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)

    rejects(checks.check_slerp, no_fallback, "NaN", "parallel")


def test_slerp_wrong_shape():
    rejects(checks.check_slerp, lambda z0, z1, t: ref.slerp(z0, z1, t)[None], "shape (100,)")


# ---- transposed-conv output size ------------------------------------------------------------


def test_convt_size_wrong_answers():
    rejects(checks.check_convt_output_size, lambda h, k, s, p, op: (h + 2 * p - k) // s + 1,
            "normal convolution")
    rejects(checks.check_convt_output_size, lambda h, k, s, p, op: (h - 1) * s - 2 * p + k,
            "output_padding")
    rejects(checks.check_convt_output_size, lambda h, k, s, p, op: (h - 1) * s + k + op,
            "2 * padding")
    rejects(checks.check_convt_output_size, lambda h, k, s, p, op: h * s - 2 * p + k + op,
            "gaps")
    rejects(checks.check_convt_output_size,
            lambda h, k, s, p, op: float((h - 1) * s - 2 * p + k + op), "not an int")


# ---- one-step upsampler (7x7 -> 28x28 in one layer) -----------------------------------------


def test_upsampler_reference_passes_and_a_stub_is_named(capsys):
    passes_and_names_a_stub(checks.check_one_step_upsampler, ref.one_step_upsampler, capsys,
                            "return nn.ConvTranspose2d")


def test_upsampler_other_even_layers_pass():
    assert checks.check_one_step_upsampler(
        lambda c_in, c_out: nn.ConvTranspose2d(c_in, c_out, 8, stride=4, padding=2), quiet=True).ok


def test_upsampler_wrong_layers():
    up = checks.check_one_step_upsampler
    rejects(up, lambda c_in, c_out: nn.Conv2d(c_in, c_out, 3, padding=1), "plain nn.Conv2d")
    rejects(up, lambda c_in, c_out: nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1),
            "(2, 4, 14, 14)", "(7 - 1) * 2 - 2 * 1 + 4 + 0 = 14")
    rejects(up, lambda c_in, c_out: nn.ConvTranspose2d(c_in, c_out, 6, stride=4, padding=1),
            "not a multiple of the stride", "checkerboard")
    rejects(up, lambda c_in, c_out: nn.ConvTranspose2d(c_in, c_out, 22), "stride 1", "22x22")
    rejects(up, lambda c_in, c_out: nn.Sequential(
        nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1),
        nn.ConvTranspose2d(c_out, c_out, 4, stride=2, padding=1)), "single layer")
    rejects(up, lambda c_in, c_out: nn.ConvTranspose2d(c_in, 4, 4, stride=4), "c_out = 1")
    rejects(up, lambda c_in, c_out: nn.ConvTranspose2d(8, c_out, 4, stride=4), "c_in=3", "raised")
    rejects(up, lambda c_in, c_out: "ConvTranspose2d", "expected an nn.ConvTranspose2d, got str")
