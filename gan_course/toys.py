"""Toy distributions in 1-D and 2-D: the real data of the first lessons.

Small targets make a GAN's behaviour visible: you can plot every sample, compare it with the exact
density and count the modes the generator found. The 2-D sets follow the GAN literature:

- ``ring``: 8 Gaussians of std 0.02 on a circle of radius 2 (the unrolled-GAN benchmark).
- ``grid``: 25 Gaussians of std 0.05 centred on {-4, -2, 0, 2, 4}^2 (the PacGAN / VEEGAN grid).
- ``spiral``: a curved manifold without a tidy closed-form density.

Every factory returns a :class:`ToyDistribution`, which is also a *sampler* in the course's sense
(``.sample(n, *, generator=None)`` returns a real batch), so a trainer can use it directly::

    toy = ring()
    x_real = toy.sample(256, seed=0)   # (256, 2) float32
    p = toy.density(x_real)            # (256,) exact pdf
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from gan_course import utils

__all__ = [
    "ToyDistribution",
    "gaussian_1d",
    "mixture_1d",
    "ring",
    "grid",
    "spiral",
    "drawn",
    "get",
    "TOYS",
]

Bounds = tuple[tuple[float, float], ...]
# A custom sampler: (n, generator) -> (n, dim) float32.
DrawFn = Callable[[int, "torch.Generator | None"], Tensor]


# --------------------------------------------------------------------------- validation helpers


def _check_positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < math.inf:
        raise ValueError(f"expected {name} to be a finite number > 0, got {value!r}")
    return float(value)


def _check_finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"expected {name} to be a finite number, got {value!r}")
    return float(value)


def _resolve_generator(
    generator: torch.Generator | None, seed: int | None
) -> torch.Generator | None:
    """One source of randomness: an explicit generator, a seed, or torch's global generator."""
    if generator is not None and seed is not None:
        raise ValueError("expected either generator or seed, got both")
    if seed is None:
        return generator
    return torch.Generator().manual_seed(utils.check_seed(seed))


# --------------------------------------------------------------------------- the distribution


