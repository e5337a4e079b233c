"""Scores of a set of samples on any features: Frechet distance, inception score, precision / recall.

These work on whatever features or class probabilities they are given (2-D points, a
classifier's penultimate layer); `gan_course.metrics.mnist` feeds them the course classifier's.
Lesson 09 writes each one out before importing it:

* :func:`frechet_distance` between two Gaussians (the FID, given feature means and covariances;
  :func:`feature_stats` fits them);
* :func:`inception_score` from class probabilities p(y | x);
* :func:`precision_recall`: the k-nearest-neighbour manifolds of Kynkaanniemi et al. (2019).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from gan_course.metrics._arrays import ArrayLike
from gan_course.metrics._arrays import to_numpy as _to_numpy

__all__ = ["feature_stats", "frechet_distance", "inception_score", "precision_recall"]




def feature_stats(features: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and covariance (D, D) of features of shape (N, D), N >= 2, in float64."""
    f = _to_numpy(features, "features")
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"expected features of shape (N, D) with N >= 2, got {f.shape}")
    return f.mean(axis=0), np.cov(f, rowvar=False)


def _sqrt_psd(a: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix (negative round-off -> 0)."""
    w, v = np.linalg.eigh(0.5 * (a + a.T))
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(
    mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike,
) -> float:
    """Frechet distance between the Gaussians N(mu1, sigma1) and N(mu2, sigma2).

    ``d^2 = |mu1 - mu2|^2 + tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))``. The trace of the
    square root is computed as ``tr((s1^(1/2) sigma2 s1^(1/2))^(1/2))`` with ``s1^(1/2)`` the
    symmetric root of sigma1: the inner matrix is symmetric PSD, so two eigendecompositions give
    it without SciPy. This is the squared distance, as FID reports it.

    Args:
        mu1, mu2: means, shape (D,).
        sigma1, sigma2: covariances, shape (D, D), symmetric positive semi-definite.

    Returns:
        The distance, >= 0 (up to round-off).
    """
    mu1, mu2 = _to_numpy(mu1, "mu1"), _to_numpy(mu2, "mu2")
    s1, s2 = _to_numpy(sigma1, "sigma1"), _to_numpy(sigma2, "sigma2")
    d = mu1.shape[0] if mu1.ndim == 1 else -1
    if mu1.ndim != 1 or mu2.shape != (d,) or s1.shape != (d, d) or s2.shape != (d, d):
        raise ValueError(
            "expected mu1, mu2 of shape (D,) and sigma1, sigma2 of shape (D, D), got "
            f"{mu1.shape}, {mu2.shape}, {s1.shape}, {s2.shape}"
        )
    root1 = _sqrt_psd(s1)
    inner = np.linalg.eigvalsh(0.5 * (root1 @ s2 @ root1 + (root1 @ s2 @ root1).T))
    tr_sqrt = np.sqrt(np.clip(inner, 0, None)).sum()
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)




# ---------------------------------------------------------------------------------------------
# Inception score
# ---------------------------------------------------------------------------------------------


def inception_score(probs: ArrayLike) -> float:
    """Inception score ``exp(E_x KL(p(y|x) || p(y)))`` of class probabilities, in [1, classes].

    ``p(y)`` is the mean of the rows. The score is high when each row is confident (low
    entropy) *and* the rows spread over the classes (a high-entropy mean): it equals
    ``exp(H(p(y)) - E_x H(p(y|x)))``. N one-hot rows spread evenly over C classes score exactly
    C; identical rows score 1. Computed over all N rows at once (no splits).

    Args:
        probs: class probabilities, shape (N, C), N >= 1, entries >= 0, rows summing to 1
            (to within 1e-3).

    Returns:
        The score, in [1, C].
    """
    p = _to_numpy(probs, "probs")
    if p.ndim != 2 or p.shape[0] == 0 or p.shape[1] == 0:
        raise ValueError(f"expected probs of shape (N, classes) with N >= 1, got {p.shape}")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("expected probabilities (entries >= 0, rows summing to 1), got rows "
                         f"summing to {p.sum(axis=1).min():.4g} .. {p.sum(axis=1).max():.4g}: "
                         "apply softmax to logits first")
    p_y = p.mean(axis=0, keepdims=True)  # (1, C), > 0 wherever some row is > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(p > 0, p * np.log(p / p_y), 0.0).sum(axis=1)  # (N,), 0 log 0 = 0
    return float(np.exp(kl.mean()))


# ---------------------------------------------------------------------------------------------
# Precision and recall (k-nearest-neighbour manifolds)
# ---------------------------------------------------------------------------------------------


def _points(x: ArrayLike, name: str, k: int) -> Tensor:
    arr = _to_numpy(x, name)
    if arr.ndim != 2 or arr.shape[0] <= k:
        raise ValueError(f"expected {name} of shape (N, d) with N > k = {k} (each point needs k "
                         f"other points), got {arr.shape}")
    return torch.from_numpy(arr)  # float64


def _sq_dists(a: Tensor, b: Tensor) -> Tensor:
    """Squared Euclidean distances (A, B) between the rows of a (A, d) and b (B, d), float64.

    ``|a|^2 + |b|^2 - 2 a.b`` as one matrix product: about twice as fast as ``torch.cdist``
    here, and in float64 the cancellation error (about 1e-16 of |a|^2) is far below any gap
    between two neighbours' distances."""
    return torch.addmm((b * b).sum(1)[None, :], a, b.T, alpha=-2).add_((a * a).sum(1)[:, None]).clamp_min_(0)


