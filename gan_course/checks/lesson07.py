"""Checks for lesson 07, the tricks that make GANs train (notebooks/07_tricks.ipynb).

Each ``check_*`` runs the learner's function (or looks at the learner's trained GAN), compares it
with the reference (`gan_course.solutions.lesson07`) or a metric threshold, prints one ✅/❌ line
naming what differs, and returns a `Feedback`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_course import metrics
from gan_course.checks._core import (
    Feedback,
    compare,
    finish,
    forgot_return,
    run_learner,
    typical_mistake,
)
from gan_course.monitor import HealthMonitor
from gan_course.solutions import lesson07 as ref
from gan_course.training import GANConfig, Trainer

__all__ = ["check_noisy_targets", "check_instance_noise_std", "check_d_loss_one_sided",
           "check_fixed"]


# --------------------------------------------------------------------------- noisy labels

_RANGES = {"real": (0.7, 1.2), "fake": (0.0, 0.3)}


def _pair_problem(out: Any, n: int) -> str | None:
    """What is wrong with the (real, fake) pair's types and shapes, or None."""
    if out is None:
        return forgot_return(returns="real, fake")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return f"expected a pair (real, fake) of tensors, got {type(out).__name__}"
    for name, t in zip(("real", "fake"), out, strict=True):
        if not isinstance(t, Tensor):
            return (f"expected `{name}` to be a torch tensor (draw it with torch.rand), got "
                    f"{type(t).__name__}")
        if tuple(t.shape) != (n,):
            hint = " (one target per sample: torch.rand(n, ...), not (n, 1))" if t.dim() == 2 else ""
            return f"expected `{name}` of shape ({n},), got {tuple(t.shape)}{hint}"
        if t.dtype != torch.float32:
            return (f"expected `{name}` as float32 like D's logits (torch.rand gives it), got "
                    f"{t.dtype}")
    return None


def _range_problem(real: Tensor, fake: Tensor) -> str | None:
    """Ranges, means, spread and shape of the two distributions (n large), or None."""
    if bool(real.min() < 0.5) and bool(fake.min() >= 0.6):
        return "real and fake are swapped: real targets are near 1 (0.7..1.2), fake near 0"
    for name, t in (("real", real), ("fake", fake)):
        lo, hi = _RANGES[name]
        if bool(t.min() < lo - 1e-6) or bool(t.max() > hi + 1e-6):
            return (f"`{name}` must lie in [{lo}, {hi}], got values in "
                    f"[{t.min().item():.3f}, {t.max().item():.3f}]")
        width = hi - lo
        if bool(t.max() - t.min() < 0.9 * width):
            where = (" (the slides article lets real targets go above 1, up to 1.2)"
                     if name == "real" and t.max() <= 1.0 + 1e-6 else "")
            return (f"`{name}` should spread over all of [{lo}, {hi}], got only "
                    f"[{t.min().item():.3f}, {t.max().item():.3f}]{where}")
        mean, std = t.mean().item(), t.std().item()
        if abs(mean - (lo + hi) / 2) > 0.03 * width * 4 or abs(std / (width / 12**0.5) - 1) > 0.1:
            return (f"`{name}` should be uniform on [{lo}, {hi}] (mean {(lo + hi) / 2:.2f}, std "
                    f"{width / 12**0.5:.3f}), got mean {mean:.3f}, std {std:.3f}: scale and "
                    "shift torch.rand (uniform on [0, 1)), not torch.randn")
        counts = torch.histc(t, bins=5, min=lo, max=hi) / t.numel()
        if bool((counts - 0.2).abs().max() > 0.03):
            return (f"`{name}` is not uniform on [{lo}, {hi}]: its 5 equal bins hold "
                    f"{[round(c, 2) for c in counts.tolist()]} of the targets, expected 0.2 each")
    corr = torch.corrcoef(torch.stack([real, fake]))[0, 1].item()
    if abs(corr) > 0.1:
        return (f"real and fake targets are correlated (r = {corr:.2f}): draw them "
                "independently, two calls of torch.rand")
    return None


