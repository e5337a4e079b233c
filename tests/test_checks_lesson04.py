"""Lesson 04's checks accept the reference answers and reject typical wrong ones, saying why."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from checkhelp import rejects

from gan_course.checks import lesson04 as checks
from gan_course.solutions import lesson04 as ref


def test_package_losses_pass():
    from gan_course import losses

    assert checks.check_d_loss(losses.d_loss_minimax, quiet=True).ok
    assert checks.check_g_loss(losses.g_loss_nonsaturating, quiet=True).ok


def todo(*args):
    raise NotImplementedError


# ---- D's loss -------------------------------------------------------------------------------


def test_d_loss_unfinished_and_none():
    rejects(checks.check_d_loss, todo, "not written yet")
    rejects(checks.check_d_loss, lambda r, f: None, "return")


def test_d_loss_wrong_sign_is_v():
    rejects(checks.check_d_loss, lambda r, f: F.logsigmoid(r).mean() + F.logsigmoid(-f).mean(),
            "sign", "maximises")


def test_d_loss_log_of_logits():
    rejects(checks.check_d_loss, lambda r, f: -(torch.log(r).mean() + torch.log(1 - f).mean()),
            "NaN", "logits")


def test_d_loss_probabilities_overflow():
    def naive(r, f):
        return -(torch.log(torch.sigmoid(r)).mean() + torch.log(1 - torch.sigmoid(f)).mean())

    rejects(checks.check_d_loss, naive, "-200", "logsigmoid")


def test_d_loss_probabilities_clamped():
    def clamped(r, f):
        return (F.binary_cross_entropy(torch.sigmoid(r), torch.ones_like(r))
                + F.binary_cross_entropy(torch.sigmoid(f), torch.zeros_like(f)))

    rejects(checks.check_d_loss, clamped, "too small", "probabilities")


def test_d_loss_bce_on_logits():
    def bce(r, f):
        return (F.binary_cross_entropy(r, torch.ones_like(r))
                + F.binary_cross_entropy(f, torch.zeros_like(f)))

    rejects(checks.check_d_loss, bce, "expects probabilities", "logits")


def test_d_loss_averaged_swapped_onesided():
    rejects(checks.check_d_loss, lambda r, f: 0.5 * ref.d_loss(r, f), "half", "adds")
    rejects(checks.check_d_loss, lambda r, f: ref.d_loss(f, r), "swapped")
    rejects(checks.check_d_loss, lambda r, f: -F.logsigmoid(r).mean(), "only the real term")
    rejects(checks.check_d_loss,
            lambda r, f: -(F.logsigmoid(r).mean() + F.logsigmoid(f).mean()), "log(1 - D(G(z)))")


def test_d_loss_shape_sum_double_sigmoid():
    rejects(checks.check_d_loss, lambda r, f: -(F.logsigmoid(r) + F.logsigmoid(-f)),
            "scalar", "(64,)", "mean")
    rejects(checks.check_d_loss, lambda r, f: -(F.logsigmoid(r).sum() + F.logsigmoid(-f).sum()),
            "summed")
    rejects(checks.check_d_loss, lambda r, f: ref.d_loss(torch.sigmoid(r), torch.sigmoid(f)),
            "sigmoid twice")


# ---- G's loss -------------------------------------------------------------------------------


def test_g_loss_saturating_and_d_side():
    rejects(checks.check_g_loss, lambda f: F.logsigmoid(-f).mean(), "saturating")
    rejects(checks.check_g_loss, lambda f: -F.logsigmoid(-f).mean(), "target 0")


def test_g_loss_sign_sum_shape():
    rejects(checks.check_g_loss, lambda f: F.logsigmoid(f).mean(), "sign")
    rejects(checks.check_g_loss, lambda f: -F.logsigmoid(f).sum(), "summed")
    rejects(checks.check_g_loss, lambda f: -F.logsigmoid(f), "scalar")
    rejects(checks.check_g_loss, lambda f: ref.g_loss(torch.sigmoid(f)), "sigmoid twice")


def test_g_loss_probabilities():
    rejects(checks.check_g_loss, lambda f: -torch.log(f).mean(), "NaN")
    rejects(checks.check_g_loss, lambda f: -torch.log(torch.sigmoid(f)).mean(), "-200")
    rejects(checks.check_g_loss,
            lambda f: F.binary_cross_entropy(torch.sigmoid(f), torch.ones_like(f)), "too small")


# ---- gradients per logit --------------------------------------------------------------------


def test_logit_grads_wrong():
    rejects(checks.check_logit_grads, todo, "not written yet")
    rejects(checks.check_logit_grads, lambda p: (-1 / (1 - p), -1 / p), "respect to p",
            "p (1 - p)")
    rejects(checks.check_logit_grads, lambda p: (p, 1 - p), "sign")
    rejects(checks.check_logit_grads, lambda p: (-(1 - p), -p), "swapped")
    rejects(checks.check_logit_grads, lambda p: -p, "pair")
    rejects(checks.check_logit_grads, lambda p: (-p.mean(), -(1 - p).mean()), "scalar")


# ---- one training step ----------------------------------------------------------------------


def make_step(*, detach=True, freeze=True, unfreeze=True, d_first=True, zero_D=True,
              zero_G=True, saturating=False, d_sign=1, g_no_grad=False, d_twice=False,
              fresh_z=False):
    """A train_step with one chosen mistake."""
    def step(G, D, opt_G, opt_D, x_real, z):
        def update_D():
            x_fake = G(z).detach() if detach else G(z)
            loss_D = d_sign * ref.d_loss(D(x_real), D(x_fake))
            if zero_D:
                opt_D.zero_grad()
            loss_D.backward()
            opt_D.step()
            if d_twice:
                opt_D.step()

        def update_G():
            if freeze:
                D.requires_grad_(False)
            z_G = torch.randn_like(z) if fresh_z else z
            with torch.set_grad_enabled(not g_no_grad):
                x_fake = G(z_G)
            d_fake = D(x_fake)
            loss_G = F.logsigmoid(-d_fake).mean() if saturating else ref.g_loss(d_fake)
            if zero_G:
                opt_G.zero_grad()
            if loss_G.requires_grad:
                loss_G.backward()
            opt_G.step()
            if freeze and unfreeze:
                D.requires_grad_(True)

        for update in ((update_D, update_G) if d_first else (update_G, update_D)):
            update()

    return step


def test_train_step_accepts_other_correct_styles():
    def dcgan_style(G, D, opt_G, opt_D, x_real, z):
        fake = G(z)  # one forward of G, detached for D, reused for G
        opt_D.zero_grad()
        ref.d_loss(D(x_real), D(fake.detach())).backward()
        opt_D.step()
        for p in D.parameters():
            p.requires_grad = False
        opt_G.zero_grad()
        ref.g_loss(D(fake)).backward()
        opt_G.step()
        for p in D.parameters():
            p.requires_grad = True

    def bce_style(G, D, opt_G, opt_D, x_real, z):
        ones, zeros = torch.ones(len(z)), torch.zeros(len(z))
        with torch.no_grad():
            fake = G(z)
        D.zero_grad()
        (F.binary_cross_entropy_with_logits(D(x_real), ones)
         + F.binary_cross_entropy_with_logits(D(fake), zeros)).backward()
        opt_D.step()
        D.requires_grad_(False)
        G.zero_grad()
        F.binary_cross_entropy_with_logits(D(G(z)), ones).backward()
        opt_G.step()
        D.requires_grad_(True)

    def tutorial_style(G, D, opt_G, opt_D, x_real, z):
        # The PyTorch DCGAN tutorial's loop: fresh noise drawn inside, two backward calls for D,
        # the fakes reused for G, and D never frozen.
        criterion = torch.nn.BCEWithLogitsLoss()
        D.zero_grad()
        criterion(D(x_real), torch.ones(len(x_real))).backward()
        fake = G(torch.randn(z.shape))
        criterion(D(fake.detach()), torch.zeros(len(z))).backward()
        opt_D.step()
        G.zero_grad()
        criterion(D(fake), torch.ones(len(z))).backward()
        opt_G.step()

    assert checks.check_train_step(make_step(), quiet=True).ok
    assert checks.check_train_step(make_step(freeze=False), quiet=True).ok  # freezing saves work only
    assert checks.check_train_step(make_step(fresh_z=True), quiet=True).ok  # Algorithm 1's fresh z
    assert checks.check_train_step(tutorial_style, quiet=True).ok
    assert checks.check_train_step(dcgan_style, quiet=True).ok
    assert checks.check_train_step(bce_style, quiet=True).ok


@pytest.mark.parametrize("mistake, words", [
    (dict(detach=False), ("detach", "into G")),
    (dict(unfreeze=False), ("still frozen", "requires_grad_(True)")),
    (dict(d_first=False), ("before D",)),
    (dict(zero_D=False), ("opt_D.zero_grad()",)),
    (dict(zero_G=False), ("opt_G.zero_grad()",)),
    (dict(saturating=True), ("saturating",)),
    (dict(d_sign=-1), ("wrong sign",)),
    (dict(g_no_grad=True), ("no gradient", "no torch.no_grad()")),
    (dict(d_twice=True), ("opt_D.step() ran 2 times",)),
])
def test_train_step_rejects(mistake, words):
    rejects(checks.check_train_step, make_step(**mistake), *words)


def test_train_step_stale_d_and_unfinished():
    def stale(G, D, opt_G, opt_D, x_real, z):
        D_before = copy.deepcopy(D).requires_grad_(False)
        opt_D.zero_grad()
        ref.d_loss(D(x_real), D(G(z).detach())).backward()
        opt_D.step()
        opt_G.zero_grad()
        ref.g_loss(D_before(G(z))).backward()
        opt_G.step()

    rejects(checks.check_train_step, stale, "before", "after opt_D.step()")
    rejects(checks.check_train_step, todo, "not written yet")


def test_train_step_averaged_d_loss():
    def averaged(G, D, opt_G, opt_D, x_real, z):
        d = D(torch.cat([x_real, G(z).detach()]))  # one batch of 2B, one mean
        target = torch.cat([torch.ones(len(x_real)), torch.zeros(len(z))])
        opt_D.zero_grad()
        F.binary_cross_entropy_with_logits(d, target).backward()
        opt_D.step()
        D.requires_grad_(False)
        opt_G.zero_grad()
        ref.g_loss(D(G(z))).backward()
        opt_G.step()
        D.requires_grad_(True)

    rejects(checks.check_train_step, averaged, "half", "adds the two means")


# ---- the debugging exercise: a loop with three classic bugs --------------------------------


def buggy_step(*, detach=False, labels=False, g_turn=False):
    """The exercise's broken loop, with the chosen bugs fixed."""
    def train_step(G, D, opt_G, opt_D, x_real, z):
        opt_D.zero_grad()
        opt_G.zero_grad()
        x_fake = G(z).detach() if detach else G(z)
        loss_D = ref.d_loss(D(x_real), D(x_fake)) if labels else ref.d_loss(D(x_fake), D(x_real))
        loss_D.backward()
        opt_D.step()
        ref.g_loss(D(G(z))).backward()
        opt_G.step()
        if not g_turn:
            opt_D.step()

    return train_step


