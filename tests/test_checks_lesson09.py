"""Lesson 09's checks accept the reference answers and reject typical wrong ones, saying why; the
reference answers agree with the package's metrics and with closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from checkhelp import passes_and_names_a_stub, rejects

from gan_course import metrics
from gan_course.checks import lesson09 as checks
from gan_course.solutions import lesson09 as ref

ALL = {"frechet_distance": (checks.check_frechet_distance, ref.frechet_distance),
       "inception_score": (checks.check_inception_score, ref.inception_score),
       "precision_recall": (checks.check_precision_recall, ref.precision_recall)}


@pytest.mark.parametrize("name", ALL)
def test_the_reference_passes_in_one_line_and_a_stub_is_reported(name, capsys):
    passes_and_names_a_stub(*ALL[name], capsys, "none", "return")


# ---- exercise 1: the Frechet distance ---------------------------------------------------------


def _fid(mu1, s1, mu2, s2, *, factor=2.0, root="matrix", squared_mean=True, sqrt_all=False,
         as_complex=False):
    """Written-out variants of the FID: the matrix square root by an eigendecomposition."""
    mu1, mu2, s1, s2 = (np.asarray(a, dtype=np.float64) for a in (mu1, mu2, s1, s2))
    if root == "matrix":
        w, v = np.linalg.eig(s1 @ s2)
        sqrt = (v * np.sqrt(w.astype(complex))) @ np.linalg.inv(v)  # complex, like sqrtm
        cross = np.trace(sqrt) if as_complex else np.trace(sqrt).real
    elif root == "entrywise":
        cross = np.trace(np.sqrt(s1 @ s2))
    else:  # no root at all
        cross = np.trace(s1 @ s2)
    diff = np.linalg.norm(mu1 - mu2)
    d = (diff**2 if squared_mean else diff) + np.trace(s1) + np.trace(s2) - factor * cross
    return np.sqrt(d) if sqrt_all else d


def test_frechet_distance_variants_differ_on_the_checks_inputs():
    for mu1, s1, mu2, s2 in checks._fid_inputs():
        expected = ref.frechet_distance(mu1, s1, mu2, s2)
        for value, hint in checks._fid_variants(mu1, s1, mu2, s2):
            if math.isfinite(value):
                assert abs(value - expected) > 1e-3 * abs(expected), hint
    first = checks._fid_inputs()[0]
    assert all(math.isfinite(v) for v, _ in checks._fid_variants(*first))  # all named at D = 4
    assert abs(float(np.sum((first[0] - first[2]) ** 2)) - 1) > 0.3  # |dmu| and |dmu|^2 differ


def test_frechet_distance_mistakes():
    check = checks.check_frechet_distance
    rejects(check, lambda *a: _fid(*a, factor=1.0), "factor 2")
    rejects(check, lambda *a: _fid(*a, root="entrywise"), "np.sqrt", "each entry", "square root")
    rejects(check, lambda *a: _fid(*a, root="none"), "not the product")
    rejects(check, lambda *a: _fid(*a, squared_mean=False), "squared", "not the norm")
    rejects(check, lambda *a: _fid(*a, sqrt_all=True), "squared frechet", "square root")
    rejects(check, lambda *a: _fid(*a, as_complex=True), "complex", ".real")
    rejects(check, lambda *a: torch.tensor([_fid(*a)]), "one number", "tensor of shape (1,)")
    rejects(check, lambda *a: np.full((len(a[0]), len(a[0])), _fid(*a)), "take its trace")
    rejects(check, lambda *a: str(_fid(*a)), "float", "str")
    rejects(check, lambda *a: _fid(*a) * (1 + 1e-4), "close but not within", "float64")
    rejects(check, lambda *a: 2 * _fid(*a), "expected")


def test_frechet_distance_accepts_numpy_scalars_and_0d_tensors_and_other_methods():
    check = checks.check_frechet_distance
    assert check(lambda *a: np.float64(_fid(*a)), quiet=True).ok
    assert check(lambda *a: torch.tensor(_fid(*a), dtype=torch.float64), quiet=True).ok
    assert check(lambda *a: np.array(_fid(*a)), quiet=True).ok  # 0-d array
    assert check(lambda *a: metrics.frechet_distance(*a), quiet=True).ok  # eigh, not eig

    def float32(mu1, s1, mu2, s2):  # all in float32: off by about 1e-7 relative here
        mu1, s1, mu2, s2 = (np.asarray(x, dtype=np.float32) for x in (mu1, s1, mu2, s2))
        w = np.linalg.eigvals(s1 @ s2).real.clip(min=0)
        return np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(w).sum()

    assert check(float32, quiet=True).ok


# ---- exercise 2: the inception score ---------------------------------------------------------


def _is(probs, *, exp=True, reverse=False, log=np.log, per_row=False, uniform=False):
    p = np.asarray(torch.as_tensor(probs).double())
    p_y = np.full_like(p[:1], 1 / p.shape[1]) if uniform else p.mean(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = (p_y * log(p_y / p) if reverse else np.where(p > 0, p * log(p / p_y), 0)).sum(axis=1)
    if per_row:
        return np.exp(kl).mean()
    return np.exp(kl.mean()) if exp else kl.mean()


def test_inception_score_variants_differ_on_the_checks_inputs():
    probs = checks._is_inputs()[0]
    expected = ref.inception_score(probs)
    for value, hint in checks._is_variants(probs):
        assert abs(float(value) - expected) > 1e-2 * expected, hint
    assert bool((probs > 0).all()) and (checks._is_inputs()[1] == 0).any()


def test_inception_score_mistakes():
    check = checks.check_inception_score
    rejects(check, lambda p: _is(p, exp=False), "mean kl", "exp")
    rejects(check, lambda p: _is(p, reverse=True), "wrong way round")
    rejects(check, lambda p: _is(p, log=np.log2), "natural log")
    rejects(check, lambda p: _is(p, per_row=True), "mean", "per row")
    rejects(check, lambda p: _is(p, uniform=True), "mean of the rows", "1/c")

    def nan_at_zero(p):
        p = torch.as_tensor(p).double()
        return float((p * (p / p.mean(0)).log()).sum(1).mean().exp())

    rejects(check, nan_at_zero, "0 log 0")
    rejects(check, lambda p: torch.as_tensor(_is(p)).reshape(1), "one number")
    rejects(check, lambda p: complex(_is(p)), "complex")


def test_inception_score_in_float32_or_from_entropies_is_accepted():
    def float32(p):
        p = torch.as_tensor(p).float()
        p_y = p.mean(0, keepdim=True)
        return (torch.xlogy(p, p) - torch.xlogy(p, p_y)).sum(1).mean().exp()  # a 0-d tensor

    def entropies(p):  # exp(H(p(y)) - E_x H(p(y|x)))
        p = torch.as_tensor(p).double()
        h = -torch.xlogy(p, p).sum(1)
        p_y = p.mean(0)
        return math.exp(float(-torch.xlogy(p_y, p_y).sum() - h.mean()))

    assert checks.check_inception_score(float32, quiet=True).ok
    assert checks.check_inception_score(entropies, quiet=True).ok
    assert checks.check_inception_score(metrics.inception_score, quiet=True).ok


# ---- exercise 3: precision and recall ---------------------------------------------------------


def _pr(real, fake, k=3, *, swap=False, self_count=False, shared="",
        keys=("precision", "recall"), fixed_k=None, strict=False, dtype=torch.float64):
    real, fake = torch.as_tensor(real).to(dtype), torch.as_tensor(fake).to(dtype)
    k = fixed_k or k

    def radii(x):
        d = torch.cdist(x, x)
        if not self_count:
            d += torch.diag(torch.full((len(x),), float("inf"), dtype=dtype))
        r = d.sort(dim=1).values[:, k - 1]
        return torch.full_like(r, float(getattr(r, shared)())) if shared else r

    d = torch.cdist(fake, real)
    inside = torch.lt if strict else torch.le
    p = inside(d, radii(real)[None, :]).any(1).double().mean().item()
    r = inside(d, radii(fake)[:, None]).any(0).double().mean().item()
    if swap:
        p, r = r, p
    return dict(zip(keys, (p, r), strict=True))


def test_the_point_clouds_tell_the_variants_apart():
    real, fake = checks._clouds()
    for k in (1, 3, 5):
        expected = ref.precision_recall(real, fake, k=k)
        p, r = expected["precision"], expected["recall"]
        assert p != r  # swapping shows
        for wrong in (checks._pr_variant(real, fake, k, self_count=True),
                      checks._pr_variant(real, fake, k, shared="mean"),
                      checks._pr_variant(real, fake, k, shared="median"),
                      checks._pr_variant(real, fake, k, real_radii=True),
                      tuple(_pr(real, fake, k, shared="median").values())):
            assert wrong != (p, r)
        # float32 distances and a strict < change nothing: no point lies on a ball's edge
        for variant in (dict(dtype=torch.float32), dict(strict=True)):
            assert _pr(real, fake, k, **variant) == pytest.approx(expected, abs=1e-12)
    results = {k: ref.precision_recall(real, fake, k=k) for k in (1, 3, 5)}
    assert results[1] != results[3] != results[5]  # a fixed k shows


def test_precision_recall_mistakes():
    check = checks.check_precision_recall
    rejects(check, lambda r, f, k=3: _pr(r, f, k, swap=True), "swapped")
    rejects(check, lambda r, f, k=3: _pr(r, f, k, self_count=True), "itself", "other")
    rejects(check, lambda r, f, k=3: _pr(r, f, k, shared="median"), "own radius")
    rejects(check, lambda r, f, k=3: _pr(r, f, k, shared="mean"), "own radius")
    rejects(check, lambda r, f, k=3: _pr(r, f, k, fixed_k=3), "k = 1", "k = 3", "k argument")
    rejects(check, lambda r, f, k=3: _pr(r, f, k, fixed_k=5), "k = 3", "k = 5", "k argument")
    rejects(check, lambda r, f: _pr(r, f), "k parameter")
    rejects(check, lambda r, f, k=3: _pr(r, f, k, keys=("p", "r")), "no key", "'precision'")
    rejects(check, lambda r, f, k=3: tuple(_pr(r, f, k).values()), "dict", "pair")
    rejects(check, lambda r, f, k=3: {"precision": torch.tensor([0.5]), "recall": 0.5},
            "'precision'", "one number")

    def counts(r, f, k=3):
        out = _pr(r, f, k)
        return {"precision": out["precision"] * len(f), "recall": out["recall"] * len(r)}

    rejects(check, counts, "counts")

    def real_radii_for_recall(r, f, k=3):
        r, f = torch.as_tensor(r).double(), torch.as_tensor(f).double()
        d_rr = torch.cdist(r, r) + torch.diag(torch.full((len(r),), float("inf"), dtype=r.dtype))
        radius = d_rr.kthvalue(k, dim=1).values
        inside = torch.cdist(f, r) <= radius[None, :]
        return {"precision": inside.any(1).double().mean(), "recall": inside.any(0).double().mean()}

    rejects(check, real_radii_for_recall, "recall needs", "points' radii")


def test_precision_recall_with_tensors_numpy_and_strict_inequality_is_accepted():
    check = checks.check_precision_recall
    assert check(lambda r, f, k=3: _pr(r.numpy(), f.numpy(), k, strict=True), quiet=True).ok
    assert check(lambda r, f, *, k: _pr(r, f, k, dtype=torch.float32), quiet=True).ok
    assert check(metrics.precision_recall, quiet=True).ok


# ---- the references against the package and closed forms -------------------------------------


def _random_gaussians(rng, d):
    a, b = rng.normal(size=(d, d)), rng.normal(size=(d, d))
    return rng.normal(size=d), a @ a.T / d + 0.1 * np.eye(d), rng.normal(size=d), b @ b.T / d


def test_the_references_agree_with_the_package():
    # Two methods (eigvals of s1 s2 here, eigh of s1^(1/2) s2 s1^(1/2) in the package) round
    # differently, by about 1e-10 relative on these well-conditioned matrices: 1e-7 leaves room
    # for other LAPACK builds. IS and P & R compute the same float64 sums, so they agree to
    # round-off, and the shares exactly.
    rng = np.random.default_rng(0)
    for d in (1, 2, 8, 32):
        args = _random_gaussians(rng, d)
        assert ref.frechet_distance(*args) == pytest.approx(metrics.frechet_distance(*args),
                                                            rel=1e-7, abs=1e-9)
    g = torch.Generator().manual_seed(0)
    for n, c in ((1, 3), (50, 10), (200, 4)):
        probs = torch.softmax(3 * torch.randn(n, c, generator=g), dim=1)
        assert ref.inception_score(probs) == pytest.approx(metrics.inception_score(probs),
                                                           rel=1e-12)
        assert ref.inception_score(probs.numpy()) == pytest.approx(ref.inception_score(probs))
    for n, m, d in ((40, 30, 2), (60, 80, 5)):
        real, fake = torch.randn(n, d, generator=g), 0.5 + torch.randn(m, d, generator=g)
        for k in (1, 3, 5):
            assert ref.precision_recall(real, fake, k=k) == metrics.precision_recall(real, fake, k=k)
            assert ref.precision_recall(real.numpy(), fake.numpy(), k=k) == \
                ref.precision_recall(real, fake, k=k)


def test_frechet_distance_closed_forms():
    rng = np.random.default_rng(1)
    for d in (1, 3, 10):
        m1, m2, eye = rng.normal(size=d), rng.normal(size=d), np.eye(d)
        # N(m1, I) vs N(m2, I): only the means differ
        assert ref.frechet_distance(m1, eye, m2, eye) == pytest.approx(np.sum((m1 - m2) ** 2),
                                                                       rel=1e-10, abs=1e-12)
        a, b = 0.5, 2.0  # N(0, a^2 I) vs N(0, b^2 I): D (a - b)^2
        zero = np.zeros(d)
        assert ref.frechet_distance(zero, a**2 * eye, zero, b**2 * eye) == \
            pytest.approx(d * (a - b) ** 2, rel=1e-10)
        assert ref.frechet_distance(m1, a * eye, m1, a * eye) == pytest.approx(0, abs=1e-12)
    assert isinstance(ref.frechet_distance(m1, eye, m2, eye), float)


def test_inception_score_closed_forms():
    for c in (2, 5, 10):
        one_hot = np.eye(c)[np.arange(4 * c) % c]  # N one-hot rows, evenly over C classes
        assert ref.inception_score(one_hot) == pytest.approx(c, rel=1e-12)
        same = np.tile(np.random.default_rng(c).dirichlet(np.ones(c)), (7, 1))  # identical rows
        assert ref.inception_score(same) == pytest.approx(1.0, rel=1e-12)
        assert ref.inception_score(torch.from_numpy(one_hot)) == pytest.approx(c)
    assert isinstance(ref.inception_score(np.eye(3)), float)


def test_precision_recall_closed_forms():
    x = torch.randn(30, 2, generator=torch.Generator().manual_seed(2))
    assert ref.precision_recall(x, x.clone(), k=3) == {"precision": 1.0, "recall": 1.0}
    far = ref.precision_recall(x, x + 100.0, k=3)  # disjoint clouds
    assert far == {"precision": 0.0, "recall": 0.0}
    jitter = 1e-3 * torch.randn(20, 2, generator=torch.Generator().manual_seed(3))
    out = ref.precision_recall(x, x[:5].repeat(4, 1) + jitter, k=3)
    assert out["precision"] == 1.0 and out["recall"] < 0.5  # collapse: precise, no coverage
