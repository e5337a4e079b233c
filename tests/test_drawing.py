"""Draw your own distribution (`toys.drawn`, `live.drawing`, `Dashboard.use_data`) and the 2-D
view's manifold layer, from Python; tests/test_browser_features.py drags the real mouse."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_course import presets, toys
from gan_course.live import Dashboard, overlays, views

BOUNDS = ((-3.0, 3.0), (-3.0, 3.0))


def stroke(n: int = 60) -> np.ndarray:
    """A curved stroke across the plane, as a drag would paint it: (n, 2)."""
    x = np.linspace(-2.0, 2.0, n)
    return np.c_[x, 0.4 * x**2 - 1.0]


# --------------------------------------------------------------------------- toys.drawn


def test_drawn_is_a_kernel_estimate_around_the_points():
    points = stroke()
    toy = toys.drawn(points, bounds=BOUNDS)
    assert toy.is_mixture and not toy.clusters and toy.n_modes == len(points)
    assert toy.std == pytest.approx(toys.DRAWN_BANDWIDTH * 6.0)
    x = toy.sample(4000, seed=0).numpy()
    # every sample lies within a few bandwidths of the stroke
    dist = np.linalg.norm(x[:, None] - points[None], axis=2).min(axis=1)
    assert np.percentile(dist, 99) < 4 * toy.std
    # the density is the kernel estimate: high on the stroke, about zero far from it
    on, off = toy.density(torch.tensor([[0.0, -1.0]])), toy.density(torch.tensor([[0.0, 2.5]]))
    assert on.item() > 1.0 and off.item() < 1e-6


def test_drawn_keeps_points_inside_and_thins_evenly():
    points = np.r_[stroke(5000), [[9.0, 9.0], [np.nan, 0.0]]]
    toy = toys.drawn(points, bounds=BOUNDS)
    assert toy.n_modes == toys.MAX_DRAWN
    assert toy.modes[:, 0].min() == pytest.approx(-2.0) and toy.modes[:, 0].max() == pytest.approx(2.0)


@pytest.mark.parametrize("points, words", [
    (np.zeros((0, 2)), "no points drawn"),
    (np.full((40, 2), 0.5), "in one spot"),
    (np.array([[0.5, 0.5]]), "one painted point"),
    (np.array([[8.0, 8.0], [9.0, 9.0]]), "lies inside the plane"),
])
def test_drawings_that_cannot_be_data_say_why(points, words):
    with pytest.raises(ValueError, match=words):
        toys.drawn(points, bounds=BOUNDS)


# --------------------------------------------------------------------------- the mouse


@pytest.fixture
def dash():
    d = Dashboard(presets.toy_trainer("ring", seed=0), view="2d", headless=False)
    d.draw()  # the figure exists: pixels map to the plane
    yield d
    d.close()


def pixel_of(dash, x: float, y: float) -> tuple[float, float]:
    """The picture's pixel (from its top left, as the browser gives it) of data point (x, y)."""
    ax = dash.view.ax
    px, py = ax.transData.transform((x, y))
    return px, ax.figure.bbox.height - py


def drag(dash, points) -> None:
    painter = dash.panel.painter
    for i, (x, y) in enumerate(points):
        px, py = pixel_of(dash, x, y)
        painter.on_mouse({"type": "mousedown" if i == 0 else "mousemove", "buttons": 1,
                          "dataX": px, "dataY": py})
    painter.on_mouse({"type": "mouseup", "buttons": 0})


def test_a_drag_paints_where_the_mouse_went(dash):
    painter = dash.panel.painter
    drag(dash, stroke(20))
    assert painter.points == [], "without Draw pressed, a drag paints nothing"
    painter.widgets["draw"].value = True
    drag(dash, stroke(20))
    # Pixels are whole numbers in the browser; here they are exact, so the points are too.
    np.testing.assert_allclose(np.array(painter.points), stroke(20), atol=1e-9)
    painter.on_mouse({"type": "mousemove", "buttons": 0, "dataX": 200, "dataY": 200})
    assert len(painter.points) == 20, "a move without a button held paints nothing"
    painter.on_mouse({"type": "mousedown", "buttons": 1, "dataX": 2, "dataY": 2})
    assert len(painter.points) == 20, "a press outside the plane (the margin) paints nothing"
    assert np.array_equal(dash.view.painted, np.array(painter.points))
    assert "20 points painted" in painter.widgets["note"].value
    assert not painter.widgets["use"].disabled


