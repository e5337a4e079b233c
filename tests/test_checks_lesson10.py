"""Lesson 10's checks accept the reference answers and reject typical wrong ones, saying why."""

from __future__ import annotations

import torch
from checkhelp import rejects

from gan_course import translation
from gan_course.checks import lesson10 as checks
from gan_course.solutions import lesson10 as ref


def test_unfinished_answers_are_reported_not_raised():
    def todo(*args):
        raise NotImplementedError

    for check in (checks.check_cycle_consistency_loss, checks.check_patch_output_size,
                  checks.check_pix2pix_generator_loss):
        rejects(check, todo, "not written yet")
        rejects(check, lambda *args: None, "return")


def test_references_agree_with_the_package():
    """The notebook uses gan_course.translation after the exercises: same numbers."""
    gen = torch.Generator().manual_seed(0)
    d, yf, yr = torch.randn(3, 1, 7, 7, generator=gen), torch.rand(3, 1, 28, 28), torch.rand(3, 1, 28, 28)
    assert torch.isclose(ref.pix2pix_generator_loss(d, yf, yr, 5.0),
                         translation.pix2pix_g_loss(d, yf, yr, lambda_l1=5.0))
    G, F = translation.UNetGenerator(4), translation.UNetGenerator(4)
    x, y = yf * 2 - 1, yr * 2 - 1
    assert torch.isclose(ref.cycle_consistency_loss(G, F, x, y),
                         translation.cycle_loss(x, F(G(x))) + translation.cycle_loss(y, G(F(y))))
    D = translation.PatchDiscriminator(4)
    layers = [(m.kernel_size[0], m.stride[0], m.padding[0]) for m in D.net
              if isinstance(m, torch.nn.Conv2d)]
    assert ref.patch_output_size(28, layers) == D(x).shape[-1] == 7


# ---- exercise 1: cycle loss ------------------------------------------------------------------


def test_cycle_one_direction_only():
    rejects(checks.check_cycle_consistency_loss, lambda G, F, x, y: (F(G(x)) - x).abs().mean(),
            "only the forward cycle")
    rejects(checks.check_cycle_consistency_loss, lambda G, F, x, y: (G(F(y)) - y).abs().mean(),
            "only the backward cycle")


def test_cycle_wrong_distance_or_reduction():
    rejects(checks.check_cycle_consistency_loss,
            lambda G, F, x, y: ((F(G(x)) - x) ** 2).mean() + ((G(F(y)) - y) ** 2).mean(), "L1")
    rejects(checks.check_cycle_consistency_loss,
            lambda G, F, x, y: (F(G(x)) - x).abs().sum() + (G(F(y)) - y).abs().sum(), "mean")
    rejects(checks.check_cycle_consistency_loss,
            lambda G, F, x, y: (F(G(x)) - x).abs().mean(dim=(1, 2, 3)), "scalar")


def test_cycle_wrong_round_trip():
    rejects(checks.check_cycle_consistency_loss,
            lambda G, F, x, y: (G(G(x)) - x).abs().mean() + (F(F(y)) - y).abs().mean(), "twice")
    rejects(checks.check_cycle_consistency_loss,
            lambda G, F, x, y: (G(x) - x).abs().mean() + (F(y) - y).abs().mean(), "identity")
    rejects(checks.check_cycle_consistency_loss,
            lambda G, F, x, y: (F(G(x)) - y).abs().mean() + (G(F(y)) - x).abs().mean(),
            "back to x")


def test_cycle_detached_or_float():
    def detached(G, F, x, y):
        with torch.no_grad():
            return ref.cycle_consistency_loss(G, F, x, y)

    rejects(checks.check_cycle_consistency_loss, detached, "no gradient")
    rejects(checks.check_cycle_consistency_loss,
            lambda G, F, x, y: ref.cycle_consistency_loss(G, F, x, y).item(), "tensor")


# ---- exercise 2: PatchGAN output size -------------------------------------------------------


def test_size_mistakes():
    def no_padding(size, layers):
        for k, s, _ in layers:
            size = (size - k) // s + 1
        return size

    def no_plus_one(size, layers):
        for k, s, p in layers:
            size = (size + 2 * p - k) // s
        return size

    def true_division(size, layers):
        for k, s, p in layers:
            size = (size + 2 * p - k) / s + 1
        return size

    rejects(checks.check_patch_output_size, no_padding, "ignores the padding")
    rejects(checks.check_patch_output_size, no_plus_one, "+ 1 is missing")
    rejects(checks.check_patch_output_size, true_division, "floor division")
    rejects(checks.check_patch_output_size, lambda size, layers: size // 4, "expected")


# ---- exercise 3: pix2pix G loss -------------------------------------------------------------


def _adv(d):
    return 0.5 * ((d - 1) ** 2).mean()


def test_pix2pix_missing_terms():
    rejects(checks.check_pix2pix_generator_loss, lambda d, yf, yr, lam: _adv(d), "adversarial term alone")
    rejects(checks.check_pix2pix_generator_loss,
            lambda d, yf, yr, lam: lam * (yf - yr).abs().mean(), "L1 term alone")
    rejects(checks.check_pix2pix_generator_loss,
            lambda d, yf, yr, lam: _adv(d) + (yf - yr).abs().mean(), "lambda_l1 is missing")
    rejects(checks.check_pix2pix_generator_loss,
            lambda d, yf, yr, lam: lam * _adv(d) + (yf - yr).abs().mean(), "not the adversarial")


def test_pix2pix_wrong_forms():
    rejects(checks.check_pix2pix_generator_loss,
            lambda d, yf, yr, lam: _adv(d) + lam * ((yf - yr) ** 2).mean(), "L2")
    rejects(checks.check_pix2pix_generator_loss,
            lambda d, yf, yr, lam: torch.nn.functional.binary_cross_entropy_with_logits(
                d, torch.ones_like(d)) + lam * (yf - yr).abs().mean(), "least squares")
    rejects(checks.check_pix2pix_generator_loss,
            lambda d, yf, yr, lam: 0.5 * (d ** 2).mean() + lam * (yf - yr).abs().mean(), "score its fakes 1")
    rejects(checks.check_pix2pix_generator_loss,
            lambda d, yf, yr, lam: 2 * _adv(d) + lam * (yf - yr).abs().mean(), "1/2")


def test_pix2pix_detached():
    rejects(checks.check_pix2pix_generator_loss,
            lambda d, yf, yr, lam: ref.pix2pix_generator_loss(d, yf.detach(), yr, lam), "detach")
