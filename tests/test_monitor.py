"""The health monitor: the signatures of failure lesson 7 teaches, flagged from a step's numbers."""

import pytest
import torch

from gan_course import losses
from gan_course.monitor import HealthMonitor


def healthy(**changes):
    numbers = dict(loss_D=1.3, loss_G=0.8, d_real=0.55, d_fake=0.45, grad_norm_D=1.0,
                   grad_norm_G=1.0)
    return {**numbers, **changes}


def test_monitor_is_quiet_on_healthy_training():
    m = HealthMonitor()
    for _ in range(100):
        flags = m.update(healthy())
    assert flags == []


def test_monitor_flags_d_winning():
    m = HealthMonitor()
    for _ in range(60):
        flags = m.update(healthy(loss_D=0.01, d_real=0.99, d_fake=0.01))
    assert {f.kind for f in flags} == {"d_wins", "gap"}
    m.reset()
    for _ in range(60):  # Wasserstein critics have no floor at 0 and raw scores
        flags = m.update(healthy(loss_D=-3.0, d_real=2.0, d_fake=-1.0), loss="wgan-gp")
    assert flags == []


def test_monitor_waits_for_a_trend_not_one_step():
    m = HealthMonitor()
    for _ in range(50):
        m.update(healthy())
    assert m.update(healthy(loss_D=0.0, d_real=1.0, d_fake=0.0)) == []


def test_monitor_flags_exploding_gradients_for_a_while():
    m = HealthMonitor(window=10)
    m.update(healthy(grad_norm_G=500.0))
    assert [f.kind for f in m.flags()] == ["exploding"] and "500" in m.messages()[0]
    for _ in range(10):
        m.update(healthy())
    assert m.flags() == []


def test_monitor_flags_a_flat_d_and_not_an_equilibrium():
    m = HealthMonitor()
    for _ in range(60):  # equilibrium: D unsure, but its noise still moves G
        flags = m.update(healthy(d_real=0.5, d_fake=0.5, score_gap=0.0))
    assert flags == []
    for _ in range(100):  # D gives G nothing any more (the average forgets the past)
        flags = m.update(healthy(d_real=0.5, d_fake=0.5, score_gap=0.001, grad_norm_G=2e-3))
    assert [f.kind for f in flags] == ["flat"] and "2.0e-03" in flags[0].message


def test_monitor_names_a_dead_d_in_a_real_run(ring_trainer):
    """Zero every weight of D (and its optimizer's memory): D(x) = 1/2 everywhere, and no
    gradient reaches its hidden layers any more. The monitor says so; a trained D does not."""
    t = ring_trainer()
    m = HealthMonitor()
    for _ in range(200):
        flags = m.update(t.step(), loss=t.config.loss)
    assert "flat" not in {f.kind for f in flags}
    with torch.no_grad():
        for p in t.D.parameters():
            p.zero_()
    t.opt_D.state.clear()
    for _ in range(60):
        flags = m.update(t.step(), loss=t.config.loss)
    assert "flat" in {f.kind for f in flags}


def test_monitor_divergence_until_recovered():
    m = HealthMonitor()
    flags = m.diverged("step 3: loss_D is nan")
    assert flags[0].kind == "diverged" and flags[0].level == "error"
    m.recovered()
    assert m.flags() == []
    with pytest.raises(ValueError, match="expected loss"):
        m.update(healthy(), loss="bce")


@pytest.mark.parametrize("loss", losses.LOSSES.values(), ids=lambda loss: loss.name)
def test_d_winning_is_flagged_for_the_losses_the_table_says(loss):
    """What the loss table says of each loss decides the flags: D's loss at 0 ("d_wins") for a
    loss with a floor at 0, D(x) - D(G(z)) near 1 ("gap") for a probability readout."""
    m = HealthMonitor()
    for _ in range(60):
        flags = m.update(dict(loss_D=0.01, d_real=0.99, d_fake=0.01, grad_norm_D=1.0,
                              grad_norm_G=1.0), loss=loss.name)
    expected = {"d_wins"} if loss.d_wins_at_zero else set()
    expected |= {"gap"} if loss.probability else set()
    assert {f.kind for f in flags} == expected
