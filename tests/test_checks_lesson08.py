"""Lesson 08's checks accept the reference answers and reject typical wrong ones, saying why."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from checkhelp import rejects

from gan_course.checks import lesson08 as checks
from gan_course.solutions import lesson08 as ref

ALL = ((checks.check_condition, ref.condition),
       (checks.check_conditional_d_loss, ref.conditional_d_loss),
       (checks.check_per_class_accuracy, ref.per_class_accuracy),
       (checks.check_attribute_direction, ref.attribute_direction))






def test_unfinished_answers_are_reported_not_raised():
    def todo(*args):
        raise NotImplementedError

    for check, _ in ALL:
        rejects(check, todo, "not written yet")
    rejects(checks.check_condition, lambda *a: None, "tensor")


# ---- exercise 1: [z, one_hot(y)] -------------------------------------------------------------


def test_condition_mistakes():
    rejects(checks.check_condition, lambda z, y, n: torch.cat([z, y[:, None].float()], 1),
            "one number", "one-hot")
    rejects(checks.check_condition, lambda z, y, n: torch.cat([z, F.one_hot(y).float()], 1),
            "num_classes")
    rejects(checks.check_condition, lambda z, y, n: torch.cat([F.one_hot(y, n).float(), z], 1),
            "z first")
    rejects(checks.check_condition, lambda z, y, n: torch.cat([z.long(), F.one_hot(y, n)], 1),
            "float")
    rejects(checks.check_condition, lambda z, y, n: torch.stack([z, z]), "shape")


# ---- exercise 2: the conditional D loss -------------------------------------------------------


def test_d_loss_mistakes():
    rejects(checks.check_conditional_d_loss,
            lambda D, xr, xf, y: F.softplus(-D(xr)).mean() + F.softplus(D(xf)).mean(),
            "needs the labels", "D(x, y)")
    rejects(checks.check_conditional_d_loss,
            lambda D, xr, xf, y: F.softplus(D(xr, y)).mean() + F.softplus(-D(xf, y)).mean(),
            "swapped")
    rejects(checks.check_conditional_d_loss,
            lambda D, xr, xf, y: (F.softplus(-D(xr, y)).mean()
                                  + F.softplus(D(xf, (y + 1) % 10)).mean()), "other labels")
    rejects(checks.check_conditional_d_loss,
            lambda D, xr, xf, y: F.softplus(-D(xr, y)).sum() + F.softplus(D(xf, y)).sum(), "mean")
    rejects(checks.check_conditional_d_loss,
            lambda D, xr, xf, y: F.softplus(-D(xr, y)) + F.softplus(D(xf, y)), "scalar")
    rejects(checks.check_conditional_d_loss,
            lambda D, xr, xf, y: (F.binary_cross_entropy_with_logits(torch.sigmoid(D(xr, y)),
                                                                     torch.ones(len(y)))
                                  + F.binary_cross_entropy_with_logits(torch.sigmoid(D(xf, y)),
                                                                       torch.zeros(len(y)))),
            "sigmoid")
    rejects(checks.check_conditional_d_loss,
            lambda D, xr, xf, y: torch.tensor(1.0), "no gradient")


def test_d_loss_with_bce_is_accepted():
    def bce(D, x_real, x_fake, y):
        d_real, d_fake = D(x_real, y), D(x_fake, y)
        return (F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real))
                + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))

    assert checks.check_conditional_d_loss(bce, quiet=True).ok


# ---- exercise 3: per-class accuracy -----------------------------------------------------------


def test_accuracy_mistakes():
    rejects(checks.check_per_class_accuracy,
            lambda p, y, n: (p.argmax(1) == y).float().mean(), "single number")

    def precision(p, y, n):
        pred = p.argmax(1)
        return torch.stack([(y[pred == k] == k).float().mean() for k in range(n)])

    def counts(p, y, n):
        pred = p.argmax(1)
        return torch.stack([((pred == k) & (y == k)).sum() for k in range(n)]).float()

    rejects(checks.check_per_class_accuracy, precision, "predicted", "asked for")
    rejects(checks.check_per_class_accuracy, counts, "counts")
    rejects(checks.check_per_class_accuracy, lambda p, y, n: torch.zeros(10), "differs")


# ---- exercise 4: an attribute direction -------------------------------------------------------


def test_direction_mistakes():
    def unnormalised(z, a, k):
        order = a.argsort()
        return z[order[-k:]].mean(0) - z[order[:k]].mean(0)

    def median_split(z, a, k):
        high = a > a.median()
        d = z[high].mean(0) - z[~high].mean(0)
        return d / d.norm()

    rejects(checks.check_attribute_direction, lambda z, a, k: -ref.attribute_direction(z, a, k),
            "wrong way")
    rejects(checks.check_attribute_direction, unnormalised, "norm")
    rejects(checks.check_attribute_direction, median_split, "k highest")
    rejects(checks.check_attribute_direction,
            lambda z, a, k: z[a.argsort()[-k:]].mean(1), "shape (6,)")
