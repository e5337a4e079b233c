"""The dashboard's pictures: a view leaves training untouched, reads D's output as the loss
table says, and spans its curves to the run's end when the dashboard tells it."""

import time

import numpy as np
import pytest
import torch

from gan_course import live, losses, metrics, models, toys
from gan_course.data import TensorSampler
from gan_course.live import overlays, views
from gan_course.training import GANConfig, Trainer


def tiny_image_trainer(conv: bool = False) -> Trainer:
    torch.manual_seed(0)
    if conv:  # BatchNorm in D (its statistics), spectral norm (its power-iteration vectors)
        G = models.DCGANGenerator(8, base_channels=4)
        D = models.DCGANDiscriminator(base_channels=4, spectral_norm=True)
    else:  # dropout in D: it draws from the global generator
        G = models.MLPGenerator(8, (1, 28, 28), hidden=(32,), batchnorm=True,
                                out_activation="tanh")
        D = models.MLPDiscriminator((1, 28, 28), hidden=(32,), dropout=0.3)
    images = torch.rand(200, 1, 28, 28) * 2 - 1
    return Trainer(G, D, TensorSampler(images), GANConfig(latent_dim=8, batch_size=16))


@pytest.mark.parametrize("kind", ["2d", "1d", "images", "images-conv"])
def test_watching_does_not_change_training(kind, ring_trainer):
    """Pictures drawn between steps leave the run bit for bit as it would be unwatched."""
    def make():
        if kind.startswith("images"):
            return tiny_image_trainer(conv=kind == "images-conv")
        if kind == "1d":
            torch.manual_seed(0)
            G = models.MLPGenerator(1, (1,), hidden=(16,))
            D = models.MLPDiscriminator((1,), hidden=(16,))
            return Trainer(G, D, toys.mixture_1d(), GANConfig(latent_dim=1, batch_size=32))
        return ring_trainer(ema=0.9)

    plain, watched = make(), make()
    view = views.make_view(kind.split("-")[0], watched,
                           watched.real if isinstance(watched.real, toys.ToyDistribution) else None,
                           **({"metrics_every": 0} if kind.startswith("images") else {}))
    torch.manual_seed(1)  # dropout draws from the global generator
    plain.train(6)
    torch.manual_seed(1)
    for _ in range(3):
        watched.train(2)
        img = view.draw(view.capture(watched))
        assert img.size == (880, 460)
    for a, b in ((plain.G, watched.G), (plain.D, watched.D)):
        for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
            assert torch.equal(x, y), name


def test_auto_view_and_bad_arguments(ring_trainer):
    t = ring_trainer()
    assert isinstance(views.make_view("auto", t), views.View2D)
    with pytest.raises(ValueError, match="view"):
        views.make_view("3d", t)


def test_images_view_shows_the_classifier_metrics():
    trainer = tiny_image_trainer()
    view = views.ViewImages(trainer, metrics_every=60, n_metrics=50)
    frame = view.capture(trainer)
    assert {"fid", "inception_score", "class_coverage"} <= set(frame["scores"])
    view.draw(frame)
    assert "FID-like" in view.metrics_text[1].text
    assert view.capture(trainer)["scores"] is frame["scores"]  # not again before 60 s


def test_ema_view_draws_the_average(ring_trainer):
    trainer = ring_trainer(ema=0.9)
    trainer.train(5)
    view = views.View2D(trainer, toys.ring(), ema=True)
    frame = view.capture(trainer)
    assert torch.allclose(torch.tensor(frame["fake"]), trainer.generate(view.z, ema=True))
    assert not torch.allclose(torch.tensor(frame["fake"]), trainer.generate(view.z, ema=False))


def test_headless_picture_shows_the_one_modes_count(ring_trainer):
    """A headless run draws one picture, so the modes curve has one point: a dot shows it."""
    d = live.Dashboard(ring_trainer(), view="2d", headless=True)
    d.run(20)
    line = d.view.third.lines[0]
    assert len(d.view.modes_log) == 1 and len(line.get_xdata()) == 1
    assert line.get_marker() == "o" and line.get_markevery() == [-1]


