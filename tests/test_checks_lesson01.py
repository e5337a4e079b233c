"""Lesson 01's checks accept the reference answers and reject typical wrong ones, saying why."""

from __future__ import annotations

import math

import torch
from checkhelp import passes_and_names_a_stub, rejects

from gan_course.checks import lesson01 as checks
from gan_course.solutions import lesson01 as ref

LOG_2PI = math.log(2 * math.pi)




def test_references_are_right():
    # Laplace: the quantiles of 200k samples match the inverse CDF at fixed u, and F(F^-1(u)) = u.
    u = torch.tensor([0.05, 0.3, 0.5, 0.8])
    x = ref.laplace_icdf(u, 1.0, 2.0)
    cdf = torch.where(x < 1, 0.5 * torch.exp((x - 1) / 2), 1 - 0.5 * torch.exp(-(x - 1) / 2))
    assert torch.allclose(cdf, u, atol=1e-6)
    # Gaussian fit against torch's biased estimates; log-likelihood against torch.distributions.
    data = torch.randn(50, generator=torch.Generator().manual_seed(0))
    mean, std = ref.fit_gaussian(data)
    assert torch.isclose(std, data.std(correction=0)) and torch.isclose(mean, data.mean())
    normal = torch.distributions.Normal(0.3, 1.7)
    assert torch.isclose(ref.gaussian_log_likelihood(data, 0.3, 1.7), normal.log_prob(data).mean())
    assert torch.allclose(ref.mixture_weights(torch.tensor([1, 1, 0]), 3), torch.tensor([1 / 3, 2 / 3, 0]))


def test_alternative_correct_answers_pass():
    def laplace_where(u, loc=0.0, scale=1.0):
        return torch.where(u < 0.5, loc + scale * torch.log(2 * u), loc - scale * torch.log(2 - 2 * u))

    def box_muller_swapped(u1, u2):  # sin first, as a tuple stacked differently: still correct
        r = torch.sqrt(-2 * torch.log(u1))
        return torch.column_stack([r * torch.sin(2 * math.pi * u2), r * torch.cos(2 * math.pi * u2)])

    assert checks.check_laplace_icdf(laplace_where, quiet=True).ok
    assert checks.check_fit_gaussian(lambda x: (float(x.mean()), float(x.std(correction=0))),
                                     quiet=True).ok
    assert checks.check_mixture_weights(
        lambda c, k: torch.tensor([(c == i).float().mean() for i in range(k)]), quiet=True).ok
    assert checks.check_box_muller(box_muller_swapped, quiet=True).ok


def test_laplace_mistakes():
    c = checks.check_laplace_icdf

    def sign(u, s=1.0):
        return torch.sign(u - 0.5) * torch.log1p(-2 * (u - 0.5).abs()) * s

    rejects(c, lambda u, loc=0, scale=1: loc + sign(u, scale), "mirrored")
    rejects(c, lambda u, loc=0, scale=1: -sign(u, scale), "add loc")
    rejects(c, lambda u, loc=0, scale=1: loc - sign(u), "multiply")
    rejects(c, lambda u, loc=0, scale=1: loc - scale * math.log(u), "torch functions")
    rejects(c, lambda u, loc=0, scale=1: loc - scale * torch.log(1 - u), "differs")
    rejects(c, lambda u, loc=0, scale=1: loc + scale * torch.log(2 * u), "u >= 1/2", "branch")
    rejects(c, lambda u, loc=0, scale=1: loc - scale * torch.log(2 - 2 * u), "u < 1/2", "branch")
    rejects(c, lambda u, loc=0, scale=1: loc + scale * torch.log(1 - 2 * u), "nan")
    rejects(c, lambda u, loc=0, scale=1: (loc - sign(u, scale))[:-1], "shape")
    rejects(c, lambda u, loc=0, scale=1: loc + scale * torch.log(-torch.log(u)), "increase")


def test_fit_gaussian_mistakes():
    c = checks.check_fit_gaussian
    rejects(c, lambda x: (x.mean(), x.std()), "N - 1", "correction=0")
    rejects(c, lambda x: (x.mean(), x.var(correction=0)), "variance")
    rejects(c, lambda x: (x.mean(), x.var()), "unbiased variance")
    rejects(c, lambda x: x.mean(), "pair")
    rejects(c, lambda x: (x.median(), x.std(correction=0)), "mean differs")
    rejects(c, lambda x: (x.std(correction=0), x.mean()), "mean")