@pytest.mark.parametrize("fixed, words", [
    (dict(), ("ran again after G's update", "trained on G's step")),
    (dict(g_turn=True), ("detach",)),
    (dict(g_turn=True, detach=True), ("labels swapped", "real logits first")),
    (dict(g_turn=True, labels=True), ("detach",)),
])
def test_train_step_names_each_bug_of_the_broken_loop(fixed, words):
    rejects(checks.check_train_step, buggy_step(**fixed), *words)


def test_the_broken_loop_fixed_passes():
    assert checks.check_train_step(buggy_step(detach=True, labels=True, g_turn=True), quiet=True).ok


# ---- G's weight average -----------------------------------------------------------------------


def _ema(rule):
    @torch.no_grad()
    def update(G_ema, G, decay):
        for a, p in zip(G_ema.parameters(), G.parameters(), strict=True):
            a.copy_(rule(a, p, decay))
        for a, b in zip(G_ema.buffers(), G.buffers(), strict=True):
            a.copy_(b)
    return update


def test_ema_update_accepts_other_correct_styles():
    from gan_course import training  # the trainer's own rule, lerp_, and averaged buffers pass

    assert checks.check_ema_update(ref.ema_update, quiet=True).ok
    assert checks.check_ema_update(_ema(lambda a, p, d: a.lerp(p, 1 - d)), quiet=True).ok

    @torch.no_grad()
    def averaged_buffers(G_ema, G, decay):
        for a, p in zip(G_ema.state_dict().values(), G.state_dict().values(), strict=True):
            a.copy_(a * decay + p * (1 - decay) if a.dtype.is_floating_point else p)

    assert checks.check_ema_update(averaged_buffers, quiet=True).ok
    assert training.Trainer._update_ema  # the lesson compares with it


