"""Checks for lesson 01 (distributions: data as samples).

In a notebook::

    from gan_course.checks import lesson01 as checks
    checks.check_laplace_icdf(laplace_icdf)

Each check runs the learner's function and the reference (``gan_course.solutions.lesson01``) on
fixed inputs, prints ✅ or ❌ with what differs, and returns a truthy/falsy :class:`Feedback`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from gan_course.checks._core import (
    Feedback,
    as_float64,
    close,
    compare,
    diagnose,
    finish,
    run,
    typical_mistake,
)
from gan_course.solutions import lesson01 as ref

__all__ = [
    "check_exponential_icdf",
    "check_laplace_icdf",
    "check_fit_gaussian",
    "check_mixture_weights",
    "check_gaussian_log_likelihood",
    "check_box_muller",
]


def _run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, str | None]:
    """`run`, plus a hint for math.* used on a tensor."""
    got, err = run(fn, *args, **kwargs)
    if err and ("only one element tensors" in err or "must be real number" in err):
        err += "; use torch functions (torch.log, torch.sign, ...) so it works on a whole tensor"
    return got, err


def _fixed_u() -> Tensor:
    return torch.tensor([0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99])


# --------------------------------------------------------------------------- inverse CDFs


def check_exponential_icdf(fn: Callable[..., Tensor], *, quiet: bool = False) -> Feedback:
    """Check ``fn(u, rate)``, the inverse CDF of Exponential(rate), on fixed u and two rates."""
    problem = None
    for rate in (1.0, 2.5):
        u = torch.cat([torch.zeros(1), _fixed_u()])  # u = 0 must give x = 0
        got, err = _run(fn, u.clone(), rate)
        problem = err or diagnose(_exponential_problem, got, u, rate)
        if problem:
            problem = f"with rate={rate}: {problem}"
            break
    return finish(problem, "your F^-1(u) turns uniform noise into exponential samples.",
                  quiet=quiet)


def _exponential_problem(got: Any, u: Tensor, rate: float) -> str | None:
    expected = ref.exponential_icdf(u, rate)
    problem = compare(got, expected, name=f"F^-1(u) at u={[round(v, 3) for v in u.tolist()]}",
                      atol=1e-4)
    if problem is None or got is None:
        return problem
    return typical_mistake(got, [
        (-expected, "your samples are negative: log(1 - u) is below 0, so F^-1 needs a minus sign"),
        (-torch.log(u) / rate, "you used log(u) instead of log(1 - u). That also gives exponential "
         "samples (u and 1 - u are both uniform), but it is not F^-1: small u must give small x"),
        (expected * rate**2, "divide by the rate, do not multiply by it: a larger rate means "
         "smaller samples (the mean is 1 / rate)"),
    ]) or problem




def check_laplace_icdf(fn: Callable[..., Tensor], *, quiet: bool = False) -> Feedback:
    """Check ``fn(u, loc=, scale=)``, the inverse CDF of Laplace(loc, scale), on fixed u."""
    problem = None
    for loc, scale in ((0.0, 1.0), (1.5, 0.5)):
        u = _fixed_u()
        got, err = _run(fn, u.clone(), loc=loc, scale=scale)
        problem = err or diagnose(_laplace_problem, got, u, loc, scale)
        if problem:
            problem = f"with loc={loc}, scale={scale}: {problem}"
            break
    return finish(problem, "your f(u) turns uniform noise into Laplace samples.", quiet=quiet)


def _laplace_problem(got: Any, u: Tensor, loc: float, scale: float) -> str | None:
    expected = ref.laplace_icdf(u, loc, scale)
    problem = compare(got, expected, name=f"f(u) at u={[round(v, 3) for v in u.tolist()]}", atol=1e-4)
    if problem is None or got is None:
        return problem
    if "NaN" in problem:
        return problem + " (a log of a negative number? 1 - 2|u - 1/2| is in (0, 1])"
    if close(got, 2 * loc - expected):
        return "your values are mirrored around loc: small u must give values below loc (a sign)"
    if loc != 0 and close(got, expected - loc):
        return "the values are right up to a shift: add loc"
    if scale != 1 and close(got, loc + (expected - loc) / scale):
        return "the values are right up to a factor: multiply the distance from loc by scale"
    g = as_float64(got)
    if g is None:
        return problem
    if g.shape != expected.shape:
        return problem
    low = u < 0.5
    for part, other, name in ((low, ~low, "u < 1/2"), (~low, low, "u >= 1/2")):
        if close(g[part], expected[part]) and not close(g[other], expected[other]):
            wrong = "u >= 1/2" if name == "u < 1/2" else "u < 1/2"
            return (f"right for {name} but wrong for {wrong}: each half of u needs its own branch "
                    "of F (torch.where(u < 0.5, ..., ...)), or the one-line form with sign and abs")
    if not bool((g.diff() > 0).all()):
        return problem + "; also, a quantile function must increase with u and yours does not"
    return problem


# --------------------------------------------------------------------------- 2. fitting a Gaussian


def check_fit_gaussian(fn: Callable[[Tensor], Any], *, quiet: bool = False) -> Feedback:
    """Check ``fn(x) -> (mean, std)``, the maximum-likelihood fit of a Gaussian to x (N,)."""
    pixels = torch.tensor([0.2, -0.1, 0.4, 0.0, 0.3, -0.2])  # six gray one-pixel images
    many = 3.0 + 2.0 * torch.randn(1000, generator=torch.Generator().manual_seed(0))
    problem = None
    for x in (pixels, many):
        got, err = _run(fn, x.clone())
        problem = err or diagnose(_gaussian_fit_problem, got, x)
        if problem:
            break
    return finish(problem, "mean and std are the maximum-likelihood fit.", quiet=quiet)


def _gaussian_fit_problem(got: Any, x: Tensor) -> str | None:
    if got is None:
        return compare(got, 0.0)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"expected a pair (mean, std), got {type(got).__name__}"
    mean, std = ref.fit_gaussian(x)
    problem = compare(got[0], mean, name="mean") or compare(got[1], std, name="std")
    if problem is None or problem.startswith("mean"):
        return problem
    n = x.numel()
    if close(got[1], x.std(), atol=1e-5):
        return (f"your std divides by N - 1 = {n - 1} (the unbiased estimate, torch's default); "
                f"the maximum-likelihood std divides by N = {n}: use x.std(correction=0)")
    if close(got[1], std**2, atol=1e-5):
        return "you returned the variance; the std is its square root"
    if close(got[1], x.var(), atol=1e-5):
        return "you returned the unbiased variance; the MLE std is sqrt(mean((x - mean)^2))"
    return problem


# --------------------------------------------------------------------------- 3. mixture weights


def check_mixture_weights(fn: Callable[[Tensor, int], Tensor], *,
                          quiet: bool = False) -> Feedback:
    """Check ``fn(component, n_components) -> (K,)``: the share of samples in each component."""
    small = torch.tensor([0, 2, 2, 1, 0, 2, 4, 4, 2, 0])  # component 3 never occurs
    large = torch.randint(0, 3, (500,), generator=torch.Generator().manual_seed(1))
    problem = None
    for component, k in ((small, 5), (large, 3)):
        got, err = _run(fn, component.clone(), k)
        problem = err or diagnose(_weights_problem, got, component, k)
        if problem:
            break
    return finish(problem, "counting gives the maximum-likelihood mixture weights.", quiet=quiet)


def _weights_problem(got: Any, component: Tensor, k: int) -> str | None:
    expected = ref.mixture_weights(component, k)
    problem = compare(got, expected, name="weights")
    if problem is None or got is None:
        return problem
    g = torch.as_tensor(got, dtype=torch.float64).reshape(-1)
    if g.numel() < k:
        return (f"expected {k} weights, got {g.numel()}: a component that never occurs still "
                "gets a weight (0); try torch.bincount(component, minlength=n_components)")
    if g.numel() == k and close(g, expected * component.numel()):
        return (f"these are counts (they sum to {int(g.sum())}); divide by the number of "
                "samples so they sum to 1")
    return problem


# --------------------------------------------------------------------------- 4. log-likelihood


def check_gaussian_log_likelihood(fn: Callable[..., Tensor], *, quiet: bool = False) -> Feedback:
    """Check ``fn(x, mean, std)``: the average of log N(x_i; mean, std^2) over x (N,)."""
    x = torch.tensor([0.9, -1.3, 2.2, 0.4, 3.1, -0.6, 1.7, 0.0])
    problem = None
    for mean, std in ((0.5, 2.0), (torch.tensor(-0.3), torch.tensor(0.7))):
        got, err = _run(fn, x.clone(), mean, std)
        problem = err or diagnose(_loglik_problem, got, x, mean, std)
        if problem:
            problem = f"with mean={float(mean)}, std={float(std)}: {problem}"
            break
    return finish(problem, "that is the average Gaussian log-likelihood.", quiet=quiet)


def _loglik_problem(got: Any, x: Tensor, mean, std) -> str | None:
    expected = ref.gaussian_log_likelihood(x, mean, std)
    problem = compare(got, expected, name="log-likelihood")
    if problem is None or got is None:
        return problem
    g = as_float64(got)
    if g is None:
        return problem
    if g.shape == x.shape:
        return f"{problem}: these are per-sample values; return their average"
    if g.shape != ():
        return problem
    s = float(std)
    half_log_2pi = 0.5 * math.log(2 * math.pi)
    diagnoses = [
        (expected * x.numel(), "you summed over the samples; take the average"),
        (-expected, "the sign is flipped: log-densities here are negative"),
        (expected + half_log_2pi, "missing the constant -0.5 * log(2 pi)"),
        (expected + math.log(s), "missing the -log(std) term (the Gaussian's normaliser)"),
        (ref.gaussian_log_likelihood(x, mean, s**2), "you used the variance where the std goes"),
    ]
    return typical_mistake(g, diagnoses) or problem


# --------------------------------------------------------------------------- 5. Box-Muller


def check_box_muller(fn: Callable[[Tensor, Tensor], Tensor], *, quiet: bool = False) -> Feedback:
    """Check ``fn(u1, u2) -> (N, 2)`` by the statistics of 200,000 outputs (any correct variant)."""
    g = torch.Generator().manual_seed(2)
    n = 200_000
    u1 = 1.0 - torch.rand(n, generator=g)  # (0, 1]: log(u1) is finite
    u2 = torch.rand(n, generator=g)
    got, err = _run(fn, u1.clone(), u2.clone())
    problem = err or diagnose(_box_muller_problem, got, n)
    if problem is None:
        again, _ = _run(fn, u1.clone(), u2.clone())
        if not (isinstance(again, Tensor) and torch.equal(again, got)):
            problem = ("two calls with the same u1, u2 gave different outputs: the output must be "
                       "a fixed function of u1 and u2 (no fresh randomness inside)")
    return finish(problem, "two uniforms in, two independent N(0, 1) samples out.", quiet=quiet)


def _box_muller_problem(got: Any, n: int) -> str | None:
    if got is None:
        return compare(got, 0.0)
    if not isinstance(got, Tensor):
        return f"expected a tensor of shape ({n}, 2), got {type(got).__name__}"
    if tuple(got.shape) != (n, 2):
        return f"expected shape ({n}, 2) (one pair per row; torch.stack(..., dim=1)), got {tuple(got.shape)}"
    z = got.detach().double()
    if not torch.isfinite(z).all():
        return "NaN or inf in the output: sqrt(-2 * log(u1)) needs the minus sign (log(u1) <= 0)"
    probs = torch.tensor([0.025, 0.16, 0.5, 0.84, 0.975], dtype=torch.float64)
    normal_q = torch.special.ndtri(probs)
    for col in range(2):
        c = z[:, col]
        if abs(c.mean().item()) > 0.02:
            return f"column {col} has mean {c.mean().item():.3f}; a standard normal has mean 0"
        if abs(c.std().item() - 1) > 0.02:
            return (f"column {col} has std {c.std().item():.3f}, expected 1 "
                    "(the radius is sqrt(-2 * log(u1)))")
        q = torch.quantile(c, probs)
        worst = int((q - normal_q).abs().argmax())
        if (q - normal_q).abs().max() > 0.04:
            return (f"column {col} does not look normal: its {probs[worst]:.3f} quantile is "
                    f"{q[worst]:.3f}, a standard normal's is {normal_q[worst]:.3f}")
    r = torch.corrcoef(z.T)[0, 1].item()
    if abs(r) > 0.02:
        return (f"the two columns are correlated (r = {r:.2f}); they must be independent: "
                "use cos for one and sin for the other")
    return None
