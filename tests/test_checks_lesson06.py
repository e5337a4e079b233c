"""Lesson 06's checks accept the reference answers and reject typical wrong ones, saying why."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from checkhelp import rejects

from gan_course import losses
from gan_course.checks import lesson06 as checks
from gan_course.solutions import lesson06 as ref


def test_reference_penalty_matches_the_package():
    # Same eps as the package draws from a generator with the same seed.
    torch.manual_seed(0)
    critic = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(2, 8), torch.nn.Tanh(),
                                 torch.nn.Linear(8, 1), torch.nn.Flatten(0))
    x_real, x_fake = torch.randn(10, 2), torch.randn(10, 2)
    eps = torch.rand(10, 1, generator=torch.Generator().manual_seed(3))
    package = losses.gradient_penalty(critic, x_real, x_fake, gp_lambda=1.0,
                                      generator=torch.Generator().manual_seed(3))
    assert torch.allclose(ref.gradient_penalty(critic, x_real, x_fake, eps), package)


# ---- gradient penalty ----------------------------------------------------------------------


def _gp(*, create_graph=True, norm="flat", square=True, minus_one=True, reduce="sum",
        lam=1.0, swap=False, requires_grad=True):
    """The reference penalty with one mistake switched on."""
    def fn(critic, x_real, x_fake, eps):
        a, b = (x_fake, x_real) if swap else (x_real, x_fake)
        x_hat = eps * a + (1 - eps) * b
        if requires_grad:
            x_hat = x_hat.requires_grad_(True)
        scores = critic(x_hat)
        out = scores.sum() if reduce == "sum" else scores.mean()
        (grad,) = torch.autograd.grad(out, x_hat, create_graph=create_graph)
        if norm == "flat":
            g = grad.flatten(1).norm(2, dim=1)
        elif norm == "dim1":
            g = grad.norm(2, dim=1)
        elif norm == "dim0":
            g = grad.flatten(1).norm(2, dim=0)
        else:
            g = grad.norm()
        d = g - 1 if minus_one else g
        return lam * (d**2 if square else d.abs()).mean()
    return fn


def test_gp_reference_variant_passes():
    assert checks.check_gradient_penalty(_gp(), quiet=True).ok


def test_gp_forgot_create_graph():
    rejects(checks.check_gradient_penalty, _gp(create_graph=False), "create_graph=True",
            "grad_fn")


def test_gp_detached_result():
    def fn(critic, x_real, x_fake, eps):
        return ref.gradient_penalty(critic, x_real, x_fake, eps).detach()
    rejects(checks.check_gradient_penalty, fn, "create_graph")


def test_gp_norm_over_wrong_dim():
    rejects(checks.check_gradient_penalty, _gp(norm="dim0"), "dim")
    rejects(checks.check_gradient_penalty, _gp(norm="all"), "one norm per sample")
    # Right for 2-D points, wrong for images: caught on the image case.
    rejects(checks.check_gradient_penalty, _gp(norm="dim1"), "images", "flatten")


def test_gp_missing_square_minus_one_lambda():
    rejects(checks.check_gradient_penalty, _gp(square=False), "square")
    rejects(checks.check_gradient_penalty, _gp(minus_one=False), "- 1")
    rejects(checks.check_gradient_penalty, _gp(lam=10.0), "lambda")


def test_gp_mean_instead_of_sum_and_swapped_mix():
    rejects(checks.check_gradient_penalty, _gp(reduce="mean"), "scores.sum()")
    rejects(checks.check_gradient_penalty, _gp(swap=True), "eps * x_real")


def test_gp_forgot_requires_grad_and_unfinished():
    rejects(checks.check_gradient_penalty, _gp(requires_grad=False), "requires_grad_(True)")

    def todo(critic, x_real, x_fake, eps):
        raise NotImplementedError
    rejects(checks.check_gradient_penalty, todo, "not written yet")
    rejects(checks.check_gradient_penalty, lambda *args: None, "return")


def test_gp_per_sample_not_averaged():
    def fn(critic, x_real, x_fake, eps):
        x_hat = (eps * x_real + (1 - eps) * x_fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        return (grad.flatten(1).norm(dim=1) - 1) ** 2
    rejects(checks.check_gradient_penalty, fn, "shape", ".mean()")


# ---- critic and generator losses ------------------------------------------------------------


def test_critic_loss_wrong_sign():
    rejects(checks.check_critic_loss, lambda c_real, c_fake: c_real.mean() - c_fake.mean(),
            "sign")


def test_critic_loss_bce_sum_shape_item():
    rejects(checks.check_critic_loss,
            lambda c_real, c_fake: F.softplus(-c_real).mean() + F.softplus(c_fake).mean(),
            "cross-entropy")
    rejects(checks.check_critic_loss, lambda c_real, c_fake: c_fake.sum() - c_real.sum(), "sum")
    rejects(checks.check_critic_loss, lambda c_real, c_fake: c_fake - c_real.mean(), "shape")
    rejects(checks.check_critic_loss,
            lambda c_real, c_fake: (c_fake.mean() - c_real.mean()).item(), ".item()")


def test_critic_loss_pairwise_difference():
    # Fine for equal batch sizes, breaks when the real and fake batches differ in size.
    rejects(checks.check_critic_loss, lambda c_real, c_fake: (c_fake - c_real).mean(),
            "separately")


def test_generator_loss_wrong_sign_and_bce():
    assert checks.check_generator_loss(lambda c_fake: -c_fake.mean(), quiet=True).ok
    rejects(checks.check_generator_loss, lambda c_fake: c_fake.mean(), "sign")
    rejects(checks.check_generator_loss, lambda c_fake: F.softplus(-c_fake).mean(),
            "non-saturating")
    rejects(checks.check_generator_loss, lambda c_fake: -c_fake.sum(), "sum")


# ---- 1-D earth mover's distance --------------------------------------------------------------


def test_emd_accepts_numpy_style_float():
    assert checks.check_emd_1d(lambda x, y: float(ref.emd_1d(x, y)), quiet=True).ok


def test_emd_not_sorted_and_means():
    rejects(checks.check_emd_1d, lambda x, y: (x - y).abs().mean(), "not sorted")
    rejects(checks.check_emd_1d, lambda x, y: (x.mean() - y.mean()).abs(), "mean(x) - mean(y)")
    rejects(checks.check_emd_1d, lambda x, y: (x.sort().values - y).abs().mean(), "sort both")


def test_emd_squared_sum_descending():
    rejects(checks.check_emd_1d, lambda x, y: ((x.sort().values - y.sort().values) ** 2).mean(),
            "squared")
    rejects(checks.check_emd_1d, lambda x, y: (x.sort().values - y.sort().values).abs().sum(),
            "sum")
    rejects(checks.check_emd_1d,
            lambda x, y: (x.sort().values - y.sort(descending=True).values).abs().mean(),
            "descending")


def test_emd_sort_along_last_dim_of_column():
    # Right for (N,), sorts nothing for (N, 1).
    rejects(checks.check_emd_1d,
            lambda x, y: (x.sort(dim=-1).values - y.sort(dim=-1).values).abs().mean(),
            "(N, 1)", "flatten")


def test_emd_unfinished():
    rejects(checks.check_emd_1d, lambda x, y: None, "None")
