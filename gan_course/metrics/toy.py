"""Toy metrics: how close 2-D and 1-D samples are to a known distribution (lessons 03-07, 09).

* **2-D toys** (ring and grid of Gaussians): modes captured and the share of high-quality samples,
  as in the PacGAN and VEEGAN papers, plus KL / JS between a histogram and the true density.
* **1-D toys**: JS divergence on shared histogram bins and the exact Wasserstein-1 distance.

Every function takes torch tensors or NumPy arrays and returns plain Python numbers. Lesson 09
writes `mode_stats` and the grid KL / JS out before importing them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from gan_course.metrics._arrays import ArrayLike
from gan_course.metrics._arrays import to_numpy as _to_numpy

__all__ = ["mode_stats", "kl_js_grid", "js_divergence_1d", "wasserstein_1d"]


# ---------------------------------------------------------------------------------------------
# 2-D toys
# ---------------------------------------------------------------------------------------------


def mode_stats(
    x: ArrayLike, modes: ArrayLike, std: float | ArrayLike, *, threshold: float = 3.0,
    min_count: int | None = None,
) -> dict:
    """Modes captured and high-quality share of 2-D samples from a mixture of Gaussians.

    The PacGAN / VEEGAN convention: each sample is assigned to its nearest mode centre, and is
    *high quality* when it lies within ``threshold * std`` of that centre. A mode is *captured*
    when it receives at least ``min_count`` high-quality samples. By default ``min_count`` is
    20% of what a uniform split of the samples over the modes would give, at least 1:
    ``max(1, ceil(0.2 * N / M))``, i.e. 20 samples out of 2,500 on a 25-mode grid, 63 out of
    2,500 on an 8-mode ring. A handful of stray samples passing through a mode therefore does not
    count it (with 2,500 samples a generator moving between modes leaves a few everywhere); pass
    ``min_count=1`` to count a mode from a single high-quality sample.

    For perfect samples of an isotropic 2-D Gaussian the expected high-quality share at 3 std is
    ``1 - exp(-9 / 2) = 0.9889``.

    Args:
        x: samples, shape (N, 2).
        modes: mode centres, shape (M, 2).
        std: standard deviation of the mixture components (> 0): one float, or one per mode,
            shape (M,). ``mode_stats(x, toy.modes, toy.std)`` works for the ring and the grid.
        threshold: radius of "high quality", in units of ``std``.
        min_count: high-quality samples a mode needs to count as captured; None for the rule
            above.

    Returns:
        ``{"modes_captured": int, "n_modes": int, "high_quality": float in [0, 1],
        "counts": list of M ints (high-quality samples per mode), "min_count": int}``.
    """
    x = _to_numpy(x, "x")
    modes = _to_numpy(modes, "modes")
    if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] == 0:
        raise ValueError(f"expected samples x of shape (N, 2) with N >= 1, got {x.shape}")
    if modes.ndim != 2 or modes.shape[1] != 2 or modes.shape[0] == 0:
        raise ValueError(f"expected modes of shape (M, 2) with M >= 1, got {modes.shape}")
    n, m = x.shape[0], modes.shape[0]
    stds = _to_numpy(std, "std")
    if stds.shape not in ((), (m,)) or np.any(stds <= 0) or not threshold > 0:
        raise ValueError(
            f"expected std > 0 (a float or shape ({m},)) and threshold > 0, got std of shape "
            f"{stds.shape} and threshold={threshold}"
        )
    stds = np.broadcast_to(stds, (m,))
    if min_count is None:
        min_count = max(1, math.ceil(0.2 * n / m))
    if min_count < 1:
        raise ValueError(f"expected min_count >= 1, got {min_count}")

    dist = np.linalg.norm(x[:, None, :] - modes[None, :, :], axis=2)  # (N, M)
    nearest = dist.argmin(axis=1)  # (N,)
    good = dist[np.arange(n), nearest] <= threshold * stds[nearest]  # (N,)
    counts = np.bincount(nearest[good], minlength=m)  # (M,)
    return {
        "modes_captured": int((counts >= min_count).sum()),
        "n_modes": m,
        "high_quality": float(good.mean()),
        "counts": [int(c) for c in counts],
        "min_count": int(min_count),
    }


def _js(p: np.ndarray, q: np.ndarray) -> float:
    """JS divergence (nats, in [0, log 2]) of two probability vectors; 0 log 0 = 0."""
    mix = 0.5 * (p + q)
    return float(0.5 * _kl(p, mix) + 0.5 * _kl(q, mix))


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) in nats; terms with p = 0 are 0 (q must be > 0 where p > 0)."""
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def _bounds_2d(bounds) -> tuple[tuple[float, float], tuple[float, float]]:
    arr = np.asarray(bounds, dtype=np.float64)
    if arr.shape == (2,):
        arr = np.stack([arr, arr])
    if arr.shape != (2, 2) or not np.all(arr[:, 0] < arr[:, 1]):
        raise ValueError(
            f"expected bounds=(lo, hi) or ((x_lo, x_hi), (y_lo, y_hi)) with lo < hi, got {bounds}"
        )
    return (float(arr[0, 0]), float(arr[0, 1])), (float(arr[1, 0]), float(arr[1, 1]))


