"""Checks for lesson 09, evaluating GANs (notebooks/09_evaluation.ipynb).

In a notebook::

    from gan_course.checks import lesson09 as checks
    checks.check_frechet_distance(frechet_distance)

Each ``check_*`` runs the learner's function and the reference in
`gan_course.solutions.lesson09` on seeded inputs, prints one ✅/❌ line naming what differs, and
returns a `Feedback` (truthy when right). A check never raises on a wrong answer.

Tolerances. The FID's inputs are float64 arrays, and the matrix square root (or the eigenvalues
it comes from) differs across CPUs and LAPACK builds by about 1e-8 relative, and between two
honest methods (sqrtm, eigh of s1^(1/2) s2 s1^(1/2), eigvals of s1 s2) by about as much: the
check allows 1e-6 relative. The inception score's first input is float32 probabilities, as a
classifier gives them; a learner who stays in float32 rounds at about 1e-7 per operation, and
exp turns the KL's absolute error into the score's relative error: 1e-5 relative. Precision and
recall are shares of points, multiples of 1/M and 1/N, so they must match (to 1e-9): the inputs
are chosen so that no point lies within float32 round-off of a ball's edge (the tests check
that float32 distances and a strict < give the same shares). Every wrong variant named below is
off by far more than these tolerances on these inputs (the tests check that too).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor

from gan_course.checks._core import Feedback, close, finish, forgot_return, run, typical_mistake
from gan_course.solutions import lesson09 as ref

__all__ = ["check_frechet_distance", "check_inception_score", "check_precision_recall"]

FID_RTOL = 1e-6  # float64 matrix square roots: ~1e-8 relative across CPUs and methods
IS_RTOL = 1e-5  # float32 probabilities: ~1e-7 per operation, amplified by exp


def _as_number(got: Any, name: str, *, matrix_hint: str = "",
               complex_hint: str = "return a real float") -> tuple[float | None, str | None]:
    """``got`` as a Python float, or (None, what is wrong with it).

    Floats, ints, NumPy scalars and 0-d arrays or tensors are accepted (converted with float());
    complex numbers, arrays or tensors with one axis or more, and anything else are not.
    """
    if got is None:
        return None, forgot_return(f"{name} is None")
    if isinstance(got, bool) or isinstance(got, np.bool_):
        return None, f"expected {name} to be a float, got a bool"
    if isinstance(got, Tensor | np.ndarray):
        shape = tuple(got.shape)
        if shape != ():
            kind = "a tensor" if isinstance(got, Tensor) else "an array"
            return None, (f"expected {name} to be one number (a float), got {kind} of shape "
                          f"{shape}{matrix_hint if len(shape) == 2 else ''}: return float(...)")
        complex_ = got.is_complex() if isinstance(got, Tensor) else np.iscomplexobj(got)
    else:
        complex_ = isinstance(got, complex | np.complexfloating)
        if not complex_ and not isinstance(got, int | float | np.integer | np.floating):
            return None, f"expected {name} to be a float, got {type(got).__name__}"
    if complex_:
        return None, f"{name} is a complex number ({complex(got):.6g}): {complex_hint}"
    value = float(got.detach() if isinstance(got, Tensor) else got)
    return value, None


# --------------------------------------------------------------------------- exercise 1: FID


def _covariance(rng: np.random.Generator, d: int, *, positive: bool) -> np.ndarray:
    """A well-conditioned covariance (d, d); with ``positive`` every entry is > 0."""
    b = rng.uniform(0.0, 1.0, (d, d)) if positive else rng.normal(size=(d, d))
    return b @ b.T / d + 0.2 * np.eye(d)


def _fid_inputs() -> list[tuple[np.ndarray, ...]]:
    """Two seeded problems: D = 4 with covariances of positive entries (so that an elementwise
    square root of their product stays finite and can be named), then D = 6 with any signs."""
    rng = np.random.default_rng(9)
    first = (rng.normal(0.0, 1.0, 4), _covariance(rng, 4, positive=True),
             rng.normal(0.5, 1.0, 4), _covariance(rng, 4, positive=True))
    second = (rng.normal(0.0, 1.0, 6), _covariance(rng, 6, positive=False),
              rng.normal(0.0, 1.0, 6), _covariance(rng, 6, positive=False))
    return [first, second]


def _fid_variants(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray,
                  s2: np.ndarray) -> list[tuple[float, str]]:
    """What the typical wrong formulas give, each with its hint."""
    traces = np.trace(s1) + np.trace(s2)
    sq_norm = float(np.sum((mu1 - mu2) ** 2))
    tr_sqrt = np.sqrt(np.linalg.eigvals(s1 @ s2).real.clip(min=0.0)).sum()
    fid = sq_norm + traces - 2 * tr_sqrt
    with np.errstate(invalid="ignore"):
        entrywise = [np.trace(np.sqrt(s1 @ s2)), np.trace(np.sqrt(s1 * s2))]
    return [
        (sq_norm + traces - tr_sqrt, "the cross term has a factor 2: "
         "tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))"),
        *((sq_norm + traces - 2 * t, "np.sqrt of a matrix takes the root of each entry; the FID "
           "needs the *matrix* square root of sigma1 @ sigma2 (scipy.linalg.sqrtm, or the "
           "square roots of its eigenvalues)") for t in entrywise),
        (sq_norm + traces - 2 * np.trace(s1 @ s2), "the cross term is the matrix square root of "
         "sigma1 @ sigma2, not the product itself"),
        (math.sqrt(sq_norm) + traces - 2 * tr_sqrt, "the mean term is the *squared* distance "
         "|mu1 - mu2|^2 (sum of squares), not the norm"),
        (math.sqrt(max(fid, 0.0)), "the FID is the squared Frechet distance: do not take the "
         "square root of the sum"),
    ]


def _fid_problem(fn: Callable[..., Any]) -> str | None:
    for mu1, s1, mu2, s2 in _fid_inputs():
        where = f"with D = {len(mu1)}: "
        got, err = run(fn, mu1.copy(), s1.copy(), mu2.copy(), s2.copy())
        if err:
            return where + err
        value, problem = _as_number(
            got, "the distance", matrix_hint=" (the matrix inside the trace? take its trace)",
            complex_hint="a matrix square root (scipy.linalg.sqrtm) comes back complex, with tiny "
            "imaginary parts from round-off; take .real and return a float")
        if problem:
            return where + problem
        expected = ref.frechet_distance(mu1, s1, mu2, s2)
        if not math.isfinite(value):
            return (where + "the distance is NaN or inf: np.sqrt of a matrix takes the root of "
                    "each entry (a negative one gives NaN); the FID needs the matrix square root")
        if close(value, expected, atol=1e-9, rtol=FID_RTOL):
            continue
        hint = typical_mistake(value, ((v, h) for v, h in _fid_variants(mu1, s1, mu2, s2)
                                       if math.isfinite(v)), atol=1e-9, rtol=1e-5)
        if hint:
            return where + hint
        if close(value, expected, atol=1e-6, rtol=1e-3):
            return (where + f"close but not within {FID_RTOL:g} relative (expected "
                    f"{expected:.10g}, got {value:.10g}): compute in float64, as the inputs are")
        return where + f"expected {expected:.6g}, got {value:.6g}"
    return None


def check_frechet_distance(fn: Callable[..., Any], *, quiet: bool = False) -> Feedback:
    """``fn(mu1, sigma1, mu2, sigma2)``: |mu1 - mu2|^2 + tr(s1 + s2 - 2 (s1 s2)^(1/2)), a float."""
    return finish(_fid_problem(fn), "Frechet distance right: the squared mean distance plus the "
                  "covariance term with the matrix square root, as a float.", quiet=quiet)


# --------------------------------------------------------------------------- exercise 2: IS


def _is_inputs() -> list[Any]:
    """Confident float32 rows over 10 unevenly used classes (no zeros: every wrong variant stays
    finite); then float64 rows with exact zeros, some one-hot (0 log 0 must count as 0)."""
    g = torch.Generator().manual_seed(9)
    bias = torch.linspace(-1.5, 1.5, 10)  # the classes are not used evenly: p(y) is not uniform
    first = torch.softmax(2.5 * torch.randn(64, 10, generator=g) + bias, dim=1)
    rows = np.zeros((12, 4))
    rows[np.arange(8), [0, 0, 1, 2, 2, 2, 3, 0]] = 1.0  # one-hot rows
    rows[8:] = [[0.5, 0.5, 0, 0], [0, 0.2, 0.8, 0], [0.1, 0, 0, 0.9], [0.25, 0.25, 0.25, 0.25]]
    return [first, rows]


def _is_variants(probs: Any) -> list[tuple[float, str]]:
    p = torch.as_tensor(probs).double()
    p_y = p.mean(dim=0, keepdim=True)
    kl = (p * (p / p_y).log()).sum(dim=1)  # (N,); the first input has no zeros
    reverse = (p_y * (p_y / p).log()).sum(dim=1)
    uniform = (p * (p * p.shape[1]).log()).sum(dim=1)
    natural_log = "use the natural log (np.log, torch.log): exp undoes ln, not log2 or log10"
    return [
        (kl.mean(), "that is the mean KL: the inception score is exp of it"),
        (reverse.mean().exp(), "the KL is the wrong way round: KL(p(y|x) || p(y)) = "
         "sum_y p(y|x) log(p(y|x) / p(y)), weighted by each row, not by p(y)"),
        ((kl / math.log(2)).mean().exp(), natural_log),
        ((kl / math.log(10)).mean().exp(), natural_log),
        (kl.exp().mean(), "the score is exp of the *mean* KL over the rows, not the mean of "
         "exp(KL) per row"),
        (uniform.mean().exp(), "p(y) is the mean of the rows (the classes the samples spread "
         "over), not the uniform 1/C"),
    ]


def _is_problem(fn: Callable[..., Any]) -> str | None:
    for i, probs in enumerate(_is_inputs()):
        n, c = probs.shape
        where = f"with {n} rows of {c} classes: "
        got, err = run(fn, probs.copy() if isinstance(probs, np.ndarray) else probs)
        if err:
            return where + err
        value, problem = _as_number(got, "the score")
        if problem:
            return where + problem
        if not math.isfinite(value):
            zeros = " some probabilities are exactly 0, and 0 * log 0 is nan in floating point: "
            return (where + "the score is NaN or inf:" + (zeros + "count 0 log 0 as 0 "
                    "(torch.xlogy(p, p), or a where)" if i else " is each row a probability?"))
        expected = ref.inception_score(probs)
        if close(value, expected, atol=1e-8, rtol=IS_RTOL):
            continue
        hint = typical_mistake(value, _is_variants(probs), atol=1e-8, rtol=1e-4) if i == 0 else None
        return where + (hint or f"expected {expected:.6g}, got {value:.6g}")
    return None


def check_inception_score(fn: Callable[..., Any], *, quiet: bool = False) -> Feedback:
    """``fn(probs)``: exp(mean over rows of KL(p(y|x) || p(y))), p(y) the mean row, a float."""
    return finish(_is_problem(fn), "inception score right: exp of the mean KL from each row to "
                  "the mean row, with 0 log 0 = 0.", quiet=quiet)


# --------------------------------------------------------------------------- exercise 3: P & R


def _clouds() -> tuple[Tensor, Tensor]:
    """Real N(0, I) and fake N(0.7, 0.6^2 I) points in 2-D: they partly overlap, so precision
    and recall differ, and each depends on k."""
    g = torch.Generator().manual_seed(9)
    real = torch.randn(200, 2, generator=g)
    fake = 0.7 + 0.6 * torch.randn(150, 2, generator=g)
    return real, fake


def _pr_variant(real: Tensor, fake: Tensor, k: int, *, self_count: bool = False,
                shared: str = "", real_radii: bool = False) -> tuple[float, float]:
    """A wrong precision and recall: the radius counting the point itself, one radius for all
    points of a set (``shared``: "mean" or "median" of the radii), or the real points' radii
    used for recall as well."""
    real, fake = real.double(), fake.double()

    def radii(x: Tensor) -> Tensor:
        d = torch.cdist(x, x)
        if not self_count:
            d.fill_diagonal_(float("inf"))
        r = d.kthvalue(k, dim=1).values
        return getattr(r, shared)().expand_as(r) if shared else r

    d = torch.cdist(fake, real)
    r_real = radii(real)
    precision = (d <= r_real[None, :]).any(dim=1).double().mean()
    if real_radii:  # "recall": a real point whose own ball holds a fake point
        recall = (d <= r_real[None, :]).any(dim=0).double().mean()
    else:
        recall = (d <= radii(fake)[:, None]).any(dim=0).double().mean()
    return float(precision), float(recall)


def _pr_values(got: Any) -> tuple[tuple[float, float] | None, str | None]:
    if got is None:
        return None, forgot_return(returns='{"precision": ..., "recall": ...}')
    if not isinstance(got, Mapping):
        pair = " (a pair? name them)" if isinstance(got, tuple | list) and len(got) == 2 else ""
        return None, (f"expected a dict with the keys 'precision' and 'recall', got "
                      f"{type(got).__name__}{pair}: return {{'precision': ..., 'recall': ...}}")
    missing = [key for key in ("precision", "recall") if key not in got]
    if missing:
        return None, (f"the dict has no key {' or '.join(repr(m) for m in missing)} (it has "
                      f"{sorted(map(str, got))}): return {{'precision': ..., 'recall': ...}}")
    values = []
    for key in ("precision", "recall"):
        value, problem = _as_number(got[key], repr(key))
        if problem:
            return None, problem
        values.append(value)
    return (values[0], values[1]), None


def _pr_problem(fn: Callable[..., Any]) -> str | None:
    real, fake = _clouds()
    for k in (3, 1, 5):  # k = 3 first: a fixed 3 passes it and is named at k = 1
        where = f"with k = {k}: "
        got, err = run(fn, real, fake, k=k)
        if err:
            if "keyword argument 'k'" in err:
                err += "; the check calls fn(real, fake, k=k): give your function a k parameter"
            return where + err
        values, problem = _pr_values(got)
        if problem:
            return where + problem
        answer = ref.precision_recall(real, fake, k=k)
        expected = (answer["precision"], answer["recall"])
        if close(values, expected, atol=1e-9, rtol=0):
            continue
        precision, recall = values
        wrong = [
            ((expected[1], expected[0]), "precision and recall are swapped: precision is the share "
             "of *fake* points inside the real balls, recall the share of real points inside the "
             "fake balls"),
            (_pr_variant(real, fake, k, self_count=True), "the radius counts the point itself (its "
             "distance 0 is the smallest): the radius is the distance to the k-th nearest *other* "
             "point, so leave the diagonal out (set it to inf)"),
            *((_pr_variant(real, fake, k, shared=how), "each point has its own radius, the "
               "distance to its own k-th nearest neighbour; one radius shared by all points is "
               "not the k-NN manifold") for how in ("mean", "median")),
            (_pr_variant(real, fake, k, real_radii=True), "recall needs the *fake* points' radii: a "
             "real point counts when it lies inside the ball of some fake point, of that fake "
             "point's radius"),
            ((expected[0] * len(fake), expected[1] * len(real)), "these are counts: divide by the "
             "number of points (fake ones for precision, real ones for recall)"),
        ]
        wrong += [((o["precision"], o["recall"]),
                   f"your result is the one for k = {j}, and the check asked for k = {k}: use the "
                   "k argument, not a fixed number")
                  for j in range(1, 9) if j != k
                  for o in [ref.precision_recall(real, fake, k=j)]]
        hint = typical_mistake(values, wrong, atol=1e-9, rtol=0)
        if hint:
            return where + hint
        if not all(0.0 <= v <= 1.0 for v in values):
            return where + f"precision and recall are shares, in [0, 1]; got {values}"
        return where + (f"expected precision {expected[0]:.4g} and recall {expected[1]:.4g}, got "
                        f"{precision:.4g} and {recall:.4g}")
    return None


def check_precision_recall(fn: Callable[..., Any], *, quiet: bool = False) -> Feedback:
    """``fn(real, fake, k=k)``: {"precision": ..., "recall": ...} from k-NN balls, for k 3, 1, 5."""
    return finish(_pr_problem(fn), "precision and recall right: k-th-neighbour balls around "
                  "each set, the share of fakes in the real ones and of reals in the fake ones.",
                  quiet=quiet)
