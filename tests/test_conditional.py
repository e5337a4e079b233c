"""Lesson 8's conditional GANs: the models' shapes and label use, the trainer handing labels to a
conditional G and D (and only then), and the dashboard's digit picker."""

from __future__ import annotations

import pytest
import torch

from gan_course import data, live, models, plots, presets
from gan_course.training import GANConfig, Trainer

Y = torch.tensor([0, 3, 9, 3])


def small_images(n: int = 200) -> data.TensorSampler:
    x, y = data.load_mnist(source="bundled", limit=n)
    return data.TensorSampler(x, y)


def conditional_trainer(D_class=models.ConditionalDCGANDiscriminator, **config) -> Trainer:
    torch.manual_seed(0)
    G = models.ConditionalDCGANGenerator(8, 10, base_channels=4)
    D = D_class(10, base_channels=4)
    cfg = GANConfig(latent_dim=8, batch_size=16, **config)
    return Trainer(G, D, small_images(), cfg)


def test_one_hot_rows():
    h = models.one_hot(Y, 10)
    assert h.shape == (4, 10) and h.dtype == torch.float32
    assert torch.equal(h.argmax(1), Y) and torch.equal(h.sum(1), torch.ones(4))
    with pytest.raises(ValueError, match="integer labels"):
        models.one_hot(Y.float(), 10)


@pytest.mark.parametrize("D_class", [models.ConditionalDCGANDiscriminator,
                                     models.ProjectionDiscriminator])
def test_conditional_pair_shapes_and_the_label_matters(D_class):
    torch.manual_seed(0)
    G, D = models.ConditionalDCGANGenerator(100, 10).eval(), D_class(10).eval()
    z = torch.randn(4, 100)
    x = G(z, Y)
    assert x.shape == (4, 1, 28, 28) and x.abs().max() <= 1
    assert D(x, Y).shape == (4,)
    assert not torch.allclose(G(z, Y), G(z, (Y + 1) % 10))  # y changes the image
    assert not torch.allclose(D(x, Y), D(x, (Y + 1) % 10))  # and D's verdict


def test_generator_keeps_the_dcgan_layers():
    cond, plain = models.ConditionalDCGANGenerator(100, 10), models.DCGANGenerator(110)
    assert [k for k in cond.state_dict()] == [k for k in plain.state_dict()]


@pytest.mark.parametrize("loss", ["non-saturating", "hinge", "wgan-gp"])
@pytest.mark.parametrize("D_class", [models.ConditionalDCGANDiscriminator,
                                     models.ProjectionDiscriminator])
def test_trainer_passes_labels(loss, D_class):
    has_bn = any(isinstance(m, torch.nn.BatchNorm2d) for m in D_class().modules())
    if loss == "wgan-gp" and has_bn:  # the penalty needs per-sample critics: refused up front
        with pytest.raises(ValueError, match="batch normalisation"):
            conditional_trainer(D_class, loss=loss)
        return
    t = conditional_trainer(D_class, loss=loss)
    seen = []
    forward = t.D.forward
    t.D.forward = lambda x, y: seen.append(y.clone()) or forward(x, y)
    out = t.train(2)[-1]
    assert all(v == v for k, v in out.items() if k in ("loss_D", "loss_G"))  # not NaN
    assert seen and all(y.shape == (16,) and y.dtype == torch.int64 for y in seen)


def test_real_labels_go_with_their_images():
    t = conditional_trainer()
    x, y = t._real_batch(32)
    sampler = t.real
    for xi, yi in zip(x, y, strict=True):
        rows = (sampler.x == xi).flatten(1).all(1).nonzero().flatten()
        assert yi in sampler.labels[rows]


def test_generate_labels():
    t = conditional_trainer()
    z = t.sample_z(12)
    default = t.generate(z)
    assert torch.equal(default, t.generate(z, y=torch.arange(12) % 10))
    sevens = t.generate(z, y=7)
    assert torch.equal(sevens, t.generate(z, y=torch.full((12,), 7)))
    assert not torch.equal(default, sevens)


def test_same_seed_same_run_and_checkpoint_continues(tmp_path):
    a, b = conditional_trainer(), conditional_trainer()
    a.train(2)
    assert a.train(1)[-1]["loss_D"] == b.train(3)[-1]["loss_D"]
    a.save(str(tmp_path / "c.pt"))
    c = conditional_trainer()
    c.load(str(tmp_path / "c.pt"))
    assert a.train(2)[-1]["loss_G"] == c.train(2)[-1]["loss_G"]


def test_unconditional_trainer_unchanged_by_labels():
    # A sampler with labels does not make an unconditional GAN conditional.
    t = presets.mnist_trainer("dcgan", seed=0, set_threads=False)
    assert t.n_classes is None and t.generate(n=3).shape == (3, 1, 28, 28)


def test_early_errors():
    G = models.ConditionalDCGANGenerator(8, 10, base_channels=4)
    x, _ = data.load_mnist(source="bundled", limit=50)
    with pytest.raises(ValueError, match="same n_classes"):
        Trainer(G, models.DCGANDiscriminator(base_channels=4), small_images(),
                GANConfig(latent_dim=8))
    with pytest.raises(ValueError, match="labels"):
        Trainer(G, models.ConditionalDCGANDiscriminator(10, base_channels=4),
                data.TensorSampler(x), GANConfig(latent_dim=8))


class PairSampler:
    """A sampler whose `sample` itself returns (x, y), as the lesson's own samplers may."""

    def __init__(self):
        self.x, self.y = data.load_mnist(source="bundled", limit=100)

    def sample(self, n, *, generator=None):
        idx = torch.randint(len(self.x), (n,), generator=generator)
        return self.x[idx], self.y[idx]


def test_sampler_returning_pairs():
    torch.manual_seed(0)
    t = Trainer(models.ConditionalDCGANGenerator(8, 10, base_channels=4),
                models.ProjectionDiscriminator(10, base_channels=4), PairSampler(),
                GANConfig(latent_dim=8, batch_size=8))
    assert t.step()["step"] == 1


def test_digit_picker_sets_the_view_and_headless_run_trains():
    t = conditional_trainer()
    dash = live.Dashboard(t, headless=True, metrics_every=0)
    picker = live.digit_picker(dash)
    picker.value = 7
    assert dash.view.digit == 7
    frame = dash.view.capture(t)
    assert frame["digit"] == 7
    sevens = plots.image_grid(t.generate(t.fixed_z, y=7, ema=False), pad_value=255)
    assert (frame["grid"] == sevens).all()
    dash.run(3)
    assert t.step_count == 3 and dash.png
    picker.value = "all"
    assert dash.view.digit is None


def test_digit_picker_needs_a_conditional_gan():
    t = presets.mnist_trainer("dcgan", seed=0, set_threads=False)
    with pytest.raises(ValueError, match="conditional"):
        live.digit_picker(live.Dashboard(t, headless=True, metrics_every=0))