def kl_js_grid(
    x: ArrayLike, density_fn: Callable[[Tensor], ArrayLike], *,
    bounds: tuple[float, float] | tuple[tuple[float, float], tuple[float, float]],
    bins: int = 50, oversample: int = 4, eps: float = 1e-6,
) -> dict:
    """KL and JS between a 2-D sample histogram and the true density, on a ``bins x bins`` grid.

    The true distribution ``p`` is the mass of each cell: the density averaged over an
    ``oversample x oversample`` sub-grid of the cell (so modes narrower than a cell, like the
    ring's, get their true share), normalised to sum to 1 over the grid. The model distribution
    ``q`` is the histogram of ``x`` (samples outside ``bounds`` are dropped, their share is
    reported as ``outside``). KL needs ``q > 0`` wherever ``p > 0``, so for KL both are
    smoothed: ``eps`` is added to every cell and they are renormalised. JS needs no smoothing and
    is computed on the raw histograms.

    The numbers depend on ``bins``, ``eps`` and the sample size (a finite histogram is never
    exactly ``p``): compare runs only at the same settings and number of samples.

    Args:
        x: samples, shape (N, 2).
        density_fn: maps points of shape (K, 2) (float32 tensor) to densities >= 0 of shape (K,);
            it need not be normalised.
        bounds: ``(lo, hi)`` for both axes, or ``((x_lo, x_hi), (y_lo, y_hi))`` (a toy's
            ``bounds``).
        bins: cells per axis.
        oversample: density evaluations per cell and axis; keep ``cell width / oversample``
            below about twice the modes' std (the default suits the ring and grid at 50 bins).
        eps: smoothing mass added to every cell before the KLs.

    Returns:
        ``{"kl": KL(p || q), "reverse_kl": KL(q || p), "js": JS(p, q) in [0, log 2],
        "outside": share of samples outside bounds}``, all in nats. ``kl`` grows when the model
        drops modes, ``reverse_kl`` when it puts mass where the data has none.
    """
    x = _to_numpy(x, "x")
    if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] == 0:
        raise ValueError(f"expected samples x of shape (N, 2) with N >= 1, got {x.shape}")
    if not isinstance(bins, int) or bins < 2:
        raise ValueError(f"expected bins to be an int >= 2, got {bins!r}")
    if not isinstance(oversample, int) or oversample < 1:
        raise ValueError(f"expected oversample to be an int >= 1, got {oversample!r}")
    if not eps > 0:
        raise ValueError(f"expected eps > 0, got {eps}")
    (x_lo, x_hi), (y_lo, y_hi) = _bounds_2d(bounds)
    x_edges = np.linspace(x_lo, x_hi, bins + 1)
    y_edges = np.linspace(y_lo, y_hi, bins + 1)

    hist, _, _ = np.histogram2d(x[:, 0], x[:, 1], bins=[x_edges, y_edges])  # (bins, bins)
    inside = hist.sum()
    if inside == 0:
        raise ValueError(f"expected some samples inside bounds {bounds}, got none")
    q = hist.ravel() / inside

    # Density at the centres of a fine grid (K = (bins * oversample)^2 points), summed per cell.
    k = bins * oversample
    xf = x_lo + (np.arange(k) + 0.5) * (x_hi - x_lo) / k
    yf = y_lo + (np.arange(k) + 0.5) * (y_hi - y_lo) / k
    fine = np.stack(np.meshgrid(xf, yf, indexing="ij"), axis=-1).reshape(-1, 2)  # (K, 2)
    dens = _to_numpy(density_fn(torch.as_tensor(fine, dtype=torch.float32)), "density_fn output")
    if dens.shape != (k * k,) or np.any(dens < 0) or dens.sum() <= 0:
        raise ValueError(
            f"expected density_fn to return ({k * k},) densities >= 0 with a positive sum, "
            f"got shape {dens.shape}"
        )
    p = dens.reshape(bins, oversample, bins, oversample).sum(axis=(1, 3)).ravel()  # (bins^2,)
    p = p / p.sum()

    p_s, q_s = (p + eps) / (1 + eps * p.size), (q + eps) / (1 + eps * q.size)
    return {
        "kl": _kl(p_s, q_s),
        "reverse_kl": _kl(q_s, p_s),
        "js": _js(p, q),
        "outside": float(1 - inside / x.shape[0]),
    }