@dataclass(frozen=True, eq=False, repr=False)
class ToyDistribution:
    """A toy data distribution you can sample from and, for Gaussian mixtures, evaluate.

    Either a Gaussian mixture (``modes``, ``stds``, ``weights`` set; exact density known) or a
    custom sampler ``draw`` (the spiral; no closed-form density).

    Attributes:
        name: short name, e.g. ``"ring"``.
        dim: dimension of one sample (1 or 2).
        bounds: a plotting box, one ``(low, high)`` pair per dimension.
        modes: mode centres, shape (M, dim), or None for non-mixtures.
        stds: standard deviation of each mode, shape (M,), or None.
        weights: mixture weights, shape (M,), non-negative and summing to 1, or None.
        clusters: whether each mode is a cluster worth counting ("modes captured"); False for
            a kernel estimate (`drawn`), whose components are the painted points.
    """

    name: str
    dim: int
    bounds: Bounds
    modes: Tensor | None = None
    stds: Tensor | None = None
    weights: Tensor | None = None
    draw: DrawFn | None = field(default=None, repr=False)
    clusters: bool = True

    def __post_init__(self) -> None:
        is_mixture = self.modes is not None
        if is_mixture == (self.draw is not None):
            raise ValueError(
                "expected exactly one of modes (a Gaussian mixture) or draw, got "
                f"modes={'set' if is_mixture else None}, draw={self.draw!r}"
            )
        if is_mixture:
            m = self.modes.shape[0]
            if self.modes.shape != (m, self.dim):
                raise ValueError(
                    f"expected modes of shape (M, {self.dim}), got {tuple(self.modes.shape)}"
                )
            if self.stds is None or self.stds.shape != (m,):
                raise ValueError(f"expected stds of shape ({m},), got {self.stds!r}")
            if self.weights is None or self.weights.shape != (m,):
                raise ValueError(f"expected weights of shape ({m},), got {self.weights!r}")

    # ------------------------------------------------------------------ properties

    @property
    def is_mixture(self) -> bool:
        """True when this is a Gaussian mixture, so ``density`` is exact."""
        return self.modes is not None

    @property
    def n_modes(self) -> int | None:
        """Number of mixture components M, or None."""
        return None if self.modes is None else self.modes.shape[0]

    @property
    def std(self) -> float | Tensor | None:
        """Per-mode std: a float when all modes share it, else the (M,) tensor; None if unknown."""
        if self.stds is None:
            return None
        if bool(torch.all(self.stds == self.stds[0])):
            # The shortest decimal that round-trips the float32: 0.02, not 0.0199999995.
            return float(str(np.float32(self.stds[0].item())))
        return self.stds

    # ------------------------------------------------------------------ sampling

    def sample(
        self, n: int, *, generator: torch.Generator | None = None, seed: int | None = None
    ) -> Tensor:
        """Draw ``n`` samples.

        Args:
            n: number of samples, > 0.
            generator: a CPU ``torch.Generator`` to draw from (the trainer passes its own).
            seed: alternatively, a seed for a fresh generator; same seed, same samples.
                With neither, torch's global generator is used.

        Returns:
            Samples of shape (n, dim), float32, on the CPU.
        """
        n = utils.check_count(n, "n")
        gen = _resolve_generator(generator, seed)
        if self.draw is not None:
            return self.draw(n, gen).to(torch.float32)
        # Pick a component for each sample, then add that component's Gaussian noise.
        idx = torch.multinomial(self.weights, n, replacement=True, generator=gen)  # (n,)
        noise = torch.randn(n, self.dim, generator=gen)  # (n, dim)
        return self.modes[idx] + self.stds[idx, None] * noise

    # ------------------------------------------------------------------ density

    def _as_points(self, x: Tensor) -> Tensor:
        x = torch.as_tensor(x)
        if self.dim == 1 and x.dim() == 1:
            x = x[:, None]  # accept (n,) for 1-D distributions
        if x.dim() != 2 or x.shape[1] != self.dim:
            raise ValueError(f"expected points of shape (n, {self.dim}), got {tuple(x.shape)}")
        return x.to(torch.float64)

    def log_density(self, x: Tensor) -> Tensor:
        """Exact log pdf of a Gaussian mixture.

        ``log p(x) = logsumexp_k [log w_k + log N(x; mu_k, s_k^2 I)]``, computed in float64.

        Args:
            x: points of shape (n, dim) (or (n,) when dim is 1).

        Returns:
            Log densities of shape (n,), float32.

        Raises:
            NotImplementedError: for distributions without a closed-form density.
        """
        if not self.is_mixture:
            raise NotImplementedError(
                f"the {self.name!r} toy has no closed-form density; use samples instead "
                "(density is available for 'gaussian', 'mixture', 'ring' and 'grid')"
            )
        x = self._as_points(x)  # (n, dim)
        mu = self.modes.to(torch.float64)  # (M, dim)
        s = self.stds.to(torch.float64)  # (M,)
        # Per mode: log w_k - dim log s_k - dim/2 log(2 pi); the (n, M) terms in place, as a
        # drawn toy has hundreds of modes and the KL / JS read-out asks for 40,000 points.
        const = (torch.log(self.weights.to(torch.float64)) - self.dim * torch.log(s)
                 - 0.5 * self.dim * math.log(2 * math.pi))  # (M,)
        log_terms = torch.cdist(x, mu).square_().mul_(-0.5 / s**2).add_(const)  # (n, M)
        log_p = torch.logsumexp(log_terms, dim=1)  # (n,)
        return log_p.to(torch.float32)

    def density(self, x: Tensor) -> Tensor:
        """Exact pdf of a Gaussian mixture at points ``x`` (n, dim); returns (n,) float32, >= 0.

        Raises:
            NotImplementedError: for distributions without a closed-form density (the spiral).
        """
        return self.log_density(x).exp()

    def __repr__(self) -> str:
        extra = f", n_modes={self.n_modes}, std={self.std}" if self.is_mixture else ""
        return f"ToyDistribution({self.name!r}, dim={self.dim}{extra})"


def _mixture(
    name: str, modes: Tensor, stds: Tensor, weights: Tensor, bounds: Bounds,
    *, clusters: bool = True,
) -> ToyDistribution:
    return ToyDistribution(
        name=name,
        dim=modes.shape[1],
        bounds=bounds,
        modes=modes.to(torch.float32),
        stds=stds.to(torch.float32),
        weights=(weights / weights.sum()).to(torch.float32),
        clusters=clusters,
    )


# --------------------------------------------------------------------------- 1-D


def gaussian_1d(mean: float = 0.0, std: float = 1.0) -> ToyDistribution:
    """A single 1-D Gaussian N(mean, std^2): the target of the first GAN lesson.

    Returns:
        A 1-D distribution; bounds cover mean +- 4 std.
    """
    std = _check_positive("std", std)
    mean = _check_finite("mean", mean)
    return _mixture(
        "gaussian",
        modes=torch.tensor([[mean]]),
        stds=torch.tensor([std]),
        weights=torch.ones(1),
        bounds=((mean - 4 * std, mean + 4 * std),),
    )


