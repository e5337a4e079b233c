"""Lesson 05's checks accept the reference answers and reject typical wrong ones, saying why."""

from __future__ import annotations

import torch
from checkhelp import rejects
from torch import nn

from gan_course.checks import lesson05 as checks
from gan_course.solutions import lesson05 as ref


def test_unfinished_answers_are_reported_not_raised():
    def todo(*args):
        raise NotImplementedError

    for check in (checks.check_dcgan_init, checks.check_discriminator,
                  checks.check_receptive_field, checks.check_generator_without_batchnorm):
        rejects(check, todo, "not written yet")


# ---- exercise 1: init ----------------------------------------------------------------------


def _init(w_std=0.02, bn_mean=1.0, bn_std=0.02, bias=0.0, check_none=True, bn=True):
    def fn(m):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, w_std)
            if m.bias is not None or not check_none:
                nn.init.constant_(m.bias, bias)
        elif bn and isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, bn_mean, bn_std)
            nn.init.zeros_(m.bias)
    return fn


def test_init_wrong_std_and_variance():
    rejects(checks.check_dcgan_init, _init(w_std=0.2), "standard deviation", "0.02")
    rejects(checks.check_dcgan_init, _init(w_std=0.02 ** 0.5), "not the variance")


def test_init_bn_mistakes():
    rejects(checks.check_dcgan_init, _init(bn_mean=0.0), "BatchNorm", "near 1")
    rejects(checks.check_dcgan_init, _init(bn=False), "BatchNorm", "not drawn at random")
    rejects(checks.check_dcgan_init, _init(bn_std=0.0), "not drawn at random")


def test_init_bias_mistakes():
    rejects(checks.check_dcgan_init, _init(check_none=False), "bias=False", "m.bias is None")
    rejects(checks.check_dcgan_init, _init(bias=0.1), "bias that is not 0")


def test_init_uniform_is_rejected():
    def uniform(m):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.BatchNorm2d)):
            nn.init.uniform_(m.weight, -0.02, 0.02)
    rejects(checks.check_dcgan_init, uniform, "standard deviation")


# ---- exercise 2: discriminator ---------------------------------------------------------------


def _d(*layers):
    return lambda c: nn.Sequential(*layers)