def test_ema_update_rejects():
    rejects(checks.check_ema_update, todo, "not written yet")
    rejects(checks.check_ema_update, _ema(lambda a, p, d: d * p + (1 - d) * a), "swapped")
    rejects(checks.check_ema_update, _ema(lambda a, p, d: p), "copy of G")
    rejects(checks.check_ema_update, _ema(lambda a, p, d: a), "did not change")
    rejects(checks.check_ema_update, _ema(lambda a, p, d: 0.5 * (a + p)), "parameter 0",
            "decay * G_ema")

    def rebinds(G_ema, G, decay):
        for a, p in zip(G_ema.parameters(), G.parameters(), strict=True):
            a = decay * a + (1 - decay) * p  # noqa: PLW2901 - the mistake under test

    rejects(checks.check_ema_update, rebinds, "in place")

    def no_grad_missing(G_ema, G, decay):
        for a, p in zip(G_ema.parameters(), G.parameters(), strict=True):
            a.mul_(decay).add_(p, alpha=1 - decay)

    rejects(checks.check_ema_update, no_grad_missing, "torch.no_grad()")

    @torch.no_grad()
    def no_buffers(G_ema, G, decay):
        for a, p in zip(G_ema.parameters(), G.parameters(), strict=True):
            a.lerp_(p, 1 - decay)

    rejects(checks.check_ema_update, no_buffers, "running statistics", "copy_")

    @torch.no_grad()
    def moves_G(G_ema, G, decay):
        for a, p in zip(G_ema.parameters(), G.parameters(), strict=True):
            p.lerp_(a, decay)
            a.copy_(p)

    rejects(checks.check_ema_update, moves_G, "G's own weights")


