"""Static figures the lessons reuse: digit grids, 2-D samples over D's heat-map, training curves.

These are plumbing: each lesson first draws its key picture by hand, then calls these. All take
an optional matplotlib ``ax`` and return it, so figures compose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from torch import Tensor

__all__ = [
    "image_grid",
    "show_images",
    "d_grid",
    "plot_2d",
    "plot_history",
]


def _to_numpy(x: Tensor | np.ndarray) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x)


def image_grid(images: Tensor | np.ndarray, *, nrow: int = 8, pad: int = 2) -> np.ndarray:
    """Tile images into one uint8 picture.

    Args:
        images: (N, 1, H, W) or (N, H, W), floats in [-1, 1] or uint8 in [0, 255].
        nrow: images per row.
        pad: pixels of dark border between images.

    Returns:
        (rows * (H + pad) + pad, nrow * (W + pad) + pad) uint8 array.
    """
    x = _to_numpy(images)
    if x.ndim == 4:
        if x.shape[1] != 1:
            raise ValueError(f"expected one channel, got shape {x.shape}")
        x = x[:, 0]
    if x.ndim != 3:
        raise ValueError(f"expected images (N, 1, H, W) or (N, H, W), got shape {x.shape}")
    if x.dtype != np.uint8:
        x = np.clip((x + 1) * 127.5, 0, 255).round().astype(np.uint8)
    n, h, w = x.shape
    ncol = min(nrow, n)
    rows = -(-n // ncol)
    canvas = np.zeros((rows * (h + pad) + pad, ncol * (w + pad) + pad), dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, ncol)
        canvas[pad + r * (h + pad): pad + r * (h + pad) + h,
               pad + c * (w + pad): pad + c * (w + pad) + w] = x[i]
    return canvas


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
           resolution: int = 100, probability: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate a 2-D discriminator on a grid.

    Returns:
        (xs, ys, values): axis coordinates (resolution,) each and values (resolution, resolution)
        indexed [y, x]; sigmoid(D) if ``probability`` else D's raw score.
    """
    (x0, x1), (y0, y1) = bounds
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    pts = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
    was_training = getattr(D, "training", False)
    if hasattr(D, "eval"):
        D.eval()
    try:
        scores = D(pts).reshape(-1)
    finally:
        if hasattr(D, "train"):
            D.train(was_training)
    values = torch.sigmoid(scores) if probability else scores
    return xs, ys, values.reshape(resolution, resolution).numpy()


def plot_2d(real: Tensor | np.ndarray | None = None, fake: Tensor | np.ndarray | None = None, *,
            D: Callable[[Tensor], Tensor] | None = None, bounds=((-3, 3), (-3, 3)),
            title: str | None = None, ax: Axes | None = None, max_points: int = 1000) -> Axes:
    """Real (black) and fake (orange) 2-D samples, over D's output as a heat-map if given."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    if D is not None:
        xs, ys, p = d_grid(D, bounds)
        mesh = ax.pcolormesh(xs, ys, p, cmap="RdBu", vmin=0, vmax=1, shading="auto", alpha=0.8)
        ax.figure.colorbar(mesh, ax=ax, fraction=0.046, pad=0.04, label="D(x)  (1 = real)")
    if real is not None:
        r = _to_numpy(real)[:max_points]
        ax.scatter(r[:, 0], r[:, 1], s=4, c="black", label="real", zorder=3)
    if fake is not None:
        f = _to_numpy(fake)[:max_points]
        ax.scatter(f[:, 0], f[:, 1], s=4, c="tab:orange", label="fake G(z)",
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