def test_mixture_weight_mistakes():
    c = checks.check_mixture_weights
    rejects(c, lambda k, n: torch.unique(k, return_counts=True)[1] / len(k), "minlength", "never occurs")
    rejects(c, lambda k, n: torch.bincount(k, minlength=n), "counts", "divide")
    rejects(c, lambda k, n: torch.bincount(k, minlength=n) / n, "differs")


def test_log_likelihood_mistakes():
    c = checks.check_gaussian_log_likelihood

    def per_sample(x, m, s):
        s = torch.as_tensor(s)
        return -0.5 * ((x - m) / s) ** 2 - torch.log(s) - 0.5 * LOG_2PI

    rejects(c, lambda x, m, s: per_sample(x, m, s).sum(), "summed")
    rejects(c, per_sample, "per-sample", "average")
    rejects(c, lambda x, m, s: -per_sample(x, m, s).mean(), "sign")
    rejects(c, lambda x, m, s: (per_sample(x, m, s) + 0.5 * LOG_2PI).mean(), "2 pi")
    rejects(c, lambda x, m, s: (per_sample(x, m, s) + torch.log(torch.as_tensor(s))).mean(), "log(std)")
    rejects(c, lambda x, m, s: per_sample(x, m, torch.as_tensor(s) ** 2).mean(), "variance")
    rejects(c, lambda x, m, s: (-0.5 * (x - m) ** 2).mean(), "differs")


def test_box_muller_mistakes():
    c = checks.check_box_muller

    def bm(radius, angle, second=torch.sin):
        return torch.stack([radius * torch.cos(angle), radius * second(angle)], dim=1)

    tau = 2 * math.pi
    rejects(c, lambda a, b: bm(torch.sqrt(-torch.log(a)), tau * b), "std 0.7", "radius")
    rejects(c, lambda a, b: bm(-2 * torch.log(a), tau * b), "std")
    rejects(c, lambda a, b: bm(torch.sqrt(2 * torch.log(a)), tau * b), "minus sign")
    rejects(c, lambda a, b: bm(torch.sqrt(-2 * torch.log(a)), tau * b, torch.cos), "correlated")
    rejects(c, lambda a, b: bm(torch.sqrt(-2 * torch.log(a)), b), "mean")
    rejects(c, lambda a, b: bm(torch.sqrt(-2 * torch.log(a)), tau * b).T, "shape")
    rejects(c, lambda a, b: torch.randn(len(a), 2), "fixed function")
    rejects(c, lambda a, b: torch.sqrt(-2 * torch.log(a)) * torch.cos(tau * b), "shape")


def test_unfinished_answers_do_not_raise():
    def unfinished(*args, **kwargs):
        ...

    def crashing(*args, **kwargs):
        raise NotImplementedError

    for check in (checks.check_laplace_icdf, checks.check_fit_gaussian, checks.check_mixture_weights,
                  checks.check_gaussian_log_likelihood, checks.check_box_muller):
        rejects(check, unfinished, "return")
        rejects(check, crashing, "not written yet")




def test_odd_results_are_reported_not_raised():
    for odd in ("text", [[1, 2], [3]], None, (1, "a")):
        for check in (checks.check_laplace_icdf, checks.check_fit_gaussian,
                      checks.check_mixture_weights, checks.check_gaussian_log_likelihood,
                      checks.check_box_muller):
            fb = check(lambda *args, _odd=odd, **kwargs: _odd, quiet=True)
            assert not fb.ok and fb.message.startswith("Not yet")


def test_exponential_icdf(capsys):
    c = checks.check_exponential_icdf
    u = torch.tensor([0.0, 0.2, 0.9])
    x = ref.exponential_icdf(u, 2.0)
    assert torch.allclose(1 - torch.exp(-2.0 * x), u, atol=1e-6)  # F(F^-1(u)) = u
    assert c(lambda u, rate: -torch.log(1 - u) / rate, quiet=True).ok  # log(1 - u) is fine too
    passes_and_names_a_stub(c, ref.exponential_icdf, capsys, "forget")
    rejects(c, lambda u, rate: torch.log1p(-u) / rate, "negative", "minus sign")
    rejects(c, lambda u, rate: -torch.log(u) / rate, "log(u) instead of log(1 - u)")
    rejects(c, lambda u, rate: -torch.log1p(-u) * rate, "rate=2.5", "divide by the rate")
    rejects(c, lambda u, rate: -math.log(1 - u) / rate, "torch functions")
