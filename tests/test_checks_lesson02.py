"""Lesson 02's checks accept the reference answers and reject typical wrong ones, saying why."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from checkhelp import rejects

from gan_course.checks import lesson02 as checks
from gan_course.solutions import lesson02 as ref


def test_torch_itself_passes_the_bce_check():
    assert checks.check_bce(F.binary_cross_entropy_with_logits, quiet=True).ok




# ---- 1. BCE -----------------------------------------------------------------------------------


def test_bce_unfinished_none_and_crash():
    def todo(logits, targets):
        raise NotImplementedError

    rejects(checks.check_bce, todo, "not written yet")
    rejects(checks.check_bce, lambda logits, targets: None, "return")
    rejects(checks.check_bce, lambda logits, targets: logits @ targets[:3], "raised")


def test_bce_forgot_the_minus():
    rejects(checks.check_bce, lambda z, y: -ref.bce_with_logits(z, y), "sign", "minus")


def test_bce_sum_instead_of_mean():
    def summed(z, y):
        return -(y * F.logsigmoid(z) + (1 - y) * F.logsigmoid(-z)).sum()

    rejects(checks.check_bce, summed, "summed", "mean")


def test_bce_forgot_the_mean():
    def per_sample(z, y):
        return -(y * F.logsigmoid(z) + (1 - y) * F.logsigmoid(-z))

    rejects(checks.check_bce, per_sample, "scalar", "(64,)", ".mean()")


def test_bce_used_logits_as_probabilities():
    def as_probs(z, y):
        return -(y * torch.log(z) + (1 - y) * torch.log(1 - z)).mean()

    rejects(checks.check_bce, as_probs, "NaN", "logits", "logsigmoid")


def test_bce_sigmoid_twice():
    rejects(checks.check_bce, lambda z, y: ref.bce_with_logits(torch.sigmoid(z), y), "twice")


def test_bce_swapped_terms():
    rejects(checks.check_bce, lambda z, y: ref.bce_with_logits(z, 1 - y), "swapped")


def test_bce_naive_log_sigmoid_fails_only_at_large_logits():
    def naive(z, y):
        d = torch.sigmoid(z)
        return -(y * torch.log(d) + (1 - y) * torch.log(1 - d)).mean()

    rejects(checks.check_bce, naive, "logits [-200", "-inf", "logsigmoid")


def test_bce_through_clamped_probabilities():
    rejects(checks.check_bce, lambda z, y: F.binary_cross_entropy(torch.sigmoid(z), y),
            "probabilities", "logsigmoid")

    def epsilon(z, y):
        d = torch.sigmoid(z)
        return -(y * torch.log(d + 1e-8) + (1 - y) * torch.log(1 - d + 1e-8)).mean()

    rejects(checks.check_bce, epsilon, "probabilities")


def test_bce_one_term_only():
    rejects(checks.check_bce, lambda z, y: -(y * F.logsigmoid(z)).mean(), "one of the two")


def test_bce_accepts_a_float_result():
    assert checks.check_bce(lambda z, y: ref.bce_with_logits(z, y).item(), quiet=True).ok


# ---- 2. D* ------------------------------------------------------------------------------------


def test_d_star_unfinished():
    rejects(checks.check_d_star, lambda x, real, fake: None, "return")


def test_d_star_naive_densities_fail_far_out():
    def naive(x, real, fake):
        p, q = real.density(x), fake.density(x)
        return p / (p + q)

    assert checks.check_d_star(naive, quiet=True).message.count("x = -60") == 1
    rejects(checks.check_d_star, naive, "NaN", "log_density", "underflow")


def test_d_star_epsilon_fails_where_d_star_is_one():
    def eps(x, real, fake):
        p, q = real.density(x), fake.density(x)
        return p / (p + q + 1e-12)

    rejects(checks.check_d_star, eps, "N(0, 2^2)", "log space")


def test_d_star_swapped_ratio_logit_and_shape():
    rejects(checks.check_d_star, lambda x, r, f: 1 - ref.d_star(x, r, f), "probability of *fake*")
    rejects(checks.check_d_star,
            lambda x, r, f: (r.log_density(x) - f.log_density(x)).exp(), "density ratio")
    rejects(checks.check_d_star, lambda x, r, f: r.log_density(x) - f.log_density(x), "logit")
    rejects(checks.check_d_star, lambda x, r, f: ref.d_star(x, r, f)[:, None], "(41, 1)")


def test_d_star_accepts_numpy():
    assert checks.check_d_star(lambda x, r, f: ref.d_star(x, r, f).numpy(), quiet=True).ok


# ---- 3. conv output size ----------------------------------------------------------------------


def test_conv_out_wrong_formulas():
    rejects(checks.check_conv_out, lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1,
            "n=28", "torch gives 14", "rounded up")
    rejects(checks.check_conv_out, lambda n, k, s, p: (n + 2 * p - k) // s, "+ 1")
    rejects(checks.check_conv_out, lambda n, k, s, p: (n + p - k) // s + 1, "both")
    rejects(checks.check_conv_out, lambda n, k, s, p: n + 2 * p - k + 1, "stride")
    rejects(checks.check_conv_out, lambda n, k, s, p: (n - k) // s + 1, "padding")
    rejects(checks.check_conv_out, lambda n, k, s, p: (n + 2 * p - k) / s + 1, "round down")
    rejects(checks.check_conv_out, lambda n, k, s, p: float((n + 2 * p - k) // s + 1), "not ints")
    rejects(checks.check_conv_out, lambda n, k, s, p: "14", "expected an int")


def test_conv_out_accepts_tensor_and_numpy_ints():
    assert checks.check_conv_out(lambda n, k, s, p: torch.tensor(ref.conv_out(n, k, s, p)),
                                 quiet=True).ok
    assert checks.check_conv_out(lambda n, k, s, p: np.int64(ref.conv_out(n, k, s, p)),
                                 quiet=True).ok
