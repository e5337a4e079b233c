"""The dashboard's pictures: a view leaves training untouched, reads D's output as the loss
table says, and spans its curves to the run's end when the dashboard tells it."""

import pytest
import torch

from gan_course import live, losses, models, toys
from gan_course.data import TensorSampler
from gan_course.live import views
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
