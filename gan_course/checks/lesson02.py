"""Checks for lesson 02, the discriminator (notebooks/02_discriminator.ipynb).

In a notebook::

    from gan_course.checks import lesson02 as checks
    checks.check_bce(bce_with_logits)

Each ``check_*`` runs the learner's function and a reference (torch itself, or
`gan_course.solutions.lesson02`) on seeded inputs, prints one ✅/❌ line naming what differs, and
returns a `Feedback` (truthy when right). A check never raises on a wrong answer.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_course.checks._core import (
    Feedback,
    as_float64,
    close,
    compare,
    finish,
    run,
    typical_mistake,
)
from gan_course.solutions import lesson02 as ref
from gan_course.toys import ToyDistribution, gaussian_1d, mixture_1d

__all__ = ["check_bce", "check_d_star", "check_conv_out", "check_best_accuracy"]


# --------------------------------------------------------------------------- 1. BCE from logits


def _bce_cases() -> list[tuple[str, Tensor, Tensor]]:
    gen = torch.Generator().manual_seed(2)
    logits = 3 * torch.randn(64, generator=gen)  # (64,) moderate logits, both signs
    hard = (torch.rand(64, generator=gen) < 0.5).float()  # (64,) labels 0 / 1
    soft = torch.rand(64, generator=gen)  # (64,) soft labels in [0, 1]
    big = torch.tensor([-200.0, -60.0, -25.0, 25.0, 60.0, 200.0])  # a very confident D
    big_y = torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    return [
        ("64 logits with 0/1 targets", logits, hard),
        ("64 logits with soft targets in [0, 1]", logits, soft),
        (f"logits {[int(v) for v in big.tolist()]} with targets {[int(v) for v in big_y]}",
         big, big_y),
    ]


def check_bce(fn: Callable[[Tensor, Tensor], Tensor], *, quiet: bool = False) -> Feedback:
    """Check ``fn(logits, targets)``: the mean binary cross-entropy from logits, shapes (B,).

    Compared with ``torch.nn.functional.binary_cross_entropy_with_logits`` on seeded logits with
    hard and soft targets, and on logits of +-200 where a naive log(sigmoid) overflows.
    """
    for label, logits, targets in _bce_cases():
        got, err = run(fn, logits, targets)
        problem = err or _bce_problem(got, logits, targets)
        if problem:
            return finish(f"on {label}: {problem}", "", quiet=quiet)
    label, logits, targets = _bce_cases()[1]  # the lesson trains D through it: is there a gradient?
    problem = _bce_gradient_problem(fn, logits, targets)
    if problem:
        return finish(f"on {label}: {problem}", "", quiet=quiet)
    return finish(None, "your BCE matches torch's binary_cross_entropy_with_logits, also at "
                  "logits of +-200, and its gradient is (sigmoid(l) - y) / B.", quiet=quiet)


def _bce_gradient_problem(fn: Callable[[Tensor, Tensor], Tensor], logits: Tensor,
                          targets: Tensor) -> str | None:
    """None when the loss carries the right gradient back to the logits, else what is wrong."""
    leaf = logits.clone().requires_grad_(True)
    got, err = run(fn, leaf, targets)  # run clones the leaf; the gradient still reaches it
    if err:
        return err
    if not isinstance(got, Tensor) or not got.requires_grad:
        what = ("a Python number: did you call .item()?" if isinstance(got, numbers.Real)
                else f"a {type(got).__name__} without a graph: did you .detach() or go through "
                "numpy?")
        return (f"the value is right, but it carries no gradient ({what}). D learns by "
                "loss_D.backward(): return the torch tensor itself")
    try:
        (grad,) = torch.autograd.grad(got.sum(), leaf, allow_unused=True)
    except RuntimeError as error:
        return f"the value is right, but its gradient could not be taken: {error}"
    if grad is None:
        return ("the value is right, but no gradient reaches the logits (did you .detach() "
                "them?); D learns by loss_D.backward()")
    expected = (torch.sigmoid(logits) - targets) / logits.numel()  # (B,) d loss / d logits
    problem = compare(grad, expected, name="the gradient d loss / d logits", atol=1e-6,
                      rtol=1e-3)
    return problem and f"the value is right, but {problem}"


def _bce_problem(got: Any, logits: Tensor, targets: Tensor) -> str | None:
    expected = F.binary_cross_entropy_with_logits(logits, targets)  # torch's own, a scalar
    problem = compare(got, expected, name="the loss", atol=1e-4, rtol=1e-4)
    if problem is None:
        return None
    n = logits.numel()
    per_sample = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")  # (B,)
    if isinstance(got, Tensor) and tuple(got.shape) in ((n,), (n, 1)):
        return (f"expected a scalar (one number for the batch), got shape {tuple(got.shape)}: "
                "that is one loss per sample; take the .mean() over the batch")
    g = as_float64(got)
    if g is None or g.numel() != 1:
        return problem
    big = bool(logits.abs().max() > 50)
    if not bool(torch.isfinite(g).all()):
        if big:
            return (f"your loss is {g.item()} at these large logits: sigmoid(-200) underflows to "
                    "0 and sigmoid(25) rounds to 1.0 in float32, so log(sigmoid(l)) or "
                    "log(1 - sigmoid(l)) becomes log(0) = -inf; use F.logsigmoid(l) for log D "
                    "and F.logsigmoid(-l) for log(1 - D)")
        return ("your loss is NaN or inf on ordinary logits: did you take the log of the logits "
                "as if they were probabilities? Logits can be negative; log D(x) is "
                "F.logsigmoid(logits)")
    if close(got, -expected):
        return (f"expected {expected.item():.4f}, got {float(g):.4f}: the sign is flipped (the "
                "minus in front of the sum); BCE is -[y log D + (1 - y) log(1 - D)], never < 0")
    if close(got, expected * n):
        return (f"expected {expected.item():.4f}, got {float(g):.4f} = {n} x the expected value: "
                "you summed over the batch; take the mean")
    if close(got, -expected * n):
        return (f"expected {expected.item():.4f}, got {float(g):.4f}: you summed instead of "
                "averaging and the sign is flipped (the minus in front)")
    if close(got, F.binary_cross_entropy_with_logits(-logits, targets)) or close(
            got, F.binary_cross_entropy_with_logits(logits, 1 - targets)):
        return ("the two terms are swapped: a target of 1 (real) must score log sigma(l), "
                "i.e. F.logsigmoid(logits), and a target of 0 must score log(1 - sigma(l)), "
                "i.e. F.logsigmoid(-logits)")
    if close(got, F.binary_cross_entropy_with_logits(torch.sigmoid(logits), targets)):
        return ("you applied the sigmoid twice: F.logsigmoid already contains it, so pass the "
                "raw logits to it, not torch.sigmoid(logits)")
    if close(got, (targets * per_sample).mean()) or close(got, ((1 - targets) * per_sample).mean()):
        return "only one of the two terms counts: add y log D and (1 - y) log(1 - D)"
    if big:
        probs = torch.sigmoid(logits)
        via_probs = [F.binary_cross_entropy(probs, targets)]  # torch clamps log at -100
        via_probs += [-(targets * torch.log(probs + eps) + (1 - targets) * torch.log(1 - probs + eps)
                        ).mean() for eps in (1e-7, 1e-8, 1e-12)]
        if any(close(got, v, atol=1e-3) for v in via_probs) or float(g) < expected.item() - 1:
            return (f"expected {expected.item():.2f}, got {float(g):.2f}: the loss is too small "
                    "where D is confidently wrong. You went through probabilities: sigmoid(25) "
                    "is exactly 1.0 in float32, so log(1 - D) can only be clamped or epsiloned. "
                    "Work with the logits: F.logsigmoid(l) and F.logsigmoid(-l)")
    return problem


# --------------------------------------------------------------------------- 2. D* for two Gaussians


def _d_star_cases() -> list[tuple[str, ToyDistribution, ToyDistribution]]:
    return [
        ("p_data = N(0, 1), p_g = N(1.5, 1.5^2)", gaussian_1d(0.0, 1.0), gaussian_1d(1.5, 1.5)),
        ("p_data = N(0, 2^2), p_g = N(0.5, 0.5^2)", gaussian_1d(0.0, 2.0), gaussian_1d(0.5, 0.5)),
        ("p_data = two bumps at -2 and 2, p_g = N(0, 1)", mixture_1d((-2.0, 2.0), 0.5),
         gaussian_1d(0.0, 1.0)),
    ]


def check_d_star(fn: Callable[[Tensor, ToyDistribution, ToyDistribution], Tensor], *,
                 quiet: bool = False) -> Feedback:
    """Check ``fn(x, real, fake)`` -> D*(x) of shape (n,), for x of shape (n, 1).

    First on 41 points in [-4, 4] for three pairs of distributions, then far out (|x| = 40, 60),
    where both densities underflow to 0 in float32 and only a log-space answer stays right.
    """
    x_bulk = torch.linspace(-4, 4, 41)[:, None]  # (41, 1)
    x_far = torch.tensor([-60.0, -40.0, 40.0, 60.0])[:, None]  # (4, 1)
    for x, where in ((x_bulk, "41 points in [-4, 4]"), (x_far, "x = -60, -40, 40, 60")):
        for label, real, fake in _d_star_cases():
            got, err = run(fn, x, real, fake)
            problem = err or _d_star_problem(got, x, real, fake)
            if problem:
                return finish(f"for {label} at {where}: {problem}", "", quiet=quiet)
    return finish(None, "d_star matches p_data / (p_data + p_g), also far in the tails where "
                  "both densities round to 0.", quiet=quiet)


def _d_star_problem(got: Any, x: Tensor, real: ToyDistribution, fake: ToyDistribution
                    ) -> str | None:
    expected = ref.d_star(x, real, fake)  # (n,)
    n = x.shape[0]
    if isinstance(got, Tensor) and tuple(got.shape) == (n, 1):
        return (f"expected shape ({n},), got ({n}, 1): `.density(x)` already returns (n,); "
                "drop the extra dimension (or .squeeze(1))")
    problem = compare(got, expected, name="D*(x)", atol=1e-4, rtol=1e-3)
    if problem is None:
        return None
    far = bool(x.abs().min() > 10)
    g = as_float64(got)
    if g is None or g.shape != expected.shape:
        return problem
    if not bool(torch.isfinite(g).all()):
        if far:
            return ("NaN out in the tails: both densities underflow to 0 in float32 there "
                    "(nothing below about 1e-45 exists), so p / (p + q) is 0 / 0. Divide "
                    "numerator and denominator by p_data: D* = sigmoid(log p_data - log p_g), "
                    "with .log_density, which never underflows")
        return "NaN or inf: check the division (is the denominator p_data + p_g?)"
    if not far and close(got, 1 - expected):
        return ("you returned p_g / (p_data + p_g), the probability of *fake*; "
                "D*(x) is the probability that x is real")
    p_log, q_log = real.log_density(x).double(), fake.log_density(x).double()
    if not far and close(got, (p_log - q_log).exp(), rtol=1e-3):
        return ("that is the density ratio p_data / p_g, which can exceed 1; D* is a "
                "probability: p_data / (p_data + p_g)")
    if not far and close(got, p_log - q_log, rtol=1e-3):
        return "that is the logit of D* (log p_data - log p_g); apply the sigmoid to it"
    if far:
        i = int((g - expected).abs().argmax())
        return (f"at x = {x[i, 0].item():g} expected D* = {expected[i].item():.3g} "
                f"(log p_data - log p_g = {(p_log - q_log)[i].item():.0f} there), got "
                f"{float(g[i]):.3g}: both densities round to 0 in float32, so a small epsilon, "
                "not the data, decides. Work in log space: sigmoid(log p_data - log p_g)")
    return problem


# --------------------------------------------------------------------------- 3. conv output size


_CONV_CASES = [
    ((28, 5, 2, 2), "the slides' block 1, 28 -> ?"),
    ((14, 5, 2, 2), "the slides' block 2, 14 -> ?"),
    ((7, 5, 2, 2), "the slides' block 3, 7 -> ?"),
    ((4, 5, 1, 2), "the slides' block 4, stride 1"),
    ((28, 4, 2, 1), "DCGAN's 4x4 stride-2 conv"),
    ((7, 7, 1, 0), "DCGAN's last conv, 7x7 without padding"),
    ((32, 3, 1, 0), "a 3x3 conv without padding"),
    ((10, 3, 3, 1), "a stride-3 3x3 conv"),
]


def check_conv_out(fn: Callable[[int, int, int, int], int], *, quiet: bool = False) -> Feedback:
    """Check ``fn(n, k, s, p)``: the output size of nn.Conv2d, against torch on 8 layers."""
    expected, got = [], []
    for (n, k, s, p), _ in _CONV_CASES:
        layer = nn.Conv2d(1, 1, k, stride=s, padding=p)
        with torch.no_grad():
            expected.append(layer(torch.zeros(1, 1, n, n)).shape[-1])
        value, err = run(fn, n, k, s, p)
        if err is not None:
            return finish(err, "", quiet=quiet)
        if isinstance(value, Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return finish(f"expected an int, got {value!r}", "", quiet=quiet)
        got.append(value)
    wrong = [i for i, (g, e) in enumerate(zip(got, expected, strict=True))
             if g != e or not isinstance(g, numbers.Integral)]
    if not wrong:
        return finish(None, "conv_out matches torch on 8 layers: 28 -> 14 -> 7 -> 4 -> 4 for the "
                      "slides' D, and DCGAN's.", quiet=quiet)
    i = wrong[0]
    (n, k, s, p), label = _CONV_CASES[i]
    return finish(f"for n={n}, k={k}, s={s}, p={p} ({label}) torch gives {expected[i]}, you gave "
                  f"{got[i]}: {_conv_hint(got, expected)}", "", quiet=quiet)


# Typical wrong formulas, each with what to fix; matched on all 8 cases at once.
_CONV_MISTAKES: list[tuple[Callable[[int, int, int, int], float], str]] = [
    (lambda n, k, s, p: (n + 2 * p - k) / s + 1,
     "no rounding: a window that would hang over the edge is not used, round down (//)"),
    (lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1,
     "you rounded up; a window that would hang over the padded edge is not used (//)"),
    (lambda n, k, s, p: (n + 2 * p - k) // s,
     "off by one: the first window position counts too (+ 1)"),
    (lambda n, k, s, p: (n + p - k) // s + 1,
     "padding adds p rows on *both* sides: the padded input has n + 2p rows"),
    (lambda n, k, s, p: n + 2 * p - k + 1,
     "the stride is missing: the window jumps s rows at a time, so divide by s"),
    (lambda n, k, s, p: (n - k) // s + 1,
     "the padding is missing: the padded input has n + 2p rows"),
]


def _conv_hint(got: list[float], expected: list[int]) -> str:
    if got == expected:
        return "right values but not ints; use floor division // so the result is an int"
    mistakes = [([formula(*args) for args, _ in _CONV_CASES], hint)
                for formula, hint in _CONV_MISTAKES]
    return (typical_mistake(got, mistakes, atol=0, rtol=0)  # exact: these are whole numbers
            or "count where a k-row window fits in the n + 2p padded rows, moving s at a time")


# --------------------------------------------------------------------------- 4. D*'s accuracy


def _accuracy_cases() -> list[tuple[str, ToyDistribution, ToyDistribution]]:
    return [
        ("p_data = N(0, 1), p_g = N(1.5, 1.5^2)", gaussian_1d(0.0, 1.0), gaussian_1d(1.5, 1.5)),
        ("p_data = p_g = N(0, 1)", gaussian_1d(0.0, 1.0), gaussian_1d(0.0, 1.0)),
        ("p_data = two bumps at -2 and 2, p_g = N(0, 1)", mixture_1d((-2.0, 2.0), 0.5),
         gaussian_1d(0.0, 1.0)),
        ("p_data = N(0, 1), p_g = N(6, 1)", gaussian_1d(0.0, 1.0), gaussian_1d(6.0, 1.0)),
    ]


def check_best_accuracy(fn: Callable[[ToyDistribution, ToyDistribution, Tensor], float], *,
                        quiet: bool = False) -> Feedback:
    """Check ``fn(real, fake, x)``: D*'s accuracy, 1/2 the integral of max(p_data, p_g), on a grid
    x (n, 1) of [-12, 14]; for four pairs of 1-D distributions, to within 1e-3."""
    x = torch.linspace(-12.0, 14.0, 2601)[:, None]  # (2601, 1), steps of 0.01
    for label, real, fake in _accuracy_cases():
        got, err = run(fn, real, fake, x)
        problem = err or _accuracy_problem(got, real, fake, x)
        if problem:
            return finish(f"for {label}: {problem}", "", quiet=quiet)
    return finish(None, "best_accuracy matches 1/2 * integral of max(p_data, p_g): 1/2 when "
                  "p_g = p_data, near 1 when they do not overlap.", quiet=quiet)


def _accuracy_problem(got: Any, real: ToyDistribution, fake: ToyDistribution, x: Tensor
                      ) -> str | None:
    expected = ref.best_accuracy(real, fake, x)
    g = as_float64(got)
    if g is None or g.numel() != 1:
        shape = f" of shape {tuple(g.shape)}" if g is not None else ""
        return (f"expected one number (a float), got {type(got).__name__}{shape}: integrate "
                "over the grid, e.g. torch.trapezoid(values, x[:, 0]), and return .item()")
    value = float(g.reshape(()))
    if math.isfinite(value) and abs(value - expected) <= 1e-3:
        return None
    p, q = real.density(x).double(), fake.density(x).double()  # (n,) each
    xs, dx = x[:, 0].double(), float(x[1, 0] - x[0, 0])
    integral = lambda f: torch.trapezoid(f, xs).item()  # noqa: E731
    d = p / (p + q).clamp_min(1e-300)
    mistakes = [
        (2 * expected, "above 1: that is the integral of max(p_data, p_g) without the 1/2; half "
                       "of the test set is real and half fake, so each side weighs 1/2"),
        (1 - expected, "that is D*'s error rate, 1/2 * integral of min(p_data, p_g): D* picks "
                       "the *larger* density at each x"),
        (expected / dx, f"about {1 / dx:.0f} x too large: you summed densities without the grid "
                        f"step dx = {dx:.2g}; an integral is sum(f(x) * dx), or torch.trapezoid"),
        (2 * expected - 1, "that is the total variation distance 1/2 * integral |p_data - p_g|; "
                           "the accuracy is 1/2 + TV / 2"),
        (0.5 * integral(p * d + q * (1 - d)),
         "that is the accuracy of a D that says 'real' at random with probability D*(x); the "
         "best D answers with certainty: real wherever p_data > p_g"),
        (0.5 * integral(p + q), "that integrates p_data + p_g (it is always 1): take the larger "
                                "of the two at each x, torch.maximum(p, q)"),
    ]
    hint = typical_mistake(value, mistakes, atol=2e-3, rtol=1e-3)
    return (f"expected {expected:.4f}, got {value:.4f}"
            + (f": {hint}" if hint else ": at each x, D* is right on the larger of the two "
               "densities; integrate half of it over the grid"))