def check_noisy_targets(fn: Callable[[int, torch.Generator], tuple[Tensor, Tensor]], *,
                        quiet: bool = False) -> Feedback:
    """``fn(n, generator) -> (real, fake)``: float32 (n,) targets, real ~ U(0.7, 1.2), fake ~
    U(0, 0.3), independent, drawn from ``generator`` only (same seed, same targets)."""
    for n in (8, 1):
        out, err = run_learner(fn, n, torch.Generator().manual_seed(0))
        problem = err or _pair_problem(out, n)
        if problem:
            return finish(problem, "", quiet=quiet)
    n = 20_000
    out, err = run_learner(fn, n, torch.Generator().manual_seed(1))
    problem = err or _pair_problem(out, n) or _range_problem(out[0].detach(), out[1].detach())
    if problem:
        return finish(problem, "", quiet=quiet)

    g = torch.Generator().manual_seed(2)
    first, second = fn(64, g), fn(64, g)
    if torch.equal(first[0], second[0]) or torch.equal(first[1], second[1]):
        return finish("two calls with the same generator returned the same targets: draw fresh "
                      "random numbers each call (torch.rand(n, generator=generator))", "",
                      quiet=quiet)
    state = torch.get_rng_state()
    a = fn(64, torch.Generator().manual_seed(3))
    torch.manual_seed(12345)  # a learner who uses the global RNG gets different numbers now
    b = fn(64, torch.Generator().manual_seed(3))
    c = fn(64, torch.Generator().manual_seed(4))
    torch.set_rng_state(state)
    if not (torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])):
        return finish("two fresh generators with the same seed gave different targets: draw "
                      "*only* from `generator` (torch.rand(n, generator=generator)), so a seeded "
                      "run repeats exactly", "", quiet=quiet)
    if torch.equal(a[0], c[0]):
        return finish("different seeds gave the same targets: use the `generator` argument",
                      "", quiet=quiet)
    return finish(None, "noisy_targets: float32 (n,), real ~ U(0.7, 1.2), fake ~ U(0, 0.3), "
                  "independent, reproducible from the generator's seed", quiet=quiet)


# --------------------------------------------------------------------------- instance noise

def check_instance_noise_std(fn: Callable[[int, float, int], float], *,
                             quiet: bool = False) -> Feedback:
    """``fn(step, sigma0, decay_steps)``: linear decay from sigma0 to 0 at decay_steps, then 0;
    ``decay_steps = 0`` keeps sigma0."""
    cases = [
        ((0, 0.5, 1000), "the first step"),
        ((500, 0.5, 1000), "halfway through the decay"),
        ((250, 1.0, 1000), "a quarter of the way"),
        ((1000, 0.5, 1000), "the end of the decay"),
        ((1500, 0.5, 1000), "after the decay"),
        ((30_000, 0.1, 2000), "long after the decay"),
        ((300, 0.2, 0), "decay_steps = 0 (no decay)"),
        ((7, 0.0, 100), "sigma0 = 0 (no noise)"),
    ]
    for args, label in cases:
        got, err = run_learner(fn, *args)
        step, sigma0, decay = args
        if err is not None:
            if "ZeroDivision" in err:
                err += " — with decay_steps = 0 there is no decay: return sigma0"
            return finish(f"{err} (case: {label}, step={step}, sigma0={sigma0}, "
                          f"decay_steps={decay})", "", quiet=quiet)
        if isinstance(got, Tensor) and got.numel() == 1:
            got = got.item()
        if got is None:
            return finish(forgot_return(), "", quiet=quiet)
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            return finish(f"expected a number (the std), got {type(got).__name__}", "",
                          quiet=quiet)
        expected = ref.instance_noise_std(*args)
        if math.isclose(float(got), expected, abs_tol=1e-6):
            continue
        if float(got) < 0:
            hint = "the std can't be negative: after decay_steps it stays 0 (clamp with max(0, ...))"
        elif decay and math.isclose(float(got), sigma0 * step / decay, abs_tol=1e-6):
            hint = "your std grows with the steps; it should start at sigma0 and fall to 0"
        elif decay and step < decay and math.isclose(
                float(got), sigma0 * math.exp(-step / decay), abs_tol=1e-6):
            hint = "that is an exponential decay; the schedule here is linear"
        else:
            hint = "linear: sigma0 * (1 - step / decay_steps) until decay_steps, then 0"
        return finish(f"at {label} (step={step}, sigma0={sigma0}, decay_steps={decay}) expected "
                      f"{expected:.4g}, got {float(got):.4g}: {hint}", "", quiet=quiet)
    return finish(None, "instance_noise_std: sigma0 at step 0, half at mid-decay, 0 from "
                  "decay_steps on; constant when decay_steps = 0", quiet=quiet)


