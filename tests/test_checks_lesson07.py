"""Lesson 07's checks accept the reference answers and reject typical wrong ones, saying why."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from gan_course import presets
from gan_course.checks import lesson07 as checks
from gan_course.solutions import lesson07 as ref


def rejects(check, fn, *words: str, **kwargs) -> None:
    fb = check(fn, quiet=True, **kwargs)
    assert not fb.ok, f"{check.__name__} accepted a wrong answer"
    for word in words:
        assert word.lower() in fb.message.lower(), f"{word!r} not in: {fb.message}"






def test_reference_matches_the_trainer():
    """The notebook says GANConfig's tricks do what the reference answers do."""
    trainer = presets.toy_trainer("ring", "vanilla", seed=0, noisy_labels=True)
    g = torch.Generator().manual_seed(5)
    trainer.generator = torch.Generator().manual_seed(5)
    t = trainer._targets(16)
    real, fake = ref.noisy_targets(16, g)
    assert torch.equal(t["real_target"], real) and torch.equal(t["fake_target"], fake)
    d_real, d_fake = torch.randn(16), torch.randn(16)
    from gan_course import losses

    assert torch.isclose(ref.d_loss_one_sided(d_real, d_fake, 0.1),
                         losses.d_loss_minimax(d_real, d_fake, real_target=0.9))


# ---- noisy targets --------------------------------------------------------------------------


def test_noisy_unfinished_and_none():
    def todo(n, generator):
        raise NotImplementedError

    rejects(checks.check_noisy_targets, todo, "not written yet")
    rejects(checks.check_noisy_targets, lambda n, generator: None, "return")


def test_noisy_shapes_and_types():
    rejects(checks.check_noisy_targets, lambda n, g: (0.7 + 0.5 * torch.rand(n, 1, generator=g),
                                                      0.3 * torch.rand(n, 1, generator=g)),
            "shape (8,)", "(8, 1)")
    rejects(checks.check_noisy_targets, lambda n, g: (0.7 + 0.5 * torch.rand(n, generator=g,
                                                                             dtype=torch.float64),
                                                      0.3 * torch.rand(n, generator=g)),
            "float32")
    rejects(checks.check_noisy_targets,
            lambda n, g: (list(ref.noisy_targets(n, g)[0]), ref.noisy_targets(n, g)[1]), "tensor")
    rejects(checks.check_noisy_targets, lambda n, g: ref.noisy_targets(n, g)[0], "pair")


def test_noisy_ranges():
    rejects(checks.check_noisy_targets, lambda n, g: ref.noisy_targets(n, g)[::-1], "swapped")
    rejects(checks.check_noisy_targets, lambda n, g: (0.7 + 0.3 * torch.rand(n, generator=g),
                                                      0.3 * torch.rand(n, generator=g)),
            "above 1")
    rejects(checks.check_noisy_targets, lambda n, g: (torch.ones(n), torch.zeros(n)), "spread")
    rejects(checks.check_noisy_targets,
            lambda n, g: ((0.95 + 0.1 * torch.randn(n, generator=g)).clamp(0.7, 1.2),
                          (0.15 + 0.05 * torch.randn(n, generator=g)).clamp(0, 0.3)),
            "uniform")


def test_noisy_correlated():
    def same_draw(n, g):
        u = torch.rand(n, generator=g)
        return 0.7 + 0.5 * u, 0.3 * u

    rejects(checks.check_noisy_targets, same_draw, "correlated")


def test_noisy_ignores_the_generator():
    rejects(checks.check_noisy_targets, lambda n, g: (0.7 + 0.5 * torch.rand(n),
                                                      0.3 * torch.rand(n)), "generator")

    def half_seeded(n, g):
        return 0.7 + 0.5 * torch.rand(n, generator=g), 0.3 * torch.rand(n)

    rejects(checks.check_noisy_targets, half_seeded, "generator")


def test_noisy_other_correct_draws_pass():
    def with_uniform_(n, g):
        return (torch.empty(n).uniform_(0.7, 1.2, generator=g),
                torch.empty(n).uniform_(0.0, 0.3, generator=g))

    assert checks.check_noisy_targets(with_uniform_, quiet=True).ok


# ---- instance noise schedule ----------------------------------------------------------------


def test_noise_unfinished():
    def todo(step, sigma0, decay_steps):
        raise NotImplementedError

    rejects(checks.check_instance_noise_std, todo, "not written yet")


def test_noise_not_clamped():
    rejects(checks.check_instance_noise_std,
            lambda step, s, d: s * (1 - step / d) if d else s, "negative", "max(0")


def test_noise_zero_division():
    rejects(checks.check_instance_noise_std, lambda step, s, d: s * max(0.0, 1 - step / d),
            "ZeroDivisionError", "return sigma0")


def test_noise_grows_or_exponential():
    rejects(checks.check_instance_noise_std,
            lambda step, s, d: s * min(1.0, step / d) if d else s, "grows")
    rejects(checks.check_instance_noise_std,
            lambda step, s, d: s * math.exp(-step / d) if d else s, "exponential")


