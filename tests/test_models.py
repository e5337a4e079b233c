"""Shapes, parameter counts and the architecture facts the lessons quote."""

import pytest
import torch

from gan_course import models


def test_slides_generator_matches_the_seed_parameter_count():
    G = models.SlidesGenerator()
    assert models.count_parameters(G) == 2_368_705
    running = sum(b.numel() for n, b in G.named_buffers() if "running" in n)
    assert running == 25_536  # the article's 2,394,241 counts these too
    assert models.count_parameters(G) + running == 2_394_241


def test_slides_pair_shapes():
    G, D = models.SlidesGenerator(), models.SlidesDiscriminator()
    x = G(torch.randn(3, 100))
    assert x.shape == (3, 1, 28, 28) and x.abs().max() <= 1
    shapes = []
    h = torch.zeros(2, 1, 28, 28)
    for layer in D.convs:
        h = layer(h)
        if isinstance(layer, torch.nn.Conv2d):
            shapes.append(tuple(h.shape[1:]))
    assert shapes == [(64, 14, 14), (128, 7, 7), (256, 4, 4), (512, 4, 4)]
    assert D(x).shape == (3,)


@pytest.mark.parametrize("make_G, make_D", [
    (lambda: models.mnist_mlp_generator(), lambda: models.mnist_mlp_discriminator()),
    (lambda: models.DCGANGenerator(base_channels=16), lambda: models.DCGANDiscriminator(base_channels=16)),
    (lambda: models.DCGANGenerator(base_channels=16), lambda: models.ConvCritic(base_channels=16)),
])
def test_image_pairs(make_G, make_D):
    G, D = make_G(), make_D()
    x = G(torch.randn(4, 100))
    assert x.shape == (4, 1, 28, 28)
    assert x.min() >= -1 and x.max() <= 1
    assert D(x).shape == (4,)


def test_keras_mlp_pair_widths():
    G = models.mnist_mlp_generator()
    widths = [m.out_features for m in G.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [256, 512, 1024, 784]
    D = models.mnist_mlp_discriminator()
    assert [m.out_features for m in D.modules() if isinstance(m, torch.nn.Linear)] == [512, 256, 1]


def test_toy_pair_and_spectral_norm():
    G = models.MLPGenerator(4, (2,), hidden=(32, 32))
    D = models.MLPDiscriminator((2,), hidden=(32,), spectral_norm=True)
    assert G(torch.randn(5, 4)).shape == (5, 2)
    assert D(torch.randn(5, 2)).shape == (5,)


def test_dcgan_init():
    D = models.DCGANDiscriminator(base_channels=32)
    w = D.net[2].weight
    assert abs(w.std().item() - 0.02) < 0.003


def test_critic_has_no_batchnorm():
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in models.ConvCritic().modules())


def test_conditional_pair():
    G, D = models.ConditionalMLPGenerator(), models.ConditionalMLPDiscriminator()
    y = torch.tensor([0, 3, 9])
    x = G(torch.randn(3, 100), y)
    assert x.shape == (3, 1, 28, 28) and D(x, y).shape == (3,)


def test_bad_arguments():
    with pytest.raises(ValueError, match="latent_dim"):
        models.MLPGenerator(0)
    with pytest.raises(ValueError, match="activation"):
        models.MLPGenerator(2, activation="gelu")
    with pytest.raises(ValueError, match="base_channels"):
        models.DCGANGenerator(base_channels=-1)