# --------------------------------------------------------------------------- one-sided smoothing

def check_d_loss_one_sided(fn: Callable[[Tensor, Tensor, float], Tensor], *,
                           quiet: bool = False) -> Feedback:
    """``fn(d_real, d_fake, smoothing)``: BCE on logits with real targets 1 - smoothing and fake
    targets 0, a scalar (sum of the two batch means) that gradients flow through."""
    g = torch.Generator().manual_seed(7)
    d_real, d_fake = 2 * torch.randn(16, generator=g) + 1, 2 * torch.randn(16, generator=g) - 1
    zeros_f = torch.zeros(16)

    def bce(real_t, fake_t, r=d_real, f=d_fake):
        return (F.binary_cross_entropy_with_logits(r, real_t)
                + F.binary_cross_entropy_with_logits(f, fake_t))

    for s in (0.1, 0.25, 0.0):
        r, f = d_real.clone().requires_grad_(True), d_fake.clone().requires_grad_(True)
        got, err = run_learner(fn, r, f, s)
        if err is not None:
            return finish(f"{err} (smoothing={s})", "", quiet=quiet)
        expected = ref.d_loss_one_sided(d_real, d_fake, s)
        if isinstance(got, numbers.Real) and not isinstance(got, bool):
            return finish("expected a tensor, got a Python number: don't call .item(); D's "
                          "optimiser needs the graph to backpropagate", "", quiet=quiet)
        if isinstance(got, Tensor) and got.shape != ():
            hint = (" (the mean is missing: F.binary_cross_entropy_with_logits averages by "
                    "default; don't pass reduction='none')" if got.numel() in (16, 32) else "")
            return finish(f"expected a scalar loss, got shape {tuple(got.shape)}{hint}", "",
                          quiet=quiet)
        diff = compare(got, expected, name=f"the loss (smoothing={s})")
        if diff is None:
            if not got.requires_grad:
                return finish("the loss does not depend on the logits through autograd "
                              "(detached, or rebuilt from numbers?): D could not learn from it",
                              "", quiet=quiet)
            continue
        mistakes = [
            (bce(torch.full((16,), 1 - s), torch.full((16,), s)), "that is two-sided smoothing "
             "(fakes at s too); one-sided leaves the fake targets at 0, so D is never told "
             "fakes are partly real"),
            (bce(torch.ones(16), torch.full((16,), s)), "you smoothed the fake targets; smooth "
             "the *real* ones (1 - s), fakes stay 0"),
            (bce(torch.ones(16), zeros_f), "the smoothing is missing: real targets are "
             "1 - smoothing"),
        ] if s > 0 else []  # with s = 0 these three equal the right answer
        mistakes += [
            (bce(torch.full((16,), 1 - s), zeros_f, torch.sigmoid(d_real), torch.sigmoid(d_fake)),
             "d_real and d_fake are logits and BCE-with-logits applies the sigmoid itself: "
             "don't apply torch.sigmoid first"),
            (-expected, "wrong sign: BCE is already a loss to minimise"),
            (0.5 * expected, "add the two batch means (as losses.d_loss_minimax does), don't "
             "average them"),
            (F.binary_cross_entropy_with_logits(d_real, torch.full((16,), 1 - s)),
             "the fake term is missing: add BCE(D(G(z)), 0)"),
            (bce(torch.full((16,), s), zeros_f), "your real target is s itself, so D is trained "
             "to call real data fake: the smoothed real target is 1 - s (0.9 for s = 0.1)"),
        ]
        if isinstance(got, Tensor) and got.shape == ():
            hint = typical_mistake(got, mistakes, atol=1e-5, rtol=1e-5)
            if hint is not None:
                diff = f"{diff}: {hint}"
        return finish(diff, "", quiet=quiet)
    return finish(None, "d_loss_one_sided matches the reference: real targets 1 - s, fakes 0, "
                  "on logits, sum of two means", quiet=quiet)


