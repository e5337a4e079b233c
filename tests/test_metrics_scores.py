"""gan_course.metrics.scores (Frechet distance, inception score, precision / recall) against closed
forms and independent implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gan_course import metrics

# ---- Frechet distance ------------------------------------------------------------------------


def test_frechet_distance_closed_forms():
    # 1-D Gaussians: (m1 - m2)^2 + (s1 - s2)^2.
    assert metrics.frechet_distance([0.0], [[4.0]], [1.0], [[1.0]]) == pytest.approx(2.0)
    rng = np.random.default_rng(0)
    a = rng.normal(size=(6, 6))
    sigma = a @ a.T
    assert metrics.frechet_distance(np.ones(6), sigma, np.ones(6), sigma) == pytest.approx(
        0.0, abs=1e-8)
    # Diagonal covariances: sum over dims of (sqrt(s1) - sqrt(s2))^2.
    s1, s2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])
    expected = np.sum((np.sqrt(s1) - np.sqrt(s2)) ** 2)
    assert metrics.frechet_distance(np.zeros(3), np.diag(s1), np.zeros(3), np.diag(s2)) == (
        pytest.approx(expected))




def test_frechet_distance_against_the_eigenvalues_of_a_product():
    # Independent route: tr((s1 s2)^(1/2)) = sum of sqrt(eigenvalues of s1 s2), which are real and
    # >= 0 for PSD s1, s2 (s1 s2 is similar to s1^(1/2) s2 s1^(1/2)); numpy's general eig, no eigh.
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 8)), rng.normal(size=(5, 8))
    s1, s2 = a @ a.T / 8, b @ b.T / 8
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    tr_sqrt = np.sqrt(np.linalg.eigvals(s1 @ s2).real.clip(0)).sum()
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt
    assert metrics.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)
    # Symmetric in its two Gaussians.
    assert metrics.frechet_distance(mu2, s2, mu1, s1) == pytest.approx(expected, rel=1e-9)


def test_feature_stats_and_the_fid_of_two_samples_of_one_gaussian():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(20_000, 4, generator=g), torch.randn(20_000, 4, generator=g) + 1.0
    mu, sigma = metrics.feature_stats(x)
    assert mu.shape == (4,) and sigma.shape == (4, 4)
    assert np.allclose(sigma, np.eye(4), atol=0.03)
    # Shift every coordinate by 1: the distance is |mu1 - mu2|^2 = 4, plus sampling noise.
    assert metrics.frechet_distance(*metrics.feature_stats(x), *metrics.feature_stats(y)) == (
        pytest.approx(4.0, abs=0.05))
    with pytest.raises(ValueError, match=r"expected mu1, mu2 of shape \(D,\)"):
        metrics.frechet_distance(np.zeros(3), np.eye(2), np.zeros(3), np.eye(3))


# ---- inception score -------------------------------------------------------------------------


def test_inception_score_closed_forms():
    eye = torch.eye(10)
    assert metrics.inception_score(eye.repeat(7, 1)) == pytest.approx(10.0)  # even, confident
    assert metrics.inception_score(eye[[3] * 50]) == pytest.approx(1.0)  # one class only
    assert metrics.inception_score(torch.full((20, 10), 0.1)) == pytest.approx(1.0)  # unsure
    # Half the rows one class, half another: exp(log 2) = 2, however many classes there are.
    assert metrics.inception_score(eye[[0, 1] * 8].numpy()) == pytest.approx(2.0)
    # Unconfident rows cost exactly their entropy: rows (0.5, 0.5, 0, 0) and (0, 0, 0.5, 0.5).
    half = np.array([[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    assert metrics.inception_score(half) == pytest.approx(math.exp(math.log(4) - math.log(2)))


def test_inception_score_is_the_mutual_information_identity():
    # IS = exp(H(mean row) - mean H(row)), an independent formula for the same number.
    probs = torch.randn(300, 10, generator=torch.Generator().manual_seed(0)).mul(2).softmax(1)
    p = probs.double().numpy()
    p_y = p.mean(0)
    expected = math.exp(-(p_y * np.log(p_y)).sum() + (p * np.log(p)).sum(1).mean())
    assert metrics.inception_score(probs) == pytest.approx(expected, rel=1e-9)


def test_inception_score_refuses_logits():
    with pytest.raises(ValueError, match="softmax"):
        metrics.inception_score(torch.randn(5, 10))
    with pytest.raises(ValueError, match=r"\(N, classes\)"):
        metrics.inception_score(torch.ones(10) / 10)


# ---- precision and recall --------------------------------------------------------------------


def brute_force_precision_recall(real: np.ndarray, fake: np.ndarray, k: int) -> tuple[float, float]:
    """The paper's definitions, one point at a time with Python loops (no shared code)."""
    def radii(points):
        out = []
        for i, p in enumerate(points):
            d = sorted(math.dist(p, q) for j, q in enumerate(points) if j != i)
            out.append(d[k - 1])
        return out

    def share_inside(points, centres, r):
        return sum(any(math.dist(p, c) <= rc for c, rc in zip(centres, r, strict=True))
                   for p in points) / len(points)

    return share_inside(fake, real, radii(real)), share_inside(real, fake, radii(fake))


