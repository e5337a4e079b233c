"""Reference answers for lesson 09, evaluating GANs (notebooks/09_evaluation.ipynb).

The checks in `gan_course.checks.lesson09` compare the learner's functions with these. Each is
the formula written out in a few lines; the lesson's experiments run the package's versions
(`gan_course.metrics.frechet_distance`, `inception_score`, `precision_recall`), which compute
the same numbers with more input checks and in blocks, and the tests hold the two together.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["frechet_distance", "inception_score", "precision_recall"]


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Frechet distance between N(mu1, sigma1) and N(mu2, sigma2), squared as FID reports it.

    ``|mu1 - mu2|^2 + tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))``, for means (D,) and
    covariances (D, D). The trace of the matrix square root is the sum of the square roots of
    the eigenvalues of sigma1 sigma2: that product is similar to the symmetric positive
    semi-definite sigma1^(1/2) sigma2 sigma1^(1/2), so its eigenvalues are real and >= 0 (up to
    round-off, which ``.real`` and the clip remove). No SciPy needed.
    """
    mu1, mu2, s1, s2 = (np.asarray(a, dtype=np.float64) for a in (mu1, mu2, sigma1, sigma2))
    eigenvalues = np.linalg.eigvals(s1 @ s2).real.clip(min=0.0)
    tr_sqrt = np.sqrt(eigenvalues).sum()  # tr((sigma1 sigma2)^(1/2))
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2.0 * tr_sqrt)


def inception_score(probs) -> float:
    """Inception score ``exp(mean_x KL(p(y|x) || p(y)))`` of class probabilities (N, C).

    ``p(y)`` is the mean row (the classes the samples spread over); the KL uses the natural log
    and counts 0 log 0 as 0 (``torch.xlogy``). Between 1 (every row the same) and C (confident
    rows spread evenly over the C classes). Takes a tensor or an array.
    """
    p = torch.as_tensor(probs).detach().double()  # (N, C), p(y|x) in each row
    p_y = p.mean(dim=0, keepdim=True)  # (1, C)
    kl = (torch.xlogy(p, p) - torch.xlogy(p, p_y)).sum(dim=1)  # (N,): sum_y p log(p / p_y)
    return float(kl.mean().exp())


def precision_recall(real, fake, k: int = 3) -> dict:
    """Precision and recall of k-nearest-neighbour manifolds (Kynkaanniemi et al., 2019).

    Each point of a set gets a ball whose radius is the distance to its k-th nearest *other*
    point of the same set. Precision: the share of fake points inside at least one real ball
    (are the fakes realistic?). Recall: the share of real points inside at least one fake ball
    (do the fakes cover the data?). Points (N, d) and (M, d), tensors or arrays.
    """
    real = torch.as_tensor(real).detach().double()
    fake = torch.as_tensor(fake).detach().double()

    def radii(x):  # (N,): distance from each point to its k-th nearest other point
        d = torch.cdist(x, x)
        d.fill_diagonal_(float("inf"))  # a point is not its own neighbour
        return d.kthvalue(k, dim=1).values

    d = torch.cdist(fake, real)  # (M, N): fake i to real j
    precision = (d <= radii(real)[None, :]).any(dim=1).double().mean()  # inside some real ball
    recall = (d <= radii(fake)[:, None]).any(dim=0).double().mean()  # inside some fake ball
    return {"precision": float(precision), "recall": float(recall)}