def mixture_1d(
    means: Sequence[float] = (-2.0, 2.0),
    stds: Sequence[float] | float = 0.5,
    weights: Sequence[float] | None = None,
) -> ToyDistribution:
    """A 1-D Gaussian mixture, sum_k w_k N(means[k], stds[k]^2).

    The default, two well-separated bumps at -2 and 2, is the smallest picture of mode collapse.

    Args:
        means: the M component means.
        stds: the M standard deviations (each > 0), or one value shared by all.
        weights: M non-negative weights (normalised to sum to 1); None for equal weights.

    Returns:
        A 1-D distribution; bounds cover every mean +- 4 of its std.
    """
    means_t = torch.as_tensor(means, dtype=torch.float64).reshape(-1)  # (M,)
    m = means_t.numel()
    if m == 0 or not bool(torch.isfinite(means_t).all()):
        raise ValueError(f"expected one or more finite means, got {means!r}")
    stds_t = torch.as_tensor(stds, dtype=torch.float64).reshape(-1)
    if stds_t.numel() == 1:
        stds_t = stds_t.expand(m)
    if stds_t.numel() != m:
        raise ValueError(f"expected {m} stds (one per mean) or a single std, got {stds_t.numel()}")
    if not bool(((stds_t > 0) & torch.isfinite(stds_t)).all()):
        raise ValueError(f"expected every std to be a finite number > 0, got {stds!r}")
    if weights is None:
        weights_t = torch.ones(m, dtype=torch.float64)
    else:
        weights_t = torch.as_tensor(weights, dtype=torch.float64).reshape(-1)
        if weights_t.numel() != m:
            raise ValueError(f"expected {m} weights (one per mean), got {weights_t.numel()}")
        if bool((weights_t < 0).any()) or not float(weights_t.sum()) > 0:
            raise ValueError(f"expected non-negative weights with a positive sum, got {weights!r}")
    low = float((means_t - 4 * stds_t).min())
    high = float((means_t + 4 * stds_t).max())
    return _mixture("mixture", means_t[:, None], stds_t, weights_t, bounds=((low, high),))


# --------------------------------------------------------------------------- 2-D


def ring(*, n_modes: int = 8, radius: float = 2.0, std: float = 0.02) -> ToyDistribution:
    """``n_modes`` equal Gaussians spaced evenly on a circle; the first sits at angle 0.

    The default (8 modes, radius 2, std 0.02) is the unrolled-GAN mode-collapse benchmark.
    Bounds are +-1.5 * radius on both axes.
    """
    n_modes = utils.check_count(n_modes, "n_modes")
    radius = _check_positive("radius", radius)
    std = _check_positive("std", std)
    angles = 2 * math.pi * torch.arange(n_modes, dtype=torch.float64) / n_modes  # (M,)
    modes = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)  # (M, 2)
    half = 1.5 * radius
    return _mixture(
        "ring",
        modes,
        torch.full((n_modes,), std),
        torch.ones(n_modes),
        bounds=((-half, half), (-half, half)),
    )


def grid(*, n_per_side: int = 5, spacing: float = 2.0, std: float = 0.05) -> ToyDistribution:
    """``n_per_side**2`` equal Gaussians on a square grid centred on the origin.

    The default (5 per side, spacing 2, std 0.05) puts the 25 centres on {-4, -2, 0, 2, 4}^2.
    Bounds reach 0.75 * spacing beyond the outer centres.
    """
    n_per_side = utils.check_count(n_per_side, "n_per_side")
    spacing = _check_positive("spacing", spacing)
    std = _check_positive("std", std)
    coords = spacing * (torch.arange(n_per_side, dtype=torch.float64) - (n_per_side - 1) / 2)
    gx, gy = torch.meshgrid(coords, coords, indexing="ij")
    modes = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)  # (n_per_side**2, 2)
    half = float(coords[-1]) + 0.75 * spacing
    m = modes.shape[0]
    return _mixture(
        "grid", modes, torch.full((m,), std), torch.ones(m), bounds=((-half, half), (-half, half))
    )


