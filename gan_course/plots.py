"""Static figures the lessons reuse: digit grids, 2-D samples over D's heat-map, training curves.

These are plumbing: each lesson first draws its key picture by hand, then calls these. All take
an optional matplotlib ``ax`` and return it, so figures compose. The course's colours live here
too (`REAL`, `FAKE`, `D_COLOR`, `G_COLOR`, `HEAT_CMAP`): the live dashboard's pictures and the
lessons' figures use them, so real and fake look the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from torch import Tensor
from torchvision.utils import make_grid

__all__ = [
    "REAL",
    "FAKE",
    "D_COLOR",
    "G_COLOR",
    "HEAT_CMAP",
    "image_grid",
    "show_images",
    "d_grid",
    "plot_2d",
    "plot_history",
]

# The course's palette, as in GAN Lab: green = real, purple = fake; D blue, G orange.
REAL, FAKE = "#1b9e3a", "#7b3294"
D_COLOR, G_COLOR = "#1f77b4", "#ff7f0e"
# D's output as a heat-map: purple (0, "fake") to green (1, "real"), blended 60% into white so
# that the samples drawn on top stay visible.
HEAT_ALPHA = 0.6
HEAT_CMAP = ListedColormap(1 - HEAT_ALPHA * (1 - colormaps["PRGn"](np.linspace(0, 1, 256))[:, :3]))


def _to_numpy(x: Tensor | np.ndarray) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x)


def image_grid(images: Tensor | np.ndarray, *, nrow: int = 8, pad: int = 2,
               pad_value: int = 0) -> np.ndarray:
    """Tile images into one uint8 picture (with `torchvision.utils.make_grid`).

    Args:
        images: (N, C, H, W) with C = 1 or 3, or (N, H, W); floats in [-1, 1] (a generator's
            tanh range; values outside are clipped) or uint8 in [0, 255].
        nrow: images per row (fewer when there are fewer images).
        pad: pixels of border between images and around them.
        pad_value: the border's grey level: 0 dark (MNIST's background), 255 white.

    Returns:
        uint8 array (rows * (H + pad) + pad, cols * (W + pad) + pad) for one channel, with a
        last axis of 3 for three.
    """
    x = torch.as_tensor(_to_numpy(images))
    if x.dim() == 3:
        x = x[:, None]
    if x.dim() != 4 or x.shape[1] not in (1, 3):
        raise ValueError(f"expected images (N, 1 or 3, H, W) or (N, H, W), got shape "
                         f"{tuple(x.shape)}")
    if x.dtype != torch.uint8:
        x = ((x.float() + 1) * 127.5).clamp(0, 255).round().to(torch.uint8)
    if len(x) == 1:  # make_grid returns a single image without its border
        x = F.pad(x, (pad, pad, pad, pad), value=pad_value)
        pad = 0
    grid = make_grid(x, nrow=nrow, padding=pad, pad_value=pad_value)  # (3, H', W')
    return grid[0].numpy() if x.shape[1] == 1 else grid.permute(1, 2, 0).numpy()


def show_images(images: Tensor | np.ndarray, *, nrow: int = 8, title: str | None = None,
                ax: Axes | None = None) -> Axes:
    """Draw an image grid (white digits on black, as in MNIST) without axes ticks."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(image_grid(images, nrow=nrow), cmap="gray", vmin=0, vmax=255)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


@torch.no_grad()
def d_grid(D: Callable[[Tensor], Tensor], bounds: Sequence[Sequence[float]], *,
           resolution: int = 100, probability: bool = True,
           device: torch.device | str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate a 2-D discriminator on a grid of points, in eval mode.

    Args:
        D: x (n, 2) -> scores (n,) or (n, 1).
        bounds: ((x0, x1), (y0, y1)), the grid's extent.
        resolution: points per side.
        probability: sigmoid(D) (for the cross-entropy losses) instead of D's raw score.
        device: where D runs (the grid is sent there); None for the CPU.

    Returns:
        (xs, ys, values): axis coordinates (resolution,) each and values (resolution, resolution)
        indexed [y, x], on the CPU.
    """
    (x0, x1), (y0, y1) = bounds
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    pts = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
    was_training = getattr(D, "training", False)
    if hasattr(D, "eval"):
        D.eval()
    try:
        scores = D(pts if device is None else pts.to(device)).reshape(-1).cpu()
    finally:
        if hasattr(D, "train"):
            D.train(was_training)
    values = torch.sigmoid(scores) if probability else scores
    return xs, ys, values.reshape(resolution, resolution).numpy()


def plot_2d(real: Tensor | np.ndarray | None = None, fake: Tensor | np.ndarray | None = None, *,
            D: Callable[[Tensor], Tensor] | None = None, bounds=((-3, 3), (-3, 3)),
            title: str | None = None, ax: Axes | None = None, max_points: int = 1000) -> Axes:
    """Real (`REAL`, green) and fake (`FAKE`, purple) 2-D samples, over D's output as a heat-map
    (`HEAT_CMAP`: purple 0 = fake to green 1 = real) if given."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    if D is not None:
        xs, ys, p = d_grid(D, bounds)
        mesh = ax.pcolormesh(xs, ys, p, cmap=HEAT_CMAP, vmin=0, vmax=1, shading="auto")
        ax.figure.colorbar(mesh, ax=ax, fraction=0.046, pad=0.04, label="D(x)  (1 = real)")
    if real is not None:
        r = _to_numpy(real)[:max_points]
        ax.scatter(r[:, 0], r[:, 1], s=4, c=REAL, label="real", zorder=3)
    if fake is not None:
        f = _to_numpy(fake)[:max_points]
        ax.scatter(f[:, 0], f[:, 1], s=4, c=FAKE, label="fake G(z)",
                   zorder=3)  # above arrows or lines drawn later
    ax.set_xlim(*bounds[0])
    ax.set_ylim(*bounds[1])
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if real is not None or fake is not None:
        ax.legend(loc="upper right", markerscale=3, fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_history(history: Sequence[dict], *, keys: Sequence[str] = ("loss_D", "loss_G"),
                 ax: Axes | None = None, title: str | None = None, smooth: int = 1) -> Axes:
    """Curves of ``keys`` from a trainer history against the step (moving average of ``smooth``)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    steps = np.array([h["step"] for h in history])
    for key in keys:
        y = np.array([h.get(key, np.nan) for h in history], dtype=float)
        if smooth > 1 and len(y) >= smooth:
            y = np.convolve(y, np.ones(smooth) / smooth, mode="valid")
            ax.plot(steps[smooth - 1:], y, label=key)
        else:
            ax.plot(steps, y, label=key)
    ax.set_xlabel("step")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax
