"""Each loss against its closed form, and the facts the lessons teach about them."""

import math

import pytest
import torch

from gan_course import losses


# The closed forms below compute each loss another way (log of a sigmoid, explicit squares), so
# float32 rounds differently: tolerances of 1e-5 on values of order 1 allow for that and for
# another CPU's kernels, and nothing more. Identical operations are compared with torch.equal.
def _sig(x):
    return torch.sigmoid(x)


@pytest.fixture
def scores():
    g = torch.Generator().manual_seed(0)
    return torch.randn(16, generator=g) * 2, torch.randn(16, generator=g) * 2


def test_minimax_d_loss_matches_closed_form(scores):
    d_real, d_fake = scores
    expected = -(torch.log(_sig(d_real)).mean() + torch.log(1 - _sig(d_fake)).mean())
    assert torch.allclose(losses.d_loss_minimax(d_real, d_fake), expected, atol=1e-5)


def test_minimax_accepts_column_scores_and_soft_targets(scores):
    d_real, d_fake = scores
    t = torch.full((16,), 0.9)
    expected = -(0.9 * torch.log(_sig(d_real)) + 0.1 * torch.log(1 - _sig(d_real))).mean() - torch.log(
        1 - _sig(d_fake)).mean()
    got = losses.d_loss_minimax(d_real[:, None], d_fake[:, None], real_target=t)
    assert torch.allclose(got, expected, atol=1e-5)


def test_generator_losses_closed_form(scores):
    _, d_fake = scores
    assert torch.allclose(losses.g_loss_saturating(d_fake), torch.log(1 - _sig(d_fake)).mean(), atol=1e-5)
    assert torch.allclose(losses.g_loss_nonsaturating(d_fake), -torch.log(_sig(d_fake)).mean(), atol=1e-5)
    assert torch.allclose(losses.g_loss_least_squares(d_fake), 0.5 * ((d_fake - 1) ** 2).mean())
    assert torch.allclose(losses.g_loss_hinge(d_fake), -d_fake.mean())
    assert torch.allclose(losses.g_loss_wasserstein(d_fake), -d_fake.mean())


def test_d_losses_closed_form(scores):
    d_real, d_fake = scores
    assert torch.allclose(losses.d_loss_least_squares(d_real, d_fake),
                          0.5 * ((d_real - 1) ** 2).mean() + 0.5 * (d_fake ** 2).mean())
    assert torch.allclose(losses.d_loss_hinge(d_real, d_fake),
                          torch.clamp(1 - d_real, min=0).mean() + torch.clamp(1 + d_fake, min=0).mean())
    assert torch.allclose(losses.critic_loss_wasserstein(d_real, d_fake), d_fake.mean() - d_real.mean())


def test_losses_stay_finite_for_extreme_logits():
    big = torch.tensor([-200.0, 200.0])
    for fn in (losses.g_loss_saturating, losses.g_loss_nonsaturating):
        assert torch.isfinite(fn(big))
    assert torch.isfinite(losses.d_loss_minimax(big, big))


def test_optimal_value_is_minus_log4():
    # D = 1/2 everywhere (logit 0): V = log(1/2) + log(1/2) = -log 4, i.e. loss_D = log 4
    zeros = torch.zeros(8)
    assert math.isclose(losses.d_loss_minimax(zeros, zeros).item(), math.log(4), rel_tol=1e-6)


def test_saturating_gradient_vanishes_when_d_rejects_fakes():
    """D confidently rejects fakes (D(G(z)) ~ 1e-4): the saturating loss gives G almost nothing."""
    x_fake = torch.full((32, 1), 1.0, requires_grad=True)
    # a fixed "D": logit = -9 * x  -> D(G(z)) = sigmoid(-9) ~ 1.2e-4
    grads = {}
    for name, fn in (("sat", losses.g_loss_saturating), ("ns", losses.g_loss_nonsaturating)):
        (g,) = torch.autograd.grad(fn(-9.0 * x_fake), x_fake)
        grads[name] = g.norm().item()
    assert grads["ns"] / grads["sat"] > 1000


def test_gradient_penalty_zero_for_unit_gradient_critic():
    w = torch.tensor([0.6, 0.8])  # |w| = 1: a linear critic with unit gradient everywhere
    g = torch.Generator().manual_seed(0)
    x_real, x_fake = torch.randn(64, 2, generator=g), torch.randn(64, 2, generator=g)
    gp = losses.gradient_penalty(lambda x: x @ w, x_real, x_fake, generator=g)
    assert gp.item() == pytest.approx(0.0, abs=1e-10)
    gp3 = losses.gradient_penalty(lambda x: 3 * (x @ w), x_real, x_fake, generator=g)
    assert gp3.item() == pytest.approx(10 * (3 - 1) ** 2, rel=1e-5)  # lambda (|grad| - 1)^2


def test_gradient_penalty_needs_matching_shapes():
    with pytest.raises(ValueError, match="one shape"):
        losses.gradient_penalty(lambda x: x.sum(1), torch.zeros(4, 2), torch.zeros(3, 2))


def test_clip_weights():
    lin = torch.nn.Linear(3, 3)
    with torch.no_grad():
        lin.weight.mul_(100)
    losses.clip_weights(lin, 0.01)
    assert lin.weight.abs().max() <= 0.01
    with pytest.raises(ValueError, match="clip_value"):
        losses.clip_weights(lin, 0.0)


def test_loss_table_names():
    assert set(losses.LOSSES) == {"saturating", "non-saturating", "least-squares", "hinge",
                                  "wgan-clip", "wgan-gp"}