def spiral(*, turns: float = 1.5, radius: float = 2.0, noise: float = 0.05) -> ToyDistribution:
    """Points along an Archimedean spiral r = radius * theta / theta_max, plus Gaussian noise.

    theta runs from 0 to ``2 pi turns``; drawing theta = theta_max * sqrt(u) with u ~ U(0, 1)
    spreads points about evenly along the curve (arc length grows like theta^2).

    Args:
        turns: number of turns, > 0.
        radius: radius at the outer end, > 0.
        noise: std of the isotropic Gaussian noise added to each point, > 0.
    """
    turns = _check_positive("turns", turns)
    radius = _check_positive("radius", radius)
    noise = _check_positive("noise", noise)
    theta_max = 2 * math.pi * turns

    def draw(n: int, gen: torch.Generator | None) -> Tensor:
        theta = theta_max * torch.rand(n, generator=gen).sqrt()  # (n,)
        r = radius * theta / theta_max
        points = torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1)  # (n, 2)
        return points + noise * torch.randn(n, 2, generator=gen)

    half = radius + 0.5
    return ToyDistribution(name="spiral", dim=2, bounds=((-half, half), (-half, half)), draw=draw)


# --------------------------------------------------------------------------- drawn by hand

# Painted points kept (thinned evenly beyond): the KL / JS read-out evaluates the density on a
# 200 x 200 grid once per drawing, which took 0.25 s for 200 points and about 9 s for 2,000 on
# the course's machine, holding training up; 300 points of std 1.5% still cover a drawn shape.
MAX_DRAWN = 300
DRAWN_BANDWIDTH = 0.015  # each point's std, as a share of the plane's width: a stroke's width


def drawn(points, *, bounds: Bounds, bandwidth: float | None = None) -> ToyDistribution:
    """Real data painted by hand: a Gaussian kernel estimate around the painted points.

    Each point becomes an equal-weight Gaussian of std ``bandwidth``, so the distribution is a
    mixture: it samples, and its density (for D* and the KL / JS read-out) is exact. Its modes
    are the painted points, not clusters, so no "modes captured" is counted (``clusters``).
    The dashboard's Draw button builds one from the mouse (`gan_course.live.drawing`).

    Args:
        points: (n, 2) painted positions, in data coordinates; those outside ``bounds`` are
            dropped, and beyond MAX_DRAWN points an even selection is kept.
        bounds: the plane, ``((x0, x1), (y0, y1))``; the toy keeps it as its plotting box.
        bandwidth: each point's std; default DRAWN_BANDWIDTH of the plane's width.

    Raises:
        ValueError: no point inside the plane, or all of them in one spot (a GAN needs data
            with some extent: paint a stroke, not a dot), or bad bounds or bandwidth.
    """
    (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in bounds)
    if not (math.isfinite(x0 + x1 + y0 + y1) and x0 < x1 and y0 < y1):
        raise ValueError(f"expected bounds ((x0, x1), (y0, y1)) with x0 < x1, y0 < y1, got {bounds}")
    width = x1 - x0
    bandwidth = DRAWN_BANDWIDTH * width if bandwidth is None else _check_positive(
        "bandwidth", bandwidth)
    p = torch.as_tensor(np.asarray(points, dtype=np.float64).reshape(-1, 2))
    if p.shape[0] == 0:
        raise ValueError("no points drawn: press Draw, then drag the mouse over the plane to "
                         "paint where the real data lies")
    inside = (torch.isfinite(p).all(dim=1) & (p[:, 0] >= x0) & (p[:, 0] <= x1)
              & (p[:, 1] >= y0) & (p[:, 1] <= y1))
    p = p[inside]
    if p.shape[0] == 0:
        raise ValueError(f"none of the {int(inside.numel())} painted points lies inside the "
                         f"plane x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]")
    spread = float((p.max(dim=0).values - p.min(dim=0).values).max())
    if spread < 2 * bandwidth:
        what = ("the one painted point is a single spot" if p.shape[0] == 1 else
                f"all {p.shape[0]} painted points are in one spot (they span {spread:.3g}, less "
                f"than two strokes' width {2 * bandwidth:.3g})")
        raise ValueError(f"{what}: "
                         "a GAN needs data with some extent; drag to paint a stroke or shape")
    if p.shape[0] > MAX_DRAWN:
        p = p[torch.linspace(0, p.shape[0] - 1, MAX_DRAWN).round().long()]
    m = p.shape[0]
    return _mixture("drawn", p, torch.full((m,), bandwidth), torch.ones(m),
                    bounds=((x0, x1), (y0, y1)), clusters=False)


# --------------------------------------------------------------------------- by name

TOYS: dict[str, Callable[..., ToyDistribution]] = {
    "gaussian": gaussian_1d,
    "mixture": mixture_1d,
    "ring": ring,
    "grid": grid,
    "spiral": spiral,
}


def get(name: str, **kwargs) -> ToyDistribution:
    """Build a toy by name, e.g. ``get("ring", std=0.05)``; names are the keys of ``TOYS``."""
    if name not in TOYS:
        raise ValueError(f"expected a toy name in {sorted(TOYS)}, got {name!r}")
    return TOYS[name](**kwargs)
