"""The trainer: live changes, determinism, divergence, checkpoints, and the facts lessons rely on."""

import math

import pytest
import torch

from gan_course import data, losses, models
from gan_course.training import GANConfig, Trainer, TrainingDiverged


def small_trainer(**cfg):
    def build():
        return models.MLPGenerator(4, (2,), hidden=(32, 32)), models.MLPDiscriminator((2,), hidden=(32, 32))

    torch.manual_seed(0)
    G, D = build()
    cfg = {"latent_dim": 4, "batch_size": 32, "lr_G": 1e-3, "lr_D": 1e-3, **cfg}
    return Trainer(G, D, data.ring(), GANConfig(**cfg), build=build)


def test_step_returns_plain_numbers():
    out = small_trainer().step()
    for key in ("loss_D", "loss_G", "d_real", "d_fake", "d_fake_after", "grad_norm_D",
                "grad_norm_G", "seconds", "lr_D", "lr_G", "step"):
        assert isinstance(out[key], (int, float)), key
    assert 0 < out["d_real"] < 1 and 0 < out["d_fake"] < 1


@pytest.mark.parametrize("loss", list(losses.LOSSES))
def test_every_loss_trains(loss):
    tr = small_trainer(loss=loss)
    for _ in range(3):
        out = tr.step()
    assert all(math.isfinite(out[k]) for k in ("loss_D", "loss_G"))


def test_same_seed_same_numbers():
    a = [h["loss_D"] for h in small_trainer(noisy_labels=True, instance_noise=0.1).train(20)]
    b = [h["loss_D"] for h in small_trainer(noisy_labels=True, instance_noise=0.1).train(20)]
    assert a == b


def test_lr_change_reaches_the_optimizer_and_nothing_else():
    tr = small_trainer()
    tr.step()
    state_before = {k: v.clone() for k, v in tr.opt_D.state_dict()["state"][0].items()}
    config_before = tr.config
    tr.update(lr_D=5e-2)
    assert [g["lr"] for g in tr.opt_D.param_groups] == [5e-2]
    assert [g["lr"] for g in tr.opt_G.param_groups] == [1e-3]
    # optimizer state kept (no rebuild), other settings untouched
    after = tr.opt_D.state_dict()["state"][0]
    assert all(torch.equal(after[k], v) for k, v in state_before.items())
    changed = {k for k, v in vars(tr.config).items() if getattr(config_before, k) != v}
    assert changed == {"lr_D"}
    assert tr.step()["lr_D"] == 5e-2


def test_lr_change_acts_on_the_next_step_exactly():
    """Two trainers, identical until one changes lr_D: the D update differs from that step on."""
    a, b = small_trainer(), small_trainer()
    a.train(3)
    b.train(3)
    b.update(lr_D=1e-2)
    wa, wb = [p.detach().clone() for p in a.D.parameters()], [p.detach().clone() for p in b.D.parameters()]
    assert all(torch.equal(x, y) for x, y in zip(wa, wb, strict=True))
    a.step_d()
    b.step_d()
    da = sum((p - w).norm() for p, w in zip(a.D.parameters(), wa, strict=True))
    db = sum((p - w).norm() for p, w in zip(b.D.parameters(), wb, strict=True))
    assert (db / da).item() == pytest.approx(10, rel=0.05)  # Adam: step size proportional to lr


@pytest.mark.parametrize("bad", [{"lr_D": -1e-3}, {"lr_G": float("nan")}, {"n_critic": 0},
                                 {"loss": "wasserstein"}, {"batch_size": 0}, {"beta1": 1.5},
                                 {"nonsense": 1}])
def test_bad_hyperparameters_are_refused_and_change_nothing(bad):
    tr = small_trainer()
    before = tr.config
    with pytest.raises(ValueError) as err:
        tr.update(**bad)
    assert next(iter(bad)) in str(err.value)
    assert tr.config == before
    assert [g["lr"] for g in tr.opt_D.param_groups] == [before.lr_D]


def test_unknown_loss_error_names_choices():
    with pytest.raises(ValueError, match="non-saturating"):
        GANConfig(loss="nope")


def test_n_critic_runs_k_discriminator_updates():
    tr = small_trainer(n_critic=3)
    calls = []
    original = tr.step_d
    tr.step_d = lambda: calls.append(1) or original()
    tr.step()
    assert len(calls) == 3


