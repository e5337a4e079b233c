"""gan_course.metrics.toy (2-D and 1-D toy metrics) against closed forms and known cases."""

from __future__ import annotations

import math

import pytest
import torch

from gan_course import metrics

RING_STD = 0.02


def ring_modes(n_modes: int = 8, radius: float = 2.0) -> torch.Tensor:
    angles = torch.arange(n_modes, dtype=torch.float64) * 2 * math.pi / n_modes
    return radius * torch.stack([angles.cos(), angles.sin()], dim=1)  # (M, 2)


def mixture_samples(centres: torch.Tensor, n: int, std: float, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    which = torch.randint(0, len(centres), (n,), generator=g)
    return centres[which] + std * torch.randn(n, 2, generator=g, dtype=torch.float64)


# ---- 2-D toys --------------------------------------------------------------------------------


def test_mode_stats_perfect_ring():
    modes = ring_modes()
    stats = metrics.mode_stats(mixture_samples(modes, 20_000, RING_STD), modes, RING_STD)
    assert stats["modes_captured"] == 8 and stats["n_modes"] == 8
    assert stats["high_quality"] == pytest.approx(1 - math.exp(-4.5), abs=0.003)  # 0.9889
    assert sum(stats["counts"]) == pytest.approx(stats["high_quality"] * 20_000)


def test_mode_stats_collapsed_and_stray_samples():
    modes = ring_modes()
    x = mixture_samples(modes[:3], 2500, RING_STD)
    assert metrics.mode_stats(x, modes.numpy(), RING_STD)["modes_captured"] == 3
    # Five stray samples on a fourth mode do not capture it by default; VEEGAN's rule counts it.
    x = torch.cat([x, modes[3].expand(5, 2)])
    assert metrics.mode_stats(x, modes, RING_STD)["modes_captured"] == 3
    assert metrics.mode_stats(x, modes, RING_STD, min_count=1)["modes_captured"] == 4


def test_mode_stats_far_samples_are_low_quality():
    modes = ring_modes()
    stats = metrics.mode_stats(torch.zeros(100, 2), modes, RING_STD)
    assert stats["high_quality"] == 0.0 and stats["modes_captured"] == 0


def test_kl_js_grid():
    modes = ring_modes().float()

    def density(points):  # (K, 2) -> (K,), unnormalised mixture density
        d2 = ((points[:, None, :] - modes[None]) ** 2).sum(-1)
        return torch.exp(-d2 / (2 * 0.1**2)).sum(1)

    good = metrics.kl_js_grid(mixture_samples(modes.double(), 20_000, 0.1), density, bounds=(-3, 3))
    bad = metrics.kl_js_grid(mixture_samples(modes[:2].double(), 20_000, 0.1), density,
                             bounds=(-3, 3))
    assert good["js"] < 0.05 and good["outside"] == 0.0
    assert bad["js"] > 0.3 and bad["kl"] > 5 * good["kl"]
    assert 0 <= bad["js"] <= math.log(2)


def test_toy_metrics_take_the_toys_as_they_are():
    from gan_course import toys

    ring, grid = toys.ring(), toys.grid()
    x = ring.sample(2500, seed=0)
    assert metrics.mode_stats(x, ring.modes, ring.std)["modes_captured"] == 8
    assert metrics.kl_js_grid(x, ring.density, bounds=ring.bounds)["js"] < 0.01
    per_mode_std = grid.stds  # (M,) works as well as a float
    assert metrics.mode_stats(grid.sample(2500, seed=0), grid.modes, per_mode_std)[
        "modes_captured"] == 25
    mix = toys.mixture_1d()
    assert metrics.js_divergence_1d(mix.sample(5000, seed=0), mix.density, bounds=mix.bounds) < 0.01


# ---- 1-D toys --------------------------------------------------------------------------------


def test_wasserstein_shift_is_exact():
    x = torch.randn(1000, generator=torch.Generator().manual_seed(0))
    assert metrics.wasserstein_1d(x, x + 1.5) == pytest.approx(1.5)
    assert metrics.wasserstein_1d(x.numpy(), x.numpy()) == 0.0


def test_wasserstein_gaussians_and_unequal_sizes():
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(20_000, generator=g), torch.randn(15_000, generator=g) + 2.0
    assert metrics.wasserstein_1d(x, y) == pytest.approx(2.0, abs=0.05)
    # Unequal sizes, small enough to check by hand: {0, 1} vs {0, 0.5, 1} -> 1/6 * 0.5 * 2.
    assert metrics.wasserstein_1d([0.0, 1.0], [0.0, 0.5, 1.0]) == pytest.approx(1 / 6)
    # A sample repeated k times is the same distribution.
    assert metrics.wasserstein_1d(x[:100], x[:100].repeat(3)) == pytest.approx(0.0, abs=1e-12)


def test_js_1d_identical_and_disjoint():
    x = torch.randn(5000, generator=torch.Generator().manual_seed(2))
    assert metrics.js_divergence_1d(x, x) == pytest.approx(0.0, abs=1e-12)
    assert metrics.js_divergence_1d(x, x + 100) == pytest.approx(math.log(2))


def test_js_1d_against_density():
    x = torch.randn(50_000, generator=torch.Generator().manual_seed(3))

    def normal(t):
        return torch.exp(-t**2 / 2)

    assert metrics.js_divergence_1d(x, normal, bounds=(-5, 5)) < 0.01
    assert metrics.js_divergence_1d(x + 4, normal, bounds=(-5, 10)) > 0.5
    with pytest.raises(ValueError, match="bounds"):
        metrics.js_divergence_1d(x, normal)


def test_toy_metrics_bad_shapes():
    with pytest.raises(ValueError, match=r"expected samples x of shape \(N, 2\)"):
        metrics.mode_stats(torch.zeros(10, 3), ring_modes(), RING_STD)
    with pytest.raises(ValueError, match=r"expected modes of shape \(M, 2\)"):
        metrics.mode_stats(torch.zeros(10, 2), torch.zeros(8), RING_STD)
    with pytest.raises(ValueError, match=r"expected x of shape \(N,\) or \(N, 1\)"):
        metrics.wasserstein_1d(torch.zeros(10, 2), torch.zeros(10))
