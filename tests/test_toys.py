"""Toy distributions: shapes, seeding, geometry of the modes, exact densities, errors."""

import math

import pytest
import torch

from gan_course import toys

ALL_NAMES = ["gaussian", "mixture", "ring", "grid", "spiral"]
MIXTURES = ["gaussian", "mixture", "ring", "grid"]


def test_names_match_the_registry():
    assert sorted(toys.TOYS) == sorted(ALL_NAMES)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_sample_shape_dtype_and_bounds(name):
    toy = toys.get(name)
    x = toy.sample(500, seed=0)
    assert x.shape == (500, toy.dim)
    assert x.dtype == torch.float32
    assert torch.isfinite(x).all()
    assert len(toy.bounds) == toy.dim
    for d, (low, high) in enumerate(toy.bounds):
        inside = ((x[:, d] > low) & (x[:, d] < high)).float().mean()
        assert inside > 0.99, f"{name}: only {inside:.3f} of the samples inside bounds {toy.bounds}"


@pytest.mark.parametrize("name", ALL_NAMES)
def test_seeding_is_reproducible(name):
    toy = toys.get(name)
    assert torch.equal(toy.sample(64, seed=1), toy.sample(64, seed=1))
    assert not torch.equal(toy.sample(64, seed=1), toy.sample(64, seed=2))
    # a seed is shorthand for a fresh generator with that seed
    assert torch.equal(
        toy.sample(64, seed=3), toy.sample(64, generator=torch.Generator().manual_seed(3))
    )
    # a shared generator moves on between calls
    g = torch.Generator().manual_seed(4)
    assert not torch.equal(toy.sample(64, generator=g), toy.sample(64, generator=g))
    # with neither, torch's global generator is used
    torch.manual_seed(5)
    a = toy.sample(64)
    torch.manual_seed(5)
    assert torch.equal(a, toy.sample(64))


