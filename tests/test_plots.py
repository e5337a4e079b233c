"""The static figures: one image grid, D over a grid of points, and the course's palette."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from gan_course import plots, toys


def test_image_grid_tiles_images():
    grid = plots.image_grid(torch.zeros(10, 1, 28, 28), nrow=4, pad_value=255)
    assert grid.shape == (3 * 30 + 2, 4 * 30 + 2) and grid.dtype == np.uint8
    assert grid[2, 2] == 128 and grid[0, 0] == 255  # mid-grey image, white padding
    dark = plots.image_grid(torch.zeros(10, 28, 28), nrow=4)  # (N, H, W), dark padding
    assert dark.shape == grid.shape and dark[0, 0] == 0


def test_image_grid_ranges_colours_and_one_image():
    x = torch.tensor([-1.0, 1.0, 3.0, -7.0]).reshape(1, 1, 2, 2)
    grid = plots.image_grid(x, pad=1)
    assert grid.shape == (4, 4)  # a single image keeps its border
    assert grid[1:3, 1:3].tolist() == [[0, 255], [255, 0]]  # [-1, 1] -> 0..255, clipped
    raw = torch.arange(12, dtype=torch.uint8).reshape(3, 1, 2, 2)
    assert plots.image_grid(raw, nrow=3, pad=0).tolist() == [[0, 1, 4, 5, 8, 9],
                                                               [2, 3, 6, 7, 10, 11]]
    rgb = plots.image_grid(torch.zeros(5, 3, 8, 8), nrow=3)
    assert rgb.shape == (2 * 10 + 2, 3 * 10 + 2, 3)
    with pytest.raises(ValueError, match="expected images"):
        plots.image_grid(torch.zeros(4, 2, 8, 8))


def test_d_grid_is_indexed_y_then_x_and_restores_train_mode():
    D = torch.nn.Sequential(torch.nn.Linear(2, 1))
    with torch.no_grad():
        D[0].weight.copy_(torch.tensor([[1.0, 0.0]]))  # the score is x1
        D[0].bias.zero_()
    D.train()
    xs, ys, values = plots.d_grid(D, ((-1, 1), (0, 2)), resolution=5, probability=False)
    assert values.shape == (5, 5) and D.training
    assert np.allclose(values[0], xs) and np.allclose(values[:, 0], -1)  # varies along x only
    _, _, p = plots.d_grid(D, ((-1, 1), (0, 2)), resolution=5)
    assert np.allclose(p, 1 / (1 + np.exp(-values)))


def test_plot_2d_uses_the_palette():
    ring = toys.ring()
    real = ring.sample(50, seed=0)
    D = torch.nn.Sequential(torch.nn.Linear(2, 1))
    ax = plots.plot_2d(real, real + 0.1, D=D, bounds=ring.bounds, title="t")
    colours = [matplotlib.colors.to_hex(c.get_facecolor()[0]) for c in ax.collections[1:]]
    assert colours == [plots.REAL, plots.FAKE]
    assert ax.collections[0].get_cmap() is plots.HEAT_CMAP
    plt.close(ax.figure)
