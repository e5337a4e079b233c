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
