"""Lesson 02's checks accept the reference answers and reject typical wrong ones, saying why."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from checkhelp import passes_and_names_a_stub, rejects

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


def test_bce_without_a_gradient_is_rejected():
    """The lesson trains D through the learner's BCE: a right value without a graph fails."""
    rejects(checks.check_bce, lambda z, y: ref.bce_with_logits(z, y).item(), "no gradient",
            ".item()", "backward")
    rejects(checks.check_bce, lambda z, y: ref.bce_with_logits(z.detach(), y), "no gradient",
            ".detach()")
    rejects(checks.check_bce,
            lambda z, y: torch.tensor(ref.bce_with_logits(z, y).detach().numpy()), "no gradient")


def test_bce_reference_passes_and_names_a_stub(capsys):
    passes_and_names_a_stub(checks.check_bce, ref.bce_with_logits, capsys, "return")


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


# ---- 4. D*'s accuracy ---------------------------------------------------------------------------


def test_best_accuracy_reference_passes_and_names_a_stub(capsys):
    passes_and_names_a_stub(checks.check_best_accuracy, ref.best_accuracy, capsys, "return")


def _integral(values, x):
    return torch.trapezoid(values, x[:, 0]).item()


def test_best_accuracy_typical_mistakes():
    def larger(real, fake, x):
        return torch.maximum(real.density(x), fake.density(x))

    rejects(checks.check_best_accuracy, lambda r, f, x: _integral(larger(r, f, x), x),
            "above 1", "without the 1/2")
    rejects(checks.check_best_accuracy,
            lambda r, f, x: 0.5 * _integral(torch.minimum(r.density(x), f.density(x)), x),
            "error rate", "larger")
    rejects(checks.check_best_accuracy, lambda r, f, x: 0.5 * larger(r, f, x).sum().item(),
            "dx = 0.01", "trapezoid")
    rejects(checks.check_best_accuracy,
            lambda r, f, x: 0.5 * _integral((r.density(x) - f.density(x)).abs(), x),
            "total variation")
    rejects(checks.check_best_accuracy,
            lambda r, f, x: 0.5 * _integral(r.density(x) + f.density(x), x), "always 1")

    def randomised(real, fake, x):
        p, q = real.density(x), fake.density(x)
        d = p / (p + q)
        return 0.5 * _integral(p * d + q * (1 - d), x)

    rejects(checks.check_best_accuracy, randomised, "at random", "certainty")


def test_best_accuracy_wants_one_number_and_accepts_a_tensor():
    rejects(checks.check_best_accuracy,
            lambda r, f, x: torch.maximum(r.density(x), f.density(x)), "one number", "(2601,)")
    assert checks.check_best_accuracy(lambda r, f, x: torch.tensor(ref.best_accuracy(r, f, x)),
                                      quiet=True).ok
    assert checks.check_best_accuracy(  # float32 densities and the trapezoid rule: close enough
        lambda r, f, x: 0.5 * _integral(torch.maximum(r.density(x), f.density(x)), x),
        quiet=True).ok