def test_train_on_drawing_swaps_the_data_and_training_goes_on(dash):
    painter, trainer = dash.panel.painter, dash.trainer
    painter.widgets["draw"].value = True
    drag(dash, stroke(60))
    G_before = [p.detach().clone() for p in trainer.G.parameters()]
    painter.use()
    assert trainer.real.name == "drawn" and trainer.real.n_modes == 60
    assert all(torch.equal(a, b) for a, b in zip(G_before, trainer.G.parameters(), strict=True))
    assert painter.points == [] and not painter.drawing
    assert "training on your drawing: 60 points" in painter.widgets["note"].value
    assert dash.view.has_modes is False and dash.view.divergence is not None

    def js() -> float:
        return dash.view.capture(trainer)["divergence"]["js"]

    before = js()
    dash.run(400)
    after = js()
    print(f"\nJS to the drawing: {before:.3f} before, {after:.3f} after 400 steps")
    assert after < 0.6 * before, "G moves to the painted data"
    with pytest.raises(ValueError, match="drawn or given in the dashboard"):
        dash.settings_line()


def test_an_invalid_drawing_changes_nothing(dash):
    painter = dash.panel.painter
    real = dash.trainer.real
    painter.widgets["draw"].value = True
    painter.use()  # nothing painted
    assert "no points drawn" in painter.widgets["note"].value and "no points drawn" in dash.error
    x, y = pixel_of(dash, 1.0, 1.0)
    for _ in range(5):
        painter.on_mouse({"type": "mousedown", "buttons": 1, "dataX": x, "dataY": y})
    painter.use()
    assert "one spot" in painter.widgets["note"].value
    assert dash.trainer.real is real and len(painter.points) == 5


def test_use_data_refuses_another_shape(dash):
    real = dash.trainer.real
    with pytest.raises(ValueError, match=r"shaped like G's output \(n, 2\)"):
        dash.use_data(toys.gaussian_1d())
    assert dash.trainer.real is real
    dash.use_data(toys.grid())  # another toy: its bounds and modes come along
    assert dash.view.bounds == (-5.5, 5.5, -5.5, 5.5) and dash.view.has_modes


def test_use_data_leaves_the_runs_random_stream_alone():
    a, b = presets.toy_trainer("ring", seed=3), presets.toy_trainer("ring", seed=3)
    d = Dashboard(b, view="2d", headless=True)
    d.use_data(b.real)  # the same data: the run must go on as if nothing happened
    a.train(5)
    d.run(5)
    assert all(torch.equal(p, q) for p, q in zip(a.G.parameters(), b.G.parameters(), strict=True))
    d.close()


# --------------------------------------------------------------------------- the manifold


def test_manifold_grid_and_its_segments():
    z = overlays.manifold_z(8, lines=4, reach=1.0)
    assert z.shape == (16, 8) and torch.all(z[:, 2:] == 0)
    assert torch.equal(z[:4, 1], torch.full((4,), -1.0))  # a row: z2 fixed, z1 runs
    assert torch.allclose(z[:4, 0], torch.linspace(-1, 1, 4))
    segs = overlays.manifold_segments(np.arange(32.0).reshape(16, 2), lines=4)
    assert len(segs) == 8 and all(s.shape == (4, 2) for s in segs)
    np.testing.assert_array_equal(segs[4][:, 0], [0, 8, 16, 24])  # a column


def test_manifold_layer_is_off_until_shown_and_then_drawn(dash):
    view = dash.view
    dash.run(200)  # an untrained G maps the whole grid near one point
    assert view.layers["manifold"] is False and "manifold" not in view.capture(dash.trainer)
    blank = np.asarray(view.draw(view.capture(dash.trainer)))
    dash.show_layers(manifold=True)
    frame = view.capture(dash.trainer)
    expected = dash.trainer.generate(overlays.manifold_z(8), ema=False).numpy()
    np.testing.assert_array_equal(frame["manifold"], expected)
    shown = np.asarray(view.draw(frame))
    assert shown.shape == blank.shape and (shown != blank).any(axis=2).sum() > 500
    assert "'layers': {'manifold': True}" in dash.settings_line()
    assert dash.panel.layers["manifold"].value is True


def test_to_data_outside_the_plane_and_before_a_picture():
    t = presets.toy_trainer("ring", seed=0)
    view = views.View2D(t, t.real)
    assert view.to_data(100, 100) is None  # no figure yet
    view.draw(view.capture(t))
    assert view.to_data(2, 2) is None and view.to_data(870, 450) is None
