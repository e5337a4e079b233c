"""Lesson 11's checks accept the reference answers and reject typical wrong ones, saying why."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from checkhelp import passes_and_names_a_stub, rejects

from gan_course.checks import lesson11 as checks
from gan_course.solutions import lesson11 as ref

ALL = {"targeted_fgsm": (checks.check_targeted_fgsm, ref.targeted_fgsm),
       "mix_batch": (checks.check_mix_batch, ref.mix_batch),
       "per_class_accuracy": (checks.check_per_class_accuracy, ref.per_class_accuracy)}


@pytest.mark.parametrize("name", ALL)
def test_the_reference_passes_in_one_line_and_a_stub_is_reported(name, capsys):
    passes_and_names_a_stub(*ALL[name], capsys, {"targeted_fgsm": "tensor", "mix_batch": "pair",
                                                 "per_class_accuracy": "return"}[name])


# ---- exercise 1: targeted FGSM ----------------------------------------------------------------


def _step(model, x, t, eps, *, sign=-1.0, clamp=True, use_sign=True, reduce="mean"):
    x = x.clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), t, reduction=reduce)
    (grad,) = torch.autograd.grad(loss, x)
    out = x + sign * eps * (grad.sign() if use_sign else grad)
    return (out.clamp(-1, 1) if clamp else out).detach()


def test_targeted_fgsm_mistakes():
    rejects(checks.check_targeted_fgsm, lambda m, x, t, e: _step(m, x, t, e, sign=1.0),
            "away", "subtract")
    rejects(checks.check_targeted_fgsm, lambda m, x, t, e: _step(m, x, t, e, clamp=False),
            "clamp")
    rejects(checks.check_targeted_fgsm, lambda m, x, t, e: _step(m, x, t, e, use_sign=False),
            "sign")
    rejects(checks.check_targeted_fgsm, lambda m, x, t, e: x, "did not change")
    rejects(checks.check_targeted_fgsm, lambda m, x, t, e: x.flatten(1), "shape")
    rejects(checks.check_targeted_fgsm,
            lambda m, x, t, e: _step(m, x, t, 2 * e), "at most eps")

    def softmax_first(m, x, t, e):
        x = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(F.cross_entropy(m(x).softmax(1), t), x)
        return (x - e * g.sign()).clamp(-1, 1).detach()

    rejects(checks.check_targeted_fgsm, softmax_first, "logits")


def test_targeted_fgsm_with_a_summed_loss_or_nll_is_accepted():
    """The sign of the gradient does not care for the loss's scale or how it is written."""
    def nll(m, x, t, e):
        x = x.clone().requires_grad_(True)
        loss = F.nll_loss(F.log_softmax(m(x), dim=1), t, reduction="sum")
        loss.backward()
        return (x - e * x.grad.sign()).clamp(-1, 1)

    assert checks.check_targeted_fgsm(nll, quiet=True).ok
    assert checks.check_targeted_fgsm(lambda m, x, t, e: _step(m, x, t, e, reduce="sum"),
                                      quiet=True).ok


# ---- exercise 2: mixing real and generated batches ---------------------------------------------


def test_mix_batch_mistakes():
    def swapped(xr, yr, xg, yg, share):  # share taken as the real share
        return ref.mix_batch(xr, yr, xg, yg, 1 - share)

    def truncated(xr, yr, xg, yg, share):
        n = int(share * len(xr))
        return torch.cat([xr[:len(xr) - n], xg[:n]]), torch.cat([yr[:len(xr) - n], yg[:n]])

    def labels_misaligned(xr, yr, xg, yg, share):
        n = round(share * len(xr))
        return torch.cat([xr[:len(xr) - n], xg[:n]]), torch.cat([yg[:n], yr[:len(xr) - n]])

    def whole_batches(xr, yr, xg, yg, share):
        return torch.cat([xr, xg]), torch.cat([yr, yg])

    def last_rows(xr, yr, xg, yg, share):
        n = round(share * len(xr))
        return torch.cat([xr[n:], xg[len(xg) - n:]]), torch.cat([yr[n:], yg[len(yg) - n:]])

    rejects(checks.check_mix_batch, swapped, "generated", "swapped")
    rejects(checks.check_mix_batch, truncated, "round")
    rejects(checks.check_mix_batch, labels_misaligned, "labels", "their images")
    rejects(checks.check_mix_batch, whole_batches, "batch size")
    rejects(checks.check_mix_batch, last_rows, "first")


def test_mix_batch_generated_first_is_named():
    def gen_first(xr, yr, xg, yg, share):
        n = round(share * len(xr))
        return torch.cat([xg[:n], xr[:len(xr) - n]]), torch.cat([yg[:n], yr[:len(xr) - n]])

    rejects(checks.check_mix_batch, gen_first, "order", "real images first")


# ---- exercise 3: per-class accuracy from predictions ------------------------------------------


def test_per_class_accuracy_mistakes():
    def precision(pred, y, n):
        return torch.stack([(y[pred == k] == k).float().mean() for k in range(n)])

    rejects(checks.check_per_class_accuracy, lambda p, y, n: (p == y).float().mean(),
            "single number")
    rejects(checks.check_per_class_accuracy, precision, "predicted", "asked for")
    rejects(checks.check_per_class_accuracy,
            lambda p, y, n: torch.stack([((p == k) & (y == k)).sum() for k in range(n)]).float(),
            "counts")