@pytest.mark.parametrize("loss", losses.LOSSES.values(), ids=lambda loss: loss.name)
@pytest.mark.parametrize("kind", ["2d", "1d", "images"])
def test_every_view_draws_every_loss_of_the_table(kind, loss, ring_trainer):
    """A new loss in the table is drawn without touching the views: its readout, its label."""
    if kind == "images":
        trainer = tiny_image_trainer()
    elif kind == "1d":
        torch.manual_seed(0)
        trainer = Trainer(models.MLPGenerator(1, (1,), hidden=(16,)),
                          models.MLPDiscriminator((1,), hidden=(16,)), toys.mixture_1d(),
                          GANConfig(latent_dim=1, batch_size=32))
    else:
        trainer = ring_trainer()
    trainer.update(loss=loss.name)
    trainer.train(2)
    view = views.make_view(kind, trainer, trainer.real if kind != "images" else None,
                           **({"metrics_every": 0} if kind == "images" else {}))
    frame = view.capture(trainer)
    assert view.draw(frame).size == (880, 460)
    assert view.curves[1].ax.get_ylabel() == loss.score_label
    d_out = frame["heat"] if kind == "2d" else frame["d"] if kind == "1d" else frame["d_real"]
    in_01 = bool(((d_out >= 0) & (d_out <= 1)).all())
    assert in_01 or not loss.probability  # probabilities for the cross-entropy losses


def test_the_curves_span_the_run_the_dashboard_announces(ring_trainer):
    trainer = ring_trainer()
    trainer.train(10)
    view = views.View2D(trainer, toys.ring())
    frame = view.capture(trainer)
    view.draw(frame, views.RunInfo(horizon=400))
    assert view.curves[0].xticks[-1].text == "400"
    view.draw(frame)  # no run announced: a round number past the last step
    assert view.curves[0].xticks[-1].text == "100"


# --------------------------------------------------------------------------- 2-D overlays


def _arrow_lengths(view) -> np.ndarray:
    return np.hypot(np.asarray(view.quiver.U, dtype=float), np.asarray(view.quiver.V, dtype=float))


def test_arrows_have_a_visible_length_whatever_the_gradient_and_the_caption_its_size(
        ring_trainer):
    """A big gradient, then one a million times smaller (a saturated D, lr_D 0.1): both are
    drawn alike, about 8% of the box; only the caption says how big they are."""
    trainer = ring_trainer()
    trainer.train(3)
    view = views.View2D(trainer, toys.ring())
    frame = view.capture(trainer)
    width = view.bounds[1] - view.bounds[0]
    sizes = {}
    for scale in (1e3, 1e-6):
        view.draw(dict(frame, arrows=frame["arrows"] * scale))
        sizes[scale] = _arrow_lengths(view)
        assert np.percentile(sizes[scale], 95) == pytest.approx(overlays.ARROW_SPAN * width,
                                                                rel=0.02)
        assert sizes[scale].min() >= overlays.MIN_SHARE * overlays.ARROW_SPAN * width * 0.999
        top = np.percentile(np.linalg.norm(frame["arrows"] * scale, axis=1), 95)
        assert view.arrow_label.text.startswith(f"longest arrows: |∇ₓ loss_G| ≈ {top:.1e}")
    np.testing.assert_allclose(sizes[1e3], sizes[1e-6], rtol=1e-6)
    # Directions are kept.
    drawn = np.stack([view.quiver.U, view.quiver.V], axis=1)
    cos = (drawn * frame["arrows"]).sum(1) / (np.linalg.norm(drawn, axis=1)
                                              * np.linalg.norm(frame["arrows"], axis=1))
    assert cos.min() > 0.9999


