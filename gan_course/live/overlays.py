"""What the 2-D view (`views.View2D`) draws over the plane, and how: its layers, G's arrows at a
length you can see, and the KL / JS read-out.

- Layers: real samples, fake samples, D's heat-map, G's arrows and G's manifold (the image of
  a grid in z-space, as GAN Lab draws it), each on or off (`check_layers`; the manifold is off
  by default, `DEFAULT_LAYERS`); the view applies them on its next picture, the trainer never
  knows. `manifold_z` is the grid.
- Arrows: G's gradient at a fake, ``-grad_x loss_G``, spans from about 1e-7 (a saturated D) to
  1e+1, so drawn to scale it is either invisible or off the plane. `arrow_vectors` draws this
  frame's 95th-percentile length as ARROW_SPAN of the box, keeps the arrows' proportions within
  [MIN_SHARE, MAX_SHARE] of it, and writes the actual sizes in the caption.
- `GridDivergence`: KL and JS between the toy's density and G's samples' histogram on a grid
  (`gan_course.metrics.kl_js_grid`), with the toy's density on the fine grid computed once, so a
  picture pays only for a histogram (about 1 ms, see `GridDivergence`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from gan_course import losses, metrics
from gan_course.plots import HEAT_CMAP

__all__ = ["LAYERS", "DEFAULT_LAYERS", "heat_rgb", "check_layers", "manifold_z", "manifold_segments", "ARROW_SPAN", "MIN_SHARE", "MAX_SHARE", "arrow_vectors",
           "GridDivergence"]

LAYERS = {"real": "real samples", "fake": "fake samples", "heat": "D's heat-map",
          "arrows": "G's arrows", "manifold": "G's manifold"}  # name -> what its toggle says
# The manifold is off at first: over samples, heat-map and arrows it is one layer too many to
# read, and it costs a forward pass of G on MANIFOLD_LINES**2 more points a picture.
DEFAULT_LAYERS = {**dict.fromkeys(LAYERS, True), "manifold": False}
MANIFOLD_LINES = 15  # grid lines each way in (z1, z2)
MANIFOLD_REACH = 2.0  # the grid spans z1, z2 in [-reach, reach]: 95% of N(0, 1) within 2
ARROW_SPAN = 0.08  # this frame's 95th-percentile arrow, as a share of the box's width
MIN_SHARE, MAX_SHARE = 0.25, 1.5  # shortest and longest arrows, as shares of that length


def check_layers(changes: Mapping[str, Any], current: Mapping[str, bool] | None = None
                 ) -> dict[str, bool]:
    """``current`` (default: `DEFAULT_LAYERS`) with ``changes``; ValueError for an unknown layer or a value
    that is not True or False (then nothing changes)."""
    unknown = set(changes) - set(LAYERS)
    if unknown:
        raise ValueError(f"unknown layer(s) {sorted(unknown)}; expected some of {list(LAYERS)}")
    bad = {k: v for k, v in changes.items() if not isinstance(v, (bool, np.bool_))}
    if bad:
        raise ValueError(f"expected True or False for each layer, got {bad}")
    base = dict(DEFAULT_LAYERS) if current is None else dict(current)
    return {**base, **{k: bool(v) for k, v in changes.items()}}


def heat_rgb(heat: np.ndarray, loss: str) -> np.ndarray:
    """D's read-out over the plane, (res, res), as RGB bytes (res, res, 3) in the course's
    heat-map colours; a critic's free-scale scores are stretched to this frame's 1st-99th
    percentiles (they have no fixed range)."""
    if losses.LOSSES[loss].scale == "free":
        lo, hi = np.percentile(heat, [1, 99])
        heat = (heat - lo) / max(hi - lo, 1e-12)
    return HEAT_CMAP(np.clip(heat, 0, 1), bytes=True)[..., :3]


def manifold_z(latent_dim: int, *, lines: int = MANIFOLD_LINES,
               reach: float = MANIFOLD_REACH) -> torch.Tensor:
    """The z of G's manifold: a ``lines x lines`` grid over (z1, z2) in [-reach, reach], the
    other coordinates 0, as a (lines * lines, latent_dim) tensor, row by row (z2 fixed in a
    row). With latent_dim > 2 its image under G is one 2-D slice of G's manifold, which the
    legend says; with latent_dim 1 the grid is one line."""
    if latent_dim == 1:
        return torch.linspace(-reach, reach, lines * lines)[:, None]
    t = torch.linspace(-reach, reach, lines)
    z2, z1 = torch.meshgrid(t, t, indexing="ij")  # (lines, lines): rows have one z2
    z = torch.zeros(lines * lines, latent_dim)
    z[:, 0], z[:, 1] = z1.reshape(-1), z2.reshape(-1)
    return z


def manifold_segments(points: np.ndarray, lines: int = MANIFOLD_LINES) -> list[np.ndarray]:
    """G's image of the `manifold_z` grid, (lines * lines, 2), as polylines: each row (z2
    fixed) and each column (z1 fixed), for a LineCollection."""
    grid = np.asarray(points, dtype=float).reshape(lines, lines, 2)
    return [*grid, *grid.transpose(1, 0, 2)]


def arrow_vectors(arrows: np.ndarray, width: float) -> tuple[np.ndarray, str]:
    """G's arrows (n, 2) as drawn on a box ``width`` wide, and the caption with their real size.

    Directions are kept; lengths are ``|a| / p95`` clipped to [MIN_SHARE, MAX_SHARE], times
    ARROW_SPAN * width, where p95 is this frame's 95th-percentile length: the longest arrows
    are always about 8% of the box, whatever the gradient's size.
    """
    a = np.asarray(arrows, dtype=float).reshape(-1, 2)
    norms = np.linalg.norm(a, axis=1)
    ok = np.isfinite(norms)
    if not ok.any() or not (norms[ok] > 0).any():
        return np.zeros_like(a), "G's arrows: no gradient (|∇ₓ loss_G| = 0)"
    top = float(np.percentile(norms[ok], 95))
    mid = float(np.median(norms[ok]))
    if not top > 0:
        top = float(norms[ok].max())
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.clip(norms / top, MIN_SHARE, MAX_SHARE)
        drawn = np.where((ok & (norms > 0))[:, None], a / norms[:, None] * share[:, None], 0.0)
    # "longest arrows" as before normalising: lessons 04 and 06 send the learner to that number.
    caption = (f"longest arrows: |∇ₓ loss_G| ≈ {top:.1e} (median {mid:.1e}; "
               "drawn normalised)")
    return drawn * (ARROW_SPAN * width), caption


class _CachedDensity:
    """``density(points)`` computed once for the fine grid `kl_js_grid` asks for every time."""

    def __init__(self, density) -> None:
        self.density, self.points, self.values = density, None, None

    def __call__(self, points: torch.Tensor) -> torch.Tensor:
        if self.points is None or not (self.points.shape == points.shape
                                       and torch.equal(self.points, points)):
            self.points, self.values = points.clone(), self.density(points)
        return self.values


class GridDivergence:
    """KL(p || q) and JS(p, q) between a 2-D toy's density p and samples' histogram q, on a
    ``bins x bins`` grid over the toy's bounds (`gan_course.metrics.kl_js_grid`).

    Calling it on (n, 2) samples returns ``kl_js_grid``'s dict, or None when no finite sample
    lies inside the bounds. ``floor`` is the same for ``n_floor`` samples of the real data: a
    finite histogram is never exactly p, so that is the best a perfect G of that many samples
    scores. Measured on the ring with 512 samples, after the first call (which computes the
    density on the 200 x 200 fine grid once): 0.6-0.7 ms a call on the course's machine
    (tests/test_views.py::test_kl_js_costs_little prints it).
    """

    def __init__(self, toy, *, bins: int = 50, n_floor: int = 512, seed: int = 4321) -> None:
        if not (toy.dim == 2 and toy.is_mixture):
            raise ValueError(f"expected a 2-D toy with a known density (a mixture), got {toy!r}")
        self.toy, self.bins = toy, bins
        self.density = _CachedDensity(toy.density)
        real = toy.sample(n_floor, generator=torch.Generator().manual_seed(seed))
        self.n_floor = n_floor
        self.floor = self(real.reshape(-1, 2).numpy())

    def __call__(self, x: np.ndarray) -> dict | None:
        x = np.asarray(x, dtype=float).reshape(-1, 2)
        x = x[np.isfinite(x).all(axis=1)]
        (x0, x1), (y0, y1) = self.toy.bounds
        inside = (x[:, 0] >= x0) & (x[:, 0] <= x1) & (x[:, 1] >= y0) & (x[:, 1] <= y1)
        if not inside.any():
            return None
        return metrics.kl_js_grid(x, self.density, bounds=self.toy.bounds, bins=self.bins)

    @staticmethod
    def caption(result: dict | None, floor: dict | None) -> str:
        """"KL 1.23 · JS 0.456 nats" for G, then the same for as many real samples (``floor``)."""
        if result is None:
            return "KL, JS: no fake inside the plane"
        text = f"KL {result['kl']:.2f} · JS {result['js']:.3f} nats"
        if floor is not None:
            text += f" (real samples: {floor['kl']:.2f} · {floor['js']:.3f})"
        return text