def test_discriminator_pooling_and_dense():
    rejects(checks.check_discriminator, lambda c: nn.Sequential(
        nn.Conv2d(1, c, 3, padding=1), nn.LeakyReLU(0.2), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(c * 196, 1)), "pooling")
    rejects(checks.check_discriminator, lambda c: nn.Sequential(
        nn.Conv2d(1, c, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(c * 196, 64),
        nn.LeakyReLU(0.2), nn.Linear(64, 1), nn.Flatten(0)), "fully connected")


def test_discriminator_activations_and_sigmoid():
    def with_act(act, last=()):
        return lambda c: nn.Sequential(
            nn.Conv2d(1, c, 4, 2, 1), act(), nn.Conv2d(c, 2 * c, 4, 2, 1), nn.BatchNorm2d(2 * c),
            act(), nn.Conv2d(2 * c, 1, 7), nn.Flatten(0), *last)
    rejects(checks.check_discriminator, with_act(nn.ReLU), "LeakyReLU(0.2)")
    rejects(checks.check_discriminator, with_act(nn.LeakyReLU), "0.2")  # default slope 0.01
    rejects(checks.check_discriminator,
            with_act(lambda: nn.LeakyReLU(0.2), last=(nn.Sigmoid(),)), "logits")


def test_discriminator_bn_on_first_layer_and_shape():
    rejects(checks.check_discriminator, lambda c: nn.Sequential(
        nn.Conv2d(1, c, 4, 2, 1), nn.BatchNorm2d(c), nn.LeakyReLU(0.2), nn.Conv2d(c, 2 * c, 4, 2, 1),
        nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2), nn.Conv2d(2 * c, 1, 7), nn.Flatten(0)),
        "first convolution")
    rejects(checks.check_discriminator, lambda c: nn.Sequential(
        nn.Conv2d(1, c, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(c, 2 * c, 4, 2, 1),
        nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2), nn.Conv2d(2 * c, 1, 7)), "(5,)", "flatten")
    rejects(checks.check_discriminator, lambda c: nn.Sequential(
        nn.Conv2d(1, c, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(c, 2 * c, 4, 1, 1),
        nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2), nn.Conv2d(2 * c, 1, 7), nn.Flatten(0)),
        "stride-2")
    rejects(checks.check_discriminator, lambda c: nn.Sequential(
        nn.Conv2d(1, c, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(c, 2 * c, 4, 2, 1),
        nn.LeakyReLU(0.2), nn.Conv2d(2 * c, 1, 7), nn.Flatten(0)), "BatchNorm2d")


def test_discriminator_not_a_module():
    rejects(checks.check_discriminator, lambda c: None, "nn.Module")


# ---- exercise 3: receptive field ------------------------------------------------------------


def test_receptive_field_mistakes():
    rejects(checks.check_receptive_field, lambda layers: sum(k for k, _ in layers) - len(layers) + 1,
            "ignores the strides")
    rejects(checks.check_receptive_field, lambda layers: 0 if not layers else ref.receptive_field(layers),
            "no layer", "one input pixel")

    def current_stride(layers):  # multiplies by this layer's stride instead of the jump so far
        field = 1
        for k, s in layers:
            field += (k - 1) * s
        return field
    rejects(checks.check_receptive_field, current_stride, "expected")
    rejects(checks.check_receptive_field, lambda layers: None, "return")


# ---- exercise 4: ablation -------------------------------------------------------------------


def _g(bn=False, bias=True, tanh=True, act=nn.ReLU):
    def fn(latent_dim=100, c=16):
        layers = [nn.Unflatten(1, (latent_dim, 1, 1))]
        for c_in, c_out, k, s, p in [(latent_dim, 4 * c, 7, 1, 0), (4 * c, 2 * c, 4, 2, 1),
                                     (2 * c, c, 4, 2, 1)]:
            layers.append(nn.ConvTranspose2d(c_in, c_out, k, s, p, bias=bias))
            if bn:
                layers.append(nn.BatchNorm2d(c_out))
            layers.append(act())
        layers.append(nn.Conv2d(c, 1, 3, padding=1))
        if tanh:
            layers.append(nn.Tanh())
        return nn.Sequential(*layers)
    return fn


def test_ablation_reference_twin_passes():
    assert checks.check_generator_without_batchnorm(_g(), quiet=True).ok


def test_ablation_mistakes():
    rejects(checks.check_generator_without_batchnorm, _g(bn=True), "normalisation", "BatchNorm2d")
    rejects(checks.check_generator_without_batchnorm, _g(bias=False), "bias")
    rejects(checks.check_generator_without_batchnorm, _g(tanh=False), "Tanh")
    rejects(checks.check_generator_without_batchnorm, _g(act=nn.LeakyReLU), "ReLU")
    rejects(checks.check_generator_without_batchnorm, lambda latent_dim=100, c=16: _g()(latent_dim, 2 * c),
            "remove only the BatchNorm")


def test_ablation_forgets_reshape():
    def no_unflatten(latent_dim=100, c=16):
        return nn.Sequential(*list(_g()(latent_dim, c))[1:])
    rejects(checks.check_generator_without_batchnorm, no_unflatten, "(B, 100)")


# ---- the outcome check on images ------------------------------------------------------------


def test_check_digits_passes_real_digits_and_names_what_falls_short():
    from gan_course import data, presets

    images, labels = data.load_mnist(source="bundled")
    assert checks.check_digits(images[:2000], quiet=True).ok  # real digits pass
    rejects(checks.check_digits, images[labels == 3][:500], "classes", "mode collapse")
    noise = torch.rand(500, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    rejects(checks.check_digits, noise, "FID-like at most")
    rejects(checks.check_digits, torch.zeros(8, 1, 32, 32), "(N, 1, 28, 28)")
    rejects(checks.check_digits, torch.full((8, 1, 28, 28), float("nan")), "NaN")
    rejects(checks.check_digits, presets.mnist_trainer("dcgan", seed=0, set_threads=False),
            "trained only 0 steps")
    rejects(checks.check_digits, "digits", "expected a dashboard")