@pytest.mark.parametrize("k", [1, 3, 5])
def test_precision_recall_against_brute_force(k):
    g = np.random.default_rng(k)
    real = g.normal(size=(120, 3))
    fake = np.concatenate([g.normal(size=(60, 3)) * 0.5, g.normal(size=(40, 3)) + 3.0])
    expected = brute_force_precision_recall(real, fake, k)
    got = metrics.precision_recall(real, torch.from_numpy(fake), k=k, batch_size=17)  # ragged blocks
    assert (got["precision"], got["recall"]) == pytest.approx(expected, abs=1e-12)


def test_precision_recall_closed_forms():
    line = np.arange(10.0)[:, None]  # real points 0, 1, ..., 9: every k=1 radius is 1
    assert metrics.precision_recall(line, line, k=1) == {"precision": 1.0, "recall": 1.0}
    # Fakes at 0.5 and 9.5 lie inside; 20 and 30 outside: precision 2/4. The fakes' own k=1
    # radii are 9, 9, 10, 10: the ball around 0.5 alone covers all ten reals.
    fake = np.array([[0.5], [9.5], [20.0], [30.0]])
    assert metrics.precision_recall(line, fake, k=1) == {"precision": 0.5, "recall": 1.0}
    # Far apart: nothing inside anything.
    assert metrics.precision_recall(line, line + 100, k=1) == {"precision": 0.0, "recall": 0.0}


def test_precision_recall_tell_collapse_from_blur():
    g = torch.Generator().manual_seed(0)
    modes = torch.tensor([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
    real = modes[torch.randint(4, (2000,), generator=g)] + 0.05 * torch.randn(2000, 2, generator=g)
    collapsed = modes[0] + 0.05 * torch.randn(2000, 2, generator=g)  # one mode of four
    blurred = modes[torch.randint(4, (2000,), generator=g)] + 0.5 * torch.randn(2000, 2, generator=g)
    c = metrics.precision_recall(real, collapsed)
    b = metrics.precision_recall(real, blurred)
    assert c["precision"] > 0.9 and c["recall"] < 0.3  # realistic, but covers a quarter
    assert b["recall"] > 0.9 and b["precision"] < 0.3  # covers everything, mostly off the data


def test_precision_recall_bad_inputs():
    with pytest.raises(ValueError, match="N > k = 3"):
        metrics.precision_recall(np.zeros((3, 2)), np.zeros((10, 2)))
    with pytest.raises(ValueError, match="same dimension"):
        metrics.precision_recall(np.zeros((10, 2)), np.zeros((10, 3)))
    with pytest.raises(ValueError, match="k to be an int"):
        metrics.precision_recall(np.zeros((10, 2)), np.zeros((10, 2)), k=0)


def test_the_package_re_exports_every_public_name():
    from gan_course.metrics import mnist, scores, toy

    names = toy.__all__ + scores.__all__ + mnist.__all__
    assert sorted(metrics.__all__) == sorted(["mnist", "scores", "toy", *names])
    assert all(getattr(metrics, n) is getattr(m, n) for m in (toy, scores, mnist) for n in m.__all__)