def test_d_is_frozen_during_the_generator_step():
    tr = small_trainer()
    d_before = [p.detach().clone() for p in tr.D.parameters()]
    g_before = [p.detach().clone() for p in tr.G.parameters()]
    tr.step_g()
    assert all(torch.equal(p, q) for p, q in zip(tr.D.parameters(), d_before, strict=True))
    assert not all(torch.equal(p, q) for p, q in zip(tr.G.parameters(), g_before, strict=True))
    assert all(p.requires_grad for p in tr.D.parameters())


def test_pretraining_updates_d_only():
    tr = small_trainer(d_pretrain_steps=2)
    g_before = [p.detach().clone() for p in tr.G.parameters()]
    outs = tr.train(2)
    assert all(math.isnan(o["loss_G"]) for o in outs)
    assert all(torch.equal(p, q) for p, q in zip(tr.G.parameters(), g_before, strict=True))
    assert math.isfinite(tr.step()["loss_G"])


def test_divergence_stops_with_a_message_and_keeps_good_weights():
    tr = small_trainer()
    tr.train(2)
    good = [p.detach().clone() for p in tr.D.parameters()]
    with torch.no_grad():
        tr.G.net[-1].bias.fill_(float("nan"))  # poison G: every fake is NaN
    with pytest.raises(TrainingDiverged, match="step 3: loss_D is nan"):
        tr.step()
    assert all(torch.equal(p, q) for p, q in zip(tr.D.parameters(), good, strict=True))
    assert len(tr.history) == 2


def test_reset_restores_initial_weights_and_new_seed_gives_new_ones():
    tr = small_trainer()
    w0 = [p.detach().clone() for p in tr.G.parameters()]
    tr.train(5)
    tr.reset()
    assert all(torch.equal(p, q) for p, q in zip(tr.G.parameters(), w0, strict=True))
    assert tr.step_count == 0 and tr.history == []
    tr.reset(seed=7)
    assert tr.config.seed == 7
    assert not all(torch.equal(p, q) for p, q in zip(tr.G.parameters(), w0, strict=True))


def test_checkpoint_round_trip_is_bit_identical(tmp_path):
    a = small_trainer(ema=0.9, noisy_labels=True)
    a.train(5)
    a.save(tmp_path / "ck.pt")
    expected = [h["loss_D"] for h in a.train(5)]
    b = small_trainer(ema=0.9, noisy_labels=True)
    b.load(tmp_path / "ck.pt")
    assert b.step_count == 5 and len(b.history) == 5
    assert [h["loss_D"] for h in b.train(5)] == expected
    assert all(torch.equal(p, q) for p, q in zip(a.G.parameters(), b.G.parameters(), strict=True))


def test_checkpoint_errors(tmp_path):
    tr = small_trainer()
    with pytest.raises(FileNotFoundError):
        tr.load(tmp_path / "missing.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="corrupt"):
        tr.load(bad)
    tr.save(tmp_path / "ok.pt")
    other = Trainer(models.MLPGenerator(4, (2,), hidden=(16,)), models.MLPDiscriminator((2,)),
                    data.ring(), GANConfig(latent_dim=4))
    with pytest.raises(ValueError, match="does not fit"):
        other.load(tmp_path / "ok.pt")


def test_fixed_noise_is_fixed():
    tr = small_trainer()
    z = tr.fixed_z.clone()
    tr.train(3)
    assert torch.equal(tr.fixed_z, z)
    assert tr.generate().shape == (64, 2)


def test_latent_dim_mismatch():
    with pytest.raises(ValueError, match="latent_dim"):
        Trainer(models.MLPGenerator(4, (2,)), models.MLPDiscriminator(), data.ring(), GANConfig(latent_dim=8))


def test_discriminator_approaches_the_optimal_discriminator():
    """D trained on two fixed 1-D Gaussians lands on p_data / (p_data + p_g)."""
    torch.manual_seed(0)
    p_data, p_g = data.gaussian_1d(0.0, 1.0), data.gaussian_1d(1.5, 1.0)
    D = models.MLPDiscriminator((1,), hidden=(32, 32))
    opt = torch.optim.Adam(D.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    from gan_course import losses
    for _ in range(1500):
        loss = losses.d_loss_minimax(D(p_data.sample(256, generator=g)), D(p_g.sample(256, generator=g)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    x = torch.linspace(-1.5, 2.5, 41)[:, None]
    d_star = p_data.density(x) / (p_data.density(x) + p_g.density(x))
    with torch.no_grad():
        d = torch.sigmoid(D(x))
    assert (d - d_star).abs().max() < 0.05
