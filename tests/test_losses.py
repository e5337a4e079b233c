"""Each loss against its closed form, and the facts the lessons teach about them."""

import math

import pytest
import torch

from gan_course import losses
from gan_course.training import GANConfig


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


# --------------------------------------------------------------------------- the loss table

# Each loss of the table in closed form: (D's loss, G's loss) from scores (B,), written another way
# than losses.py does. A new loss in `losses.LOSSES` needs its entry here (the test below says so).
CLOSED_FORMS = {
    "saturating": (lambda r, f: -(torch.log(_sig(r)).mean() + torch.log(1 - _sig(f)).mean()),
                   lambda f: torch.log(1 - _sig(f)).mean()),
    "non-saturating": (lambda r, f: -(torch.log(_sig(r)).mean() + torch.log(1 - _sig(f)).mean()),
                       lambda f: -torch.log(_sig(f)).mean()),
    "least-squares": (lambda r, f: 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f ** 2).mean(),
                      lambda f: 0.5 * ((f - 1) ** 2).mean()),
    "hinge": (lambda r, f: torch.clamp(1 - r, min=0).mean() + torch.clamp(1 + f, min=0).mean(),
              lambda f: -f.mean()),
    "wgan-clip": (lambda r, f: f.mean() - r.mean(), lambda f: -f.mean()),
    "wgan-gp": (lambda r, f: f.mean() - r.mean(), lambda f: -f.mean()),
}


def test_loss_table_names():
    # Both ways: a loss dropped from the table, or one added without its closed form, fails here.
    assert set(losses.LOSSES) == set(CLOSED_FORMS), "each loss in the table needs a closed form"


@pytest.mark.parametrize("loss", losses.LOSSES.values(), ids=lambda loss: loss.name)
def test_each_loss_matches_its_closed_form(loss, scores):
    d_real, d_fake = scores
    d_form, g_form = CLOSED_FORMS[loss.name]
    assert torch.allclose(loss.d_loss(d_real, d_fake), d_form(d_real, d_fake), atol=1e-5)
    assert torch.allclose(loss.g_loss(d_fake), g_form(d_fake), atol=1e-5)


@pytest.mark.parametrize("loss", losses.LOSSES.values(), ids=lambda loss: loss.name)
def test_each_table_entry_is_consistent(loss):
    assert losses.get(loss.name) is loss and loss.label
    assert loss.scale in losses.SCALES and loss.regulariser in losses.REGULARISERS
    scores = torch.tensor([-2.0, 0.0, 3.0])
    expected = torch.sigmoid(scores) if loss.scale == "probability" else scores
    assert torch.equal(loss.readout(scores), expected)
    if loss.soft_targets:  # the label tricks reach D's loss: other targets, another value
        t = torch.full((3,), 0.5)
        assert not torch.equal(loss.d_loss(scores, scores, real_target=t, fake_target=t),
                               loss.d_loss(scores, scores))
    GANConfig(loss=loss.name, **loss.optimizer)  # its optimizer settings are a valid config


def test_get_names_the_losses():
    with pytest.raises(ValueError, match="expected loss in"):
        losses.get("bce")


def test_d_targets_tricks():
    g = torch.Generator().manual_seed(0)
    real, fake = losses.d_targets(4, label_smoothing=0.1, generator=g)
    assert torch.equal(real, torch.full((4,), 0.9)) and torch.equal(fake, torch.zeros(4))
    real, fake = losses.d_targets(1000, label_flip=0.5, generator=g)
    assert torch.equal(real + fake, torch.ones(1000)) and 0.4 < fake.mean() < 0.6
    real, fake = losses.d_targets(1000, noisy_labels=True, generator=g)
    assert 0.7 <= real.min() and real.max() <= 1.2 and 0 <= fake.min() and fake.max() <= 0.3