def test_literature_definitions():
    r = toys.ring()
    assert (r.name, r.dim, r.n_modes, r.std, r.bounds) == (
        "ring",
        2,
        8,
        0.02,
        ((-3.0, 3.0), (-3.0, 3.0)),
    )
    assert torch.allclose(r.modes.norm(dim=1), torch.full((8,), 2.0))
    assert torch.allclose(r.modes[0], torch.tensor([2.0, 0.0]))
    g = toys.grid()
    assert (g.n_modes, g.std) == (25, 0.05)
    assert sorted(set(g.modes.flatten().tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert len({tuple(m) for m in g.modes.tolist()}) == 25
    for name in ("spiral",):
        t = toys.get(name)
        assert (t.modes, t.std, t.n_modes) == (None, None, None)


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_samples_sit_near_their_modes(name):
    toy = toys.get(name)
    x = toy.sample(4000, seed=0)
    dist, nearest = torch.cdist(x, toy.modes).min(dim=1)  # (n,)
    # A 2-D isotropic Gaussian sample's distance to its centre is Rayleigh: mean std*sqrt(pi/2).
    assert dist.mean().item() == pytest.approx(toy.std * math.sqrt(math.pi / 2), rel=0.05)
    counts = torch.bincount(nearest, minlength=toy.n_modes).float()
    expected = 4000 / toy.n_modes
    assert (counts - expected).abs().max() < 5 * math.sqrt(expected)  # every mode equally hit


def test_1d_moments_and_weights():
    x = toys.gaussian_1d(1.5, 0.5).sample(20000, seed=0)
    assert x.mean().item() == pytest.approx(1.5, abs=0.02)
    assert x.std().item() == pytest.approx(0.5, abs=0.02)
    m = toys.mixture_1d([-3.0, 3.0], [0.2, 0.4], weights=[1, 3])
    assert torch.allclose(m.weights, torch.tensor([0.25, 0.75]))
    assert isinstance(m.std, torch.Tensor) and torch.allclose(m.std, torch.tensor([0.2, 0.4]))
    y = m.sample(20000, seed=0)
    assert (y > 0).float().mean().item() == pytest.approx(0.75, abs=0.02)
    assert toys.mixture_1d([0.0, 1.0], 0.3).std == 0.3  # one shared std


@pytest.mark.parametrize("name", MIXTURES)
def test_density_integrates_to_one(name):
    toy = toys.get(name)
    # Riemann sums of a Gaussian converge very fast: with a step of one std the error is ~1e-8.
    h = float(toy.stds.min())
    axes = [torch.arange(low, high, h) for low, high in toy.bounds]
    points = torch.stack([a.reshape(-1) for a in torch.meshgrid(*axes, indexing="ij")], dim=1)
    p = toy.density(points)
    assert p.shape == (points.shape[0],) and (p >= 0).all()
    assert (p.double().sum() * h**toy.dim).item() == pytest.approx(1.0, abs=1e-3)


def test_density_closed_forms():
    g = toys.gaussian_1d(1.0, 2.0)
    x = torch.tensor([1.0, 3.0])  # (n,) is accepted in 1-D
    expected = torch.exp(-0.5 * ((x - 1.0) / 2.0) ** 2) / (2.0 * math.sqrt(2 * math.pi))
    assert torch.allclose(g.density(x), expected)
    r = toys.ring()
    peak = 1 / (8 * 2 * math.pi * 0.02**2)  # one of 8 modes, the others are far away
    assert torch.allclose(r.density(r.modes), torch.full((8,), peak), rtol=1e-5)
    assert torch.allclose(r.log_density(r.modes), torch.full((8,), math.log(peak)), rtol=1e-5)


def test_density_errors():
    with pytest.raises(NotImplementedError, match="spiral"):
        toys.spiral().density(torch.zeros(3, 2))
    with pytest.raises(ValueError, match=r"expected points of shape \(n, 2\), got \(3, 3\)"):
        toys.ring().density(torch.zeros(3, 3))


def test_spiral_shapes():
    s = toys.spiral(radius=2.0, noise=0.01).sample(2000, seed=0)
    assert s.norm(dim=1).max().item() < 2.1


def test_get_passes_options():
    assert toys.get("ring", std=0.05, n_modes=4).std == 0.05
    assert toys.get("ring", n_modes=4).n_modes == 4
    assert toys.get("grid", n_per_side=3).n_modes == 9


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: toys.get("circle"),
            r"expected a toy name in \['gaussian', 'grid', 'mixture', 'ring', 'spiral'\], "
            "got 'circle'",
        ),
        (lambda: toys.ring().sample(0), "expected n to be a positive integer, got 0"),
        (lambda: toys.ring().sample(-3), "expected n to be a positive integer"),
        (lambda: toys.ring().sample(2.5), "expected n to be a positive integer"),
        (lambda: toys.ring(std=0), "expected std to be a finite number > 0, got 0"),
        (lambda: toys.ring(radius=-1.0), "expected radius to be a finite number > 0"),
        (lambda: toys.ring(n_modes=0), "expected n_modes to be a positive integer"),
        (lambda: toys.grid(std=-0.1), "expected std"),
        (lambda: toys.gaussian_1d(std=0.0), "expected std"),
        (lambda: toys.spiral(noise=0), "expected noise"),
        (lambda: toys.mixture_1d([0.0, 1.0], [0.1, 0.0]), "expected every std"),
        (lambda: toys.mixture_1d([0.0, 1.0], [0.1, 0.2, 0.3]), "expected 2 stds"),
        (lambda: toys.mixture_1d([0.0, 1.0], 0.1, weights=[1.0]), "expected 2 weights"),
        (lambda: toys.mixture_1d([0.0, 1.0], 0.1, weights=[1.0, -1.0]), "non-negative weights"),
        (lambda: toys.mixture_1d([], 0.1), "expected one or more finite means"),
        (
            lambda: toys.ring().sample(4, seed=1, generator=torch.Generator()),
            "either generator or seed",
        ),
        (lambda: toys.ring().sample(4, seed=-1), "non-negative integer seed"),
    ],
)
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