# ---- least squares and hinge ------------------------------------------------------------------


def test_least_squares_and_hinge_accept_references_and_the_package():
    from gan_course import losses

    assert checks.check_least_squares_losses(ref.least_squares_losses, quiet=True).ok
    assert checks.check_hinge_losses(ref.hinge_losses, quiet=True).ok
    assert checks.check_least_squares_losses(
        lambda r, f: (losses.d_loss_least_squares(r, f), losses.g_loss_least_squares(f)),
        quiet=True).ok
    assert checks.check_hinge_losses(
        lambda r, f: (losses.d_loss_hinge(r, f), losses.g_loss_hinge(f)), quiet=True).ok


def test_least_squares_rejects():
    def ls(d_fn=None, g_fn=None):
        def fn(r, f):
            d, g = ref.least_squares_losses(r, f)
            return (d_fn(r, f) if d_fn else d), (g_fn(r, f) if g_fn else g)
        return fn

    rejects(checks.check_least_squares_losses, todo, "not written yet")
    rejects(checks.check_least_squares_losses, lambda r, f: ref.least_squares_losses(r, f)[0],
            "pair")
    rejects(checks.check_least_squares_losses,
            ls(lambda r, f: ((r - 1) ** 2).mean() + (f ** 2).mean()), "1/2 is missing")
    rejects(checks.check_least_squares_losses, ls(g_fn=lambda r, f: 0.5 * (f ** 2).mean()),
            "target 1")
    rejects(checks.check_least_squares_losses,
            lambda r, f: ref.least_squares_losses(torch.sigmoid(r), torch.sigmoid(f)), "sigmoid")
    rejects(checks.check_least_squares_losses,
            ls(lambda r, f: 0.5 * (r ** 2).mean() + 0.5 * ((f - 1) ** 2).mean()), "swapped")
    rejects(checks.check_least_squares_losses,
            ls(lambda r, f: 0.5 * ((r - 1) ** 2).sum() + 0.5 * (f ** 2).sum()), "not the sum")
    rejects(checks.check_least_squares_losses, ls(lambda r, f: 0.5 * (r - 1) ** 2), "scalar")


def test_hinge_rejects():
    def hinge(d_fn=None, g_fn=None):
        def fn(r, f):
            d, g = ref.hinge_losses(r, f)
            return (d_fn(r, f) if d_fn else d), (g_fn(r, f) if g_fn else g)
        return fn

    rejects(checks.check_hinge_losses, todo, "not written yet")
    rejects(checks.check_hinge_losses, hinge(g_fn=lambda r, f: F.relu(1 - f).mean()),
            "D's only")
    rejects(checks.check_hinge_losses, hinge(lambda r, f: (1 - r).mean() + (1 + f).mean()),
            "max(0, .) is missing")
    rejects(checks.check_hinge_losses, hinge(lambda r, f: F.relu(1 + r).mean() + F.relu(1 - f).mean()),
            "swapped")
    rejects(checks.check_hinge_losses, hinge(g_fn=lambda r, f: f.mean()), "wrong sign")
    rejects(checks.check_hinge_losses, hinge(g_fn=lambda r, f: -f.sum()), "sum")
    rejects(checks.check_hinge_losses, hinge(g_fn=lambda r, f: -f.detach().mean()),
            "no gradient")