# ---------------------------------------------------------------------------------------------
# 1-D toys
# ---------------------------------------------------------------------------------------------


def _samples_1d(x: ArrayLike, name: str) -> np.ndarray:
    arr = _to_numpy(x, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"expected {name} of shape (N,) or (N, 1) with N >= 1, got {arr.shape}")
    return arr


def js_divergence_1d(
    x: ArrayLike, target: ArrayLike | Callable[[Tensor], ArrayLike], *, bins: int = 100,
    bounds: tuple[float, float] | None = None,
) -> float:
    """Jensen-Shannon divergence between 1-D samples and a target, on shared histogram bins.

    The target is either samples (their histogram on the same bins) or a density function
    (evaluated at the bin centres and normalised, so bins should be narrower than the modes).
    JS is symmetric, in nats, 0 for identical
    histograms and ``log 2 = 0.693`` for disjoint ones. It saturates: two distributions that do not
    overlap score log 2 however far apart they are, which is why the Wasserstein GAN lesson
    prefers :func:`wasserstein_1d`. Samples outside ``bounds`` are dropped.

    Args:
        x: generated samples, shape (N,) or (N, 1).
        target: real samples of shape (M,) or (M, 1), or a function mapping points of shape (K,)
            (float32 tensor) to densities >= 0 of shape (K,).
        bins: number of equal-width bins.
        bounds: ``(lo, hi)`` of the bins (or a 1-D toy's ``bounds``, ``((lo, hi),)``). Required
            for a density target; for sample targets it defaults to the joint range of both
            samples.

    Returns:
        JS(x, target) in nats, in [0, log 2].
    """
    x = _samples_1d(x, "x")
    if not isinstance(bins, int) or bins < 1:
        raise ValueError(f"expected bins to be an int >= 1, got {bins!r}")
    density = callable(target)
    y = None if density else _samples_1d(target, "target")
    if bounds is None:
        if density:
            raise ValueError("expected bounds=(lo, hi) when target is a density function, got None")
        lo, hi = min(x.min(), y.min()), max(x.max(), y.max())
        if lo == hi:  # all samples equal: one bin around them
            lo, hi = lo - 0.5, hi + 0.5
    else:
        pair = np.asarray(bounds, dtype=np.float64).reshape(-1)
        if pair.shape != (2,) or not pair[0] < pair[1]:
            raise ValueError(f"expected bounds=(lo, hi) with lo < hi, got {bounds}")
        lo, hi = float(pair[0]), float(pair[1])
    edges = np.linspace(lo, hi, bins + 1)

    p = np.histogram(x, bins=edges)[0].astype(np.float64)
    if density:
        centres = torch.as_tensor(0.5 * (edges[1:] + edges[:-1]), dtype=torch.float32)
        q = _to_numpy(target(centres), "target density")
        if q.shape != (bins,) or np.any(q < 0):
            raise ValueError(f"expected the density to return ({bins},) values >= 0, got {q.shape}")
    else:
        q = np.histogram(y, bins=edges)[0].astype(np.float64)
    if p.sum() == 0 or q.sum() == 0:
        raise ValueError(f"expected mass inside bounds ({lo}, {hi}) for both x and target, got none")
    return _js(p / p.sum(), q / q.sum())


def wasserstein_1d(x: ArrayLike, y: ArrayLike) -> float:
    """Exact Wasserstein-1 (earth mover's) distance between two 1-D empirical distributions.

    ``W1 = integral over t in (0, 1) of |F_x^-1(t) - F_y^-1(t)| dt``, with F^-1 the empirical
    quantile functions. For equal sizes this is ``mean(|sort(x) - sort(y)|)``; for unequal sizes
    both quantile functions are step functions, constant between the breakpoints ``i / N`` and
    ``j / M``, so the integral is an exact finite sum. Shifting a sample by ``c`` moves it
    exactly ``|c|``; unlike JS it keeps growing as distributions move apart.

    Args:
        x: samples, shape (N,) or (N, 1).
        y: samples, shape (M,) or (M, 1).

    Returns:
        W1 >= 0, in the units of the samples.
    """
    xs, ys = np.sort(_samples_1d(x, "x")), np.sort(_samples_1d(y, "y"))
    if xs.size == ys.size:
        return float(np.mean(np.abs(xs - ys)))
    # Breakpoints of both step functions; on each interval both quantiles are constant.
    t = np.union1d(np.arange(1, xs.size + 1) / xs.size, np.arange(1, ys.size + 1) / ys.size)
    widths = np.diff(t, prepend=0.0)
    mid = t - 0.5 * widths
    ix = np.minimum((mid * xs.size).astype(np.int64), xs.size - 1)
    iy = np.minimum((mid * ys.size).astype(np.int64), ys.size - 1)
    return float(np.sum(widths * np.abs(xs[ix] - ys[iy])))
