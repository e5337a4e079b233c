"""Numbers that say how close generated samples are to the data.

Three families, from the simplest to the least transparent:

* **2-D toys** (ring and grid of Gaussians): modes captured and the share of high-quality samples,
  as in the PacGAN and VEEGAN papers, plus KL / JS between a histogram and the true density.
* **1-D toys**: JS divergence on shared histogram bins and the exact Wasserstein-1 distance.
* **MNIST**: a small CNN classifier shipped with the course (``assets/mnist_classifier.pt``,
  rebuilt by ``python scripts/train_classifier.py``) gives an Inception-Score-like score, a
  Frechet distance on its features (FID-like), class coverage and confidence.

Every function takes torch tensors or NumPy arrays and returns plain Python numbers.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "mode_stats",
    "kl_js_grid",
    "js_divergence_1d",
    "wasserstein_1d",
    "frechet_distance",
    "feature_stats",
    "MnistClassifier",
    "CLASSIFIER_PATH",
    "CLASSIFIER_SHA256",
    "load_classifier",
    "classifier_features",
    "classifier_probs",
    "mnist_scores",
]

ArrayLike = Tensor | np.ndarray
CLASSIFIER_PATH = Path(__file__).resolve().parent / "assets" / "mnist_classifier.pt"
_REBUILD = "python scripts/train_classifier.py"
# sha256 of the shipped weights file, checked on load as the MNIST bundle's is: a flipped byte
# would otherwise shift every FID silently. The training script prints the new value.
CLASSIFIER_SHA256 = "bb82561a7c0db616f1aeb744f80c91e1f51ed74475ac1d9f67bd4d0103e3c4c4"


def _to_numpy(x: ArrayLike | list | tuple, name: str) -> np.ndarray:
    """Any tensor / array -> float64 NumPy array (detached, on the CPU)."""
    if isinstance(x, Tensor):
        x = x.detach().cpu().numpy()
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"expected finite values in {name}, got NaN or inf")
    return arr


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


# ---------------------------------------------------------------------------------------------
# Frechet distance between Gaussians fitted to features
# ---------------------------------------------------------------------------------------------


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
# MNIST classifier and its scores
# ---------------------------------------------------------------------------------------------


class MnistClassifier(nn.Module):
    """A small CNN for 28x28 digits; its penultimate layer is the feature space of the FID.

    Three 3x3 conv + max-pool stages, then a ``feature_dim`` ReLU layer and the 10 logits
    (about 100k parameters, 0.4 MB).

    Args:
        feature_dim: size of the penultimate (feature) layer.
        dropout: dropout before the last layer, active in training only.
    """

    def __init__(self, *, feature_dim: int = 128, dropout: float = 0.3) -> None:
        super().__init__()
        self.feature_dim = feature_dim
        self.conv = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 16, 14, 14)
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 32, 7, 7)
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 64, 3, 3)
        )
        self.fc = nn.Linear(64 * 3 * 3, feature_dim)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(feature_dim, 10)

    def features(self, x: Tensor) -> Tensor:
        """Images (B, 1, 28, 28) in [-1, 1] -> features (B, feature_dim), >= 0."""
        return F.relu(self.fc(self.conv(x).flatten(1)))  # (B, feature_dim)

    def forward(self, x: Tensor) -> Tensor:
        """Images (B, 1, 28, 28) in [-1, 1] -> class logits (B, 10)."""
        return self.head(self.dropout(self.features(x)))


@lru_cache(maxsize=1)
def _checkpoint() -> dict:
    """The shipped file: {"state_dict", "meta", "real_mu", "real_sigma"}."""
    if not CLASSIFIER_PATH.is_file():
        raise FileNotFoundError(
            f"expected the metric classifier at {CLASSIFIER_PATH}, got no file; "
            f"`{_REBUILD}` rebuilds it"
        )
    blob = CLASSIFIER_PATH.read_bytes()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != CLASSIFIER_SHA256:
        raise RuntimeError(
            f"expected the metric classifier {CLASSIFIER_PATH} to have sha256 {CLASSIFIER_SHA256}, "
            f"got {digest}: the file is damaged or stale; `{_REBUILD}` rebuilds it (then update "
            "CLASSIFIER_SHA256 in gan_course/metrics.py to the value it prints)"
        )
    try:
        ckpt = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
        missing = {"state_dict", "meta", "real_mu", "real_sigma"} - set(ckpt)
    except Exception as err:  # any unpickling failure means a bad file
        raise RuntimeError(
            f"could not read the metric classifier {CLASSIFIER_PATH} ({err}); `{_REBUILD}` rebuilds it"
        ) from err
    if missing:
        raise RuntimeError(
            f"expected keys {sorted(missing)} in {CLASSIFIER_PATH}; `{_REBUILD}` rebuilds it"
        )
    return ckpt


@lru_cache(maxsize=4)
def _classifier_on(device: str) -> MnistClassifier:
    ckpt = _checkpoint()
    model = MnistClassifier(feature_dim=int(ckpt["meta"]["feature_dim"]))
    try:
        model.load_state_dict(ckpt["state_dict"])
    except RuntimeError as err:
        raise RuntimeError(
            f"the metric classifier {CLASSIFIER_PATH} does not match MnistClassifier ({err}); "
            f"`{_REBUILD}` rebuilds it"
        ) from err
    model.requires_grad_(False)
    model.meta = dict(ckpt["meta"])
    return model.eval().to(device)


def load_classifier(*, device: str | torch.device = "cpu") -> MnistClassifier:
    """The shipped metric classifier, in eval mode, frozen; loaded once per device and cached.

    ``model.meta`` holds the training script's record (validation accuracy, feature size, seed,
    epochs). Treat the model as read-only: every caller shares it.

    Raises:
        FileNotFoundError / RuntimeError: the weights file is missing or unreadable; the message
            says that ``python scripts/train_classifier.py`` rebuilds it.
    """
    return _classifier_on(str(torch.device(device)))


def _as_images(x: ArrayLike, name: str = "x") -> Tensor:
    """uint8 (N, 28, 28) in 0..255 or float (N, [1,] 28, 28) in [-1, 1] -> float (N, 1, 28, 28)."""
    t = torch.from_numpy(np.asarray(x)) if isinstance(x, np.ndarray) else x
    if not isinstance(t, Tensor):
        raise TypeError(f"expected {name} as a tensor or NumPy array, got {type(x).__name__}")
    shape = tuple(t.shape)
    if t.dim() == 3:
        t = t.unsqueeze(1)
    if t.dim() != 4 or tuple(t.shape[1:]) != (1, 28, 28) or t.shape[0] == 0:
        raise ValueError(f"expected {name} of shape (N, 1, 28, 28) or (N, 28, 28), got {shape}")
    if t.dtype == torch.uint8:
        return t.float() / 127.5 - 1.0
    if not t.is_floating_point():
        raise ValueError(f"expected {name} as uint8 (0..255) or float in [-1, 1], got {t.dtype}")
    t = t.detach().float()
    if not torch.isfinite(t).all():
        raise ValueError(f"expected finite values in {name}, got NaN or inf")
    lo, hi = t.min().item(), t.max().item()
    if lo >= 0 and t.shape[0] >= 2:  # digits in [-1, 1] have a background at -1
        raise ValueError(
            f"expected float {name} in [-1, 1], got values in [{lo:.3g}, {hi:.3g}], none below "
            "0: these look like [0, 1] images (scored as they are, the FID is meaningless); "
            "map them with 2 * x - 1"
        )
    if lo < -1.001 or hi > 1.001:
        raise ValueError(
            f"expected float {name} in [-1, 1], got values in [{lo:.3g}, {hi:.3g}] "
            "(clamp with x.clamp(-1, 1), or map [0, 1] images with 2 * x - 1)"
        )
    return t


@torch.no_grad()
def _batched(
    x: ArrayLike, fn: Callable[[MnistClassifier, Tensor], Tensor], batch_size: int, name: str,
) -> Tensor:
    """Apply ``fn(model, batch)`` to the validated images batch by batch, without gradients."""
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"expected batch_size to be an int >= 1, got {batch_size!r}")
    images = _as_images(x, name)
    model = load_classifier(device=images.device)
    return torch.cat([fn(model, batch) for batch in images.split(batch_size)])


def _features(model: MnistClassifier, batch: Tensor) -> Tensor:
    return model.features(batch)


def classifier_features(x: ArrayLike, *, batch_size: int = 500) -> Tensor:
    """Penultimate features of the metric classifier.

    Args:
        x: images, float (N, 1, 28, 28) or (N, 28, 28) in [-1, 1], or uint8 (N, 28, 28).
        batch_size: images per forward pass.

    Returns:
        Features of shape (N, feature_dim), >= 0, on the device of ``x``.
    """
    return _batched(x, _features, batch_size, "x")


def classifier_probs(x: ArrayLike, *, batch_size: int = 500) -> Tensor:
    """Class probabilities p(y | x) of the metric classifier.

    Args:
        x: images, float (N, 1, 28, 28) or (N, 28, 28) in [-1, 1], or uint8 (N, 28, 28).
        batch_size: images per forward pass.

    Returns:
        Probabilities of shape (N, 10), rows summing to 1, on the device of ``x``.
    """
    return _batched(x, lambda model, batch: model(batch).softmax(dim=1), batch_size, "x")


@torch.no_grad()
def mnist_scores(
    x_fake: ArrayLike, *, real: ArrayLike | None = None, coverage_share: float = 0.02,
    batch_size: int = 500,
) -> dict:
    """FID-like, IS-like, coverage and confidence scores of generated digits.

    All of them come from the course's small classifier (about 98-99% accurate, trained on 9,000
    of the 10,000 bundled test digits), not from Inception-v3:

    * ``fid``: Frechet distance between Gaussians fitted to the classifier's penultimate features
      of ``x_fake`` and of the real digits (the 10,000 bundled images' statistics, stored with
      the weights, unless ``real`` is given). Lower is better; 0 means matching feature
      statistics. It shrinks with more samples (a finite-sample bias), so compare runs at the
      same N (e.g. 5,000).
    * ``inception_score``: ``exp(E_x KL(p(y|x) || p(y)))``, between 1 (every image gets the same
      prediction) and 10 (confident predictions, evenly spread over the classes). Computed over
      all N samples at once (no splits).
    * ``class_coverage``: number of classes that take at least ``coverage_share`` of the argmax
      predictions (default 2%: 20% of a uniform 10% share, the rule of :func:`mode_stats`).
    * ``class_hist``: the 10 shares of argmax predictions.
    * ``confidence``: mean max probability.

    Rough scale with the shipped weights, 5,000 images: two random halves of the real digits
    have FID about 1.5; the first vs the last 5,000 bundled digits (different writers) about 20;
    digits 0-4 only, or blurred digits, about 250; uniform noise about 1,000. Real digits have IS
    about 9.8, noise about 1.

    What they can tell: whether the samples look like digits *to this classifier*, whether all
    ten classes appear and in what proportions, and whether the feature statistics match those
    of real digits. What they cannot: these numbers are not comparable to published FID / IS
    values (which use Inception-v3 features on other data); a classifier of 9,000 digits can be
    fooled by images no human reads as digits (it calls uniform noise an "8" with 99%
    confidence, so ``confidence`` alone says little); memorised training digits would score
    perfectly; variety *within* a class shows only in the FID, and only as far as its features
    see it.

    Args:
        x_fake: generated images, float (N, 1, 28, 28) or (N, 28, 28) in [-1, 1], or uint8
            (N, 28, 28) in 0..255; N >= 2.
        real: optional real images in the same formats to compare against instead of the
            stored statistics.
        coverage_share: share of predictions a class needs to count as covered, in (0, 1].
        batch_size: images per forward pass.

    Returns:
        ``{"fid": float >= 0, "inception_score": float in [1, 10], "class_coverage": int in
        [0, 10], "class_hist": list of 10 floats summing to 1, "confidence": float in [0.1, 1]}``.
    """
    if not 0 < coverage_share <= 1:
        raise ValueError(f"expected coverage_share in (0, 1], got {coverage_share}")
    images = _as_images(x_fake, "x_fake")
    if images.shape[0] < 2:
        raise ValueError(f"expected at least 2 images in x_fake, got {images.shape[0]}")
    # One pass gives both: the logits are the head applied to the features (no dropout in eval).
    feats = classifier_features(images, batch_size=batch_size).double().cpu()  # (N, D)
    model = load_classifier()
    probs = model.head(feats.float()).softmax(dim=1).double()  # (N, 10)

    if real is None:
        ckpt = _checkpoint()
        mu_real, sigma_real = ckpt["real_mu"].numpy(), ckpt["real_sigma"].numpy()
    else:
        mu_real, sigma_real = feature_stats(_batched(real, _features, batch_size, "real"))
    fid = frechet_distance(*feature_stats(feats), mu_real, sigma_real)

    p_y = probs.mean(dim=0, keepdim=True)  # (1, 10)
    kl = torch.sum(torch.special.xlogy(probs, probs) - torch.special.xlogy(probs, p_y), dim=1)
    hist = torch.bincount(probs.argmax(dim=1), minlength=10).double() / probs.shape[0]
    return {
        "fid": max(fid, 0.0),
        "inception_score": float(torch.exp(kl.mean())),
        "class_coverage": int((hist >= coverage_share).sum()),
        "class_hist": [float(h) for h in hist],
        "confidence": float(probs.max(dim=1).values.mean()),
    }