# --------------------------------------------------------------------------- fix a failing GAN

def _config_changes(cfg: GANConfig, preset: str | None) -> str:
    if preset is None:
        return ""
    from gan_course import presets

    if preset not in presets.TOY_RECIPES:
        return ""
    base = presets.TOY_RECIPES[preset].config
    default = GANConfig()
    changed = []
    for key in ("loss", "lr_G", "lr_D", "beta1", "n_critic", "batch_size", "instance_noise",
                "instance_noise_decay", "noisy_labels", "label_smoothing", "label_flip"):
        old, new = base.get(key, getattr(default, key)), getattr(cfg, key)
        if old != new:
            changed.append(f"{key} {old:g} -> {new:g}" if isinstance(new, float) else
                           f"{key} {old} -> {new}")
    return "; settings now vs the preset: " + (", ".join(changed) if changed else "unchanged")


def check_fixed(obj: Any, *, preset: str | None = None, min_modes: int = 7,
                min_high_quality: float = 0.5, min_steps: int = 200, n: int = 2500,
                quiet: bool = False) -> Feedback:
    """Did the learner's GAN (a dashboard or a `Trainer`) learn the toy it trains on?

    Draws ``n`` samples from G (its weight average if on) with a fixed noise batch, scores them
    with `metrics.mode_stats` and asks for at least ``min_modes`` modes captured and a
    high-quality share of at least ``min_high_quality``.

    Args:
        obj: a `live.Dashboard` (its ``.trainer`` is checked; it must be paused) or a `Trainer`.
        preset: the preset the learner started from, to list what they changed.
        min_modes, min_high_quality: the thresholds.
        min_steps: the trainer must have trained at least this many steps.
        n: samples drawn.
    """
    trainer = getattr(obj, "trainer", obj)
    if not isinstance(trainer, Trainer):
        return finish(f"expected a dashboard or a Trainer, got {type(obj).__name__}", "",
                      quiet=quiet)
    if getattr(obj, "running", False):
        return finish("the dashboard is still training: press Pause (or let the run finish), "
                      "then run this cell again", "", quiet=quiet)
    toy = trainer.real
    if getattr(toy, "modes", None) is None or getattr(toy, "dim", None) != 2:
        return finish("this check needs a trainer on a 2-D mixture toy (ring or grid)", "",
                      quiet=quiet)
    changes = _config_changes(trainer.config, preset)
    if trainer.step_count < min_steps:
        return finish(f"the GAN trained only {trainer.step_count} steps; train at least "
                      f"{min_steps} (press Start){changes}", "", quiet=quiet)
    cfg = trainer.config
    gen = torch.Generator().manual_seed(2024)
    x = trainer.generate(trainer.sample_z(n, generator=gen)).reshape(n, -1)
    if not torch.isfinite(x).all():
        return finish(f"G outputs NaN or inf: the run diverged; reset and lower the learning "
                      f"rates{changes}", "", quiet=quiet)
    stats = metrics.mode_stats(x, toy.modes, toy.std)
    got = (f"{stats['modes_captured']}/{stats['n_modes']} modes, "
           f"{stats['high_quality']:.0%} high quality after {trainer.step_count} steps")
    if stats["modes_captured"] >= min_modes and stats["high_quality"] >= min_high_quality:
        return finish(None, f"fixed: {got} (needed >= {min_modes} modes and >= "
                      f"{min_high_quality:.0%}){changes}", quiet=quiet)
    monitor = HealthMonitor()
    for numbers_ in trainer.history[-200:]:
        monitor.update(numbers_, loss=cfg.loss)
    flags = monitor.messages()
    said = f"; the health monitor says: {flags[0]}" if flags else ""
    return finish(f"{got}; needed >= {min_modes} modes and >= {min_high_quality:.0%} high "
                  f"quality{said}{changes}", "", quiet=quiet)