def test_arrows_without_a_gradient_or_with_nan_draw_nothing():
    drawn, caption = overlays.arrow_vectors(np.zeros((5, 2)), 6.0)
    assert not drawn.any() and "no gradient" in caption
    a = np.array([[3.0, 4.0], [np.nan, 1.0]])
    drawn, caption = overlays.arrow_vectors(a, 10.0)
    assert np.allclose(drawn[0], [0.6 * 0.8, 0.8 * 0.8]) and not drawn[1].any()
    assert "longest arrows: |∇ₓ loss_G| ≈ 5.0e+00" in caption


def test_the_2d_view_shows_kl_and_js_of_the_grid_estimate(ring_trainer):
    trainer = ring_trainer()
    trainer.train(5)
    toy = toys.ring()
    view = views.View2D(trainer, toy)
    frame = view.capture(trainer)
    want = metrics.kl_js_grid(frame["fake"], toy.density, bounds=toy.bounds)
    assert frame["divergence"] == pytest.approx(want, rel=1e-9)  # the same estimate, cached grid
    view.draw(frame)
    assert (f"KL {want['kl']:.2f} · JS {want['js']:.3f} nats"
            in view.divergence_label.text)
    # The floor: as many real samples score far better than an untrained G, and a G that put
    # every sample on one mode scores worse than the floor.
    floor = view.divergence.floor
    assert floor["js"] < 0.05 < want["js"]
    one_mode = toy.modes[0].numpy() + 0.02 * np.random.default_rng(0).standard_normal((512, 2))
    assert view.divergence(one_mode)["kl"] > 1.0 > floor["kl"]
    assert view.divergence(np.full((4, 2), 50.0)) is None  # nothing inside the plane
    view.draw(dict(frame, divergence=None))
    assert "no fake inside" in view.divergence_label.text


def test_kl_js_costs_little(ring_trainer):
    """Once per picture: the density on the fine grid is computed once, a frame pays ~1 ms."""
    trainer = ring_trainer()
    view = views.View2D(trainer, toys.ring())
    fake = view.capture(trainer)["fake"]
    times = []
    for _ in range(20):
        start = time.perf_counter()
        view.divergence(fake)
        times.append(time.perf_counter() - start)
    ms = 1000 * float(np.median(times))
    print(f"\nKL/JS on the grid: {ms:.2f} ms a picture")
    assert ms < 10


def test_no_divergence_without_a_known_density(ring_trainer):
    trainer = ring_trainer(real=toys.spiral())
    view = views.View2D(trainer, toys.spiral())
    frame = view.capture(trainer)
    assert view.divergence is None and "divergence" not in frame
    view.draw(frame)


def test_layers_hide_and_show_on_the_next_picture(ring_trainer):
    trainer = ring_trainer()
    view = views.View2D(trainer, toys.ring(), layers={"real": False})
    frame = view.capture(trainer)
    full = np.asarray(view.draw(frame), dtype=float)
    assert not view.real.get_visible() and view.fake.get_visible()
    assert view.set_layers(heat=False, arrows=False, real=True) == {
        "real": True, "fake": True, "heat": False, "arrows": False, "manifold": False}
    bare = np.asarray(view.draw(frame), dtype=float)
    assert view.heat.rgb is None and not view.quiver.get_visible() and view.real.get_visible()
    assert view.arrow_label.text == ""
    # The plane without D's heat-map: mostly white, where the heat-map coloured it.
    box = view.ax.get_window_extent()
    h = full.shape[0]
    rows = slice(int(h - box.y1) + 5, int(h - box.y0) - 5)
    cols = slice(int(box.x0) + 5, int(box.x1) - 5)
    white = lambda img: (img[rows, cols] > 250).all(axis=2).mean()  # noqa: E731
    assert white(bare) > 0.8 > white(full)
    for bad in ({"arrow": False}, {"heat": "off"}, {"real": 1}):
        with pytest.raises(ValueError, match="layer"):
            view.set_layers(**bad)
        assert view.layers == {"real": True, "fake": True, "heat": False, "arrows": False,
                               "manifold": False}
    with pytest.raises(ValueError, match="layer"):
        views.View2D(trainer, toys.ring(), layers={"samples": False})