def _knn_radii_sq(x: Tensor, k: int, batch_size: int) -> Tensor:
    """Squared distance from each row of x (N, d) to its k-th nearest *other* row: (N,)."""
    out = []
    for start in range(0, len(x), batch_size):
        d2 = _sq_dists(x[start:start + batch_size], x)  # (b, N)
        rows = torch.arange(len(d2))
        d2[rows, start + rows] = float("inf")  # not itself (a duplicate elsewhere still counts)
        out.append(d2.topk(k, dim=1, largest=False).values[:, -1])
    return torch.cat(out)


def precision_recall(real: ArrayLike, fake: ArrayLike, *, k: int = 3,
                     batch_size: int = 1000) -> dict:
    """Improved precision and recall of generated samples (Kynkaanniemi et al., 2019).

    Each set of points stands for a manifold: the union of balls around its points, each ball's
    radius the distance from that point to its k-th nearest *other* point of the same set.

    * ``precision``: the share of fake points inside the real manifold (are the fakes
      realistic?). Mode collapse keeps it high.
    * ``recall``: the share of real points inside the fake manifold (does G cover the data?).
      Mode collapse sends it down; blurry, spread-out fakes keep it high and lower precision.

    Both depend on k and on the two sample sizes (more points, smaller balls): compare at the
    same k and N. The paper uses k = 3 with equal N.

    Args:
        real: real points or features, shape (N, d), N > k.
        fake: generated points or features, shape (M, d), M > k.
        k: which neighbour sets a ball's radius.
        batch_size: rows per distance block (memory: batch_size x max(N, M) float64 numbers).

    Returns:
        ``{"precision": float in [0, 1], "recall": float in [0, 1]}``.
    """
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"expected k to be an int >= 1, got {k!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"expected batch_size to be an int >= 1, got {batch_size!r}")
    r, f = _points(real, "real", k), _points(fake, "fake", k)
    if r.shape[1] != f.shape[1]:
        raise ValueError(f"expected real and fake with the same dimension d, got {r.shape[1]} "
                         f"and {f.shape[1]}")
    radius_real, radius_fake = _knn_radii_sq(r, k, batch_size), _knn_radii_sq(f, k, batch_size)
    # One pass over the fake-real distances gives both: row i answers "is fake i inside some
    # real ball?", column j "is real j inside some fake ball?".
    precise, recalled = [], torch.zeros(len(r), dtype=torch.bool)
    for start in range(0, len(f), batch_size):
        d2 = _sq_dists(f[start:start + batch_size], r)  # (b, N)
        precise.append((d2 <= radius_real[None, :]).any(dim=1))
        recalled |= (d2 <= radius_fake[start:start + batch_size, None]).any(dim=0)
    precision, recall = torch.cat(precise), recalled
    return {"precision": float(precision.double().mean()), "recall": float(recall.double().mean())}