def test_noise_tensor_result_is_fine():
    assert checks.check_instance_noise_std(
        lambda step, s, d: torch.tensor(ref.instance_noise_std(step, s, d)), quiet=True).ok


# ---- one-sided smoothing --------------------------------------------------------------------


def _bce(r, rt, f, ft):
    return F.binary_cross_entropy_with_logits(r, rt) + F.binary_cross_entropy_with_logits(f, ft)


def test_one_sided_wrong_answers():
    full, zeros = torch.full_like, torch.zeros_like
    rejects(checks.check_d_loss_one_sided,
            lambda r, f, s: _bce(r, full(r, 1 - s), f, full(f, s)), "two-sided")
    rejects(checks.check_d_loss_one_sided,
            lambda r, f, s: _bce(r, full(r, 1.0), f, full(f, s)), "fake targets")
    rejects(checks.check_d_loss_one_sided,
            lambda r, f, s: _bce(r, full(r, 1.0), f, zeros(f)), "smoothing is missing")
    rejects(checks.check_d_loss_one_sided,
            lambda r, f, s: _bce(r, full(r, s), f, zeros(f)), "1 - s")
    rejects(checks.check_d_loss_one_sided,
            lambda r, f, s: _bce(torch.sigmoid(r), full(r, 1 - s), torch.sigmoid(f), zeros(f)),
            "logits")
    rejects(checks.check_d_loss_one_sided, lambda r, f, s: -ref.d_loss_one_sided(r, f, s),
            "sign")
    rejects(checks.check_d_loss_one_sided, lambda r, f, s: 0.5 * ref.d_loss_one_sided(r, f, s),
            "two batch means")
    rejects(checks.check_d_loss_one_sided,
            lambda r, f, s: F.binary_cross_entropy_with_logits(r, full(r, 1 - s)), "fake term")


def test_one_sided_shapes_and_graph():
    rejects(checks.check_d_loss_one_sided,
            lambda r, f, s: F.binary_cross_entropy_with_logits(r, torch.full_like(r, 1 - s),
                                                               reduction="none"),
            "scalar", "mean")
    rejects(checks.check_d_loss_one_sided, lambda r, f, s: ref.d_loss_one_sided(r, f, s).item(),
            ".item()")
    rejects(checks.check_d_loss_one_sided,
            lambda r, f, s: ref.d_loss_one_sided(r.detach(), f.detach(), s), "autograd")


# ---- fix a failing GAN ----------------------------------------------------------------------


def test_fixed_rejects_untrained_and_wrong_objects():
    trainer = presets.toy_trainer("ring", "collapse", seed=0)
    rejects(checks.check_fixed, trainer, "trained only 0 steps")
    rejects(checks.check_fixed, "dash", "expected a dashboard or a Trainer")


def test_fixed_reports_metrics_and_changes():
    trainer = presets.toy_trainer("ring", "collapse", seed=0, lr_D=1e-3)
    trainer.train(30)
    rejects(checks.check_fixed, trainer, "modes", "high quality", "lr_D 0.0002 -> 0.001",
            preset="collapse", min_steps=10)


class _PerfectG(torch.nn.Module):
    """A 'generator' that samples the ring exactly: mode picked from z, Gaussian jitter."""

    def __init__(self, toy, latent_dim: int = 8) -> None:
        super().__init__()
        self.latent_dim, self.toy = latent_dim, toy
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, z):
        idx = (torch.special.ndtr(z[:, 0]) * self.toy.n_modes).long().clamp_max(self.toy.n_modes - 1)
        return self.toy.modes[idx] + self.toy.std * z[:, 1:3] + 0 * self.w


def test_fixed_accepts_a_gan_that_samples_the_ring():
    from gan_course import models, toys
    from gan_course.training import GANConfig, Trainer

    ring = toys.ring()
    trainer = Trainer(_PerfectG(ring), models.MLPDiscriminator((2,)), ring,
                      GANConfig(latent_dim=8, lr_D=1e-3, lr_G=1e-3))
    trainer.step_count = 1000
    fb = checks.check_fixed(trainer, preset="vanilla", quiet=True)
    assert fb.ok, fb.message
    assert "8/8 modes" in fb.message and "lr_D 0.0002 -> 0.001" in fb.message


def test_reference_fixes_are_valid_changes():
    for preset, fix in ref.FIXES.items():
        trainer = presets.toy_trainer("ring", preset, seed=0, **fix)
        trainer.step()
        assert trainer.config.lr_D == trainer.config.lr_G == 2e-3 and trainer.config.ema == 0.99


def test_fixed_reads_a_dashboards_trainer():
    from gan_course import live

    trainer = presets.toy_trainer("ring", "collapse", seed=0)
    dash = live.Dashboard(trainer, headless=True)
    dash.run(5)
    rejects(checks.check_fixed, dash, "trained only 5 steps")
    dash.close()
