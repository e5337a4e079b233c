"""Checks for lesson 10, image-to-image translation (notebooks/10_image_translation.ipynb).

In a notebook::

    from gan_course.checks import lesson10 as checks
    checks.check_cycle_consistency_loss(cycle_consistency_loss)

Each ``check_*`` runs the learner's function and the reference in `gan_course.solutions.lesson10`
on seeded inputs, prints one ✅/❌ line naming what differs, and returns a `Feedback` (truthy when
right). A check never raises on a wrong answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from gan_course.checks._core import (
    Feedback,
    compare,
    finish,
    forgot_return,
    run_learner,
    typical_mistake,
)
from gan_course.solutions import lesson10 as ref

__all__ = ["check_cycle_consistency_loss", "check_patch_output_size",
           "check_pix2pix_generator_loss"]


def _scalar_problem(got: object, name: str = "the loss") -> str | None:
    if got is None:
        return forgot_return(f"{name} is None")
    if not isinstance(got, Tensor):
        return (f"expected {name} as a tensor (to call .backward() on), got "
                f"{type(got).__name__}: keep it in torch (no .item())")
    if got.dim() != 0:
        return f"expected a scalar (shape ()), got shape {tuple(got.shape)}: take the mean"
    return None


# --------------------------------------------------------------------------- exercise 1


def _toy_pair() -> tuple[nn.Module, nn.Module, Tensor, Tensor]:
    """Two different small conv maps (so mixing G and F up shows) and seeded batches."""
    torch.manual_seed(0)
    G = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.Tanh())
    F = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.Tanh())
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(4, 1, 8, 8, generator=gen) * 2 - 1
    y = torch.rand(4, 1, 8, 8, generator=gen) * 2 - 1
    return G, F, x, y


def _cycle_problem(fn: Callable[..., Tensor]) -> str | None:
    G, F, x, y = _toy_pair()
    got, err = run_learner(fn, G, F, x, y)
    if err:
        return err
    problem = _scalar_problem(got)
    if problem:
        return problem
    expected = ref.cycle_consistency_loss(G, F, x, y)
    forward = (F(G(x)) - x).abs().mean()
    backward = (G(F(y)) - y).abs().mean()
    mistakes = [
        (forward, "that is only the forward cycle F(G(x)) vs x: add G(F(y)) vs y"),
        (backward, "that is only the backward cycle G(F(y)) vs y: add F(G(x)) vs x"),
        (((F(G(x)) - x) ** 2).mean() + ((G(F(y)) - y) ** 2).mean(),
         "that is the squared error: the cycle loss is L1 (mean absolute difference)"),
        ((F(G(x)) - x).abs().sum() + (G(F(y)) - y).abs().sum(),
         "that is a sum over pixels: take the mean"),
        ((G(G(x)) - x).abs().mean() + (F(F(y)) - y).abs().mean(),
         "that applies G twice (and F twice): x goes X -> Y by G, then back Y -> X by F"),
        ((G(x) - x).abs().mean() + (F(y) - y).abs().mean(),
         "that compares G(x) with x (an identity loss): compare the round trip F(G(x)) with x"),
        ((F(G(x)) - y).abs().mean() + (G(F(y)) - x).abs().mean(),
         "that compares F(G(x)) with y: the round trip should come back to x"),
    ]
    hint = typical_mistake(got, mistakes, atol=1e-6, rtol=1e-5)
    if hint:
        return f"expected {expected.item():.5f}, got {got.item():.5f}: {hint}"
    problem = compare(got, expected, name="the cycle loss")
    if problem:
        return problem
    if not got.requires_grad:
        return "the loss carries no gradient: don't detach, and don't wrap it in torch.no_grad()"
    return None


def check_cycle_consistency_loss(fn: Callable[..., Tensor], *, quiet: bool = False) -> Feedback:
    """``fn(G, F, x, y)``: mean |F(G(x)) - x| + mean |G(F(y)) - y|, a differentiable scalar."""
    return finish(_cycle_problem(fn), "both cycles, L1, averaged over pixels: the cycle-consistency "
                  "loss.", quiet=quiet)


# --------------------------------------------------------------------------- exercise 2

_SIZE_CASES = [
    (28, [], "no layer"),
    (28, [(3, 1, 1)], "one 3x3 'same' conv"),
    (28, [(4, 2, 1)], "one 4x4 stride-2 conv, padding 1"),
    (28, [(4, 2, 1), (4, 2, 1), (3, 1, 1)], "the lesson's PatchGAN"),
    (28, [(5, 2, 0)], "one 5x5 stride-2 conv, no padding"),
    (256, [(4, 2, 1), (4, 2, 1), (4, 2, 1), (4, 1, 1), (4, 1, 1)], "pix2pix's 70x70 PatchGAN"),
    (7, [(7, 1, 0)], "lesson 05's last D layer"),
]


def _size_problem(fn: Callable[[int, Sequence[tuple[int, int, int]]], int]) -> str | None:
    for size, layers, name in _SIZE_CASES:
        expected = ref.patch_output_size(size, layers)
        got, err = run_learner(fn, size, list(layers))
        if err:
            return f"{name} on {size}x{size}: {err}"
        if got is None:
            return forgot_return(f"{name}: your function returned None")
        if isinstance(got, bool) or not isinstance(got, (int, float)) or got != expected:
            problem = f"{name} {layers} on {size}x{size}: expected {expected}, got {got!r}"
            h_nopad = size
            for k, s, _ in layers:
                h_nopad = (h_nopad - k) // s + 1
            h_noplus = size
            for k, s, p in layers:
                h_noplus = (h_noplus + 2 * p - k) // s
            if layers and got == h_nopad:
                problem += " (that ignores the padding: it adds 2p to the side)"
            elif layers and got == h_noplus:
                problem += " (each conv gives floor((h + 2p - k) / s) + 1: the + 1 is missing)"
            elif isinstance(got, float):
                problem += " (sizes are whole numbers: use floor division //)"
            return problem
    return None


def check_patch_output_size(fn: Callable[[int, Sequence[tuple[int, int, int]]], int], *,
                            quiet: bool = False) -> Feedback:
    """``fn(size, layers)``: side of the output map of (kernel, stride, padding) convs."""
    return finish(_size_problem(fn), f"output sizes right for all {len(_SIZE_CASES)} stacks (the "
                  "lesson's PatchGAN gives a 7x7 map of scores on a 28x28 digit).", quiet=quiet)


# --------------------------------------------------------------------------- exercise 3


def _pix2pix_problem(fn: Callable[..., Tensor]) -> str | None:
    gen = torch.Generator().manual_seed(3)
    d_fake = torch.randn(4, 1, 7, 7, generator=gen)
    y_real = torch.rand(4, 1, 28, 28, generator=gen) * 2 - 1
    y_fake = (torch.rand(4, 1, 28, 28, generator=gen) * 2 - 1).requires_grad_(True)
    lam = 7.0
    got, err = run_learner(fn, d_fake, y_fake, y_real, lam)
    if err:
        return err
    problem = _scalar_problem(got)
    if problem:
        return problem
    expected = ref.pix2pix_generator_loss(d_fake, y_fake, y_real, lam)
    adv = 0.5 * ((d_fake - 1) ** 2).mean()
    l1 = (y_fake - y_real).abs().mean()
    bce = nn.functional.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))
    mistakes = [
        (adv, "that is the adversarial term alone: add lambda_l1 times the L1 distance"),
        (lam * l1, "that is the L1 term alone: add the adversarial term"),
        (adv + l1, "lambda_l1 is missing: multiply the L1 term by it"),
        (lam * adv + l1, "lambda_l1 weighs the L1 term, not the adversarial one"),
        (adv + lam * ((y_fake - y_real) ** 2).mean(),
         "that is a squared (L2) distance: pix2pix uses L1, which blurs less"),
        (2 * adv + lam * l1, "the least-squares term is 0.5 * mean((d_fake - 1)^2): the 1/2 is missing"),
        (bce + lam * l1, "that is the cross-entropy adversarial term: the lesson's GANs use least "
         "squares, 0.5 * mean((d_fake - 1)^2)"),
        (0.5 * (d_fake ** 2).mean() + lam * l1,
         "G wants D to score its fakes 1 (real): use (d_fake - 1)^2, not d_fake^2"),
        (adv + lam * (y_fake - y_real).abs().sum(), "the L1 term is summed: take its mean"),
    ]
    hint = typical_mistake(got, mistakes, atol=1e-5, rtol=1e-5)
    if hint:
        return f"expected {expected.item():.5f}, got {got.item():.5f}: {hint}"
    problem = compare(got, expected, name="the loss")
    if problem:
        return problem
    if not got.requires_grad:
        grad = None
    else:
        (grad,) = torch.autograd.grad(got, y_fake, allow_unused=True)
    if grad is None or grad.abs().max() == 0:
        return "no gradient reaches y_fake = G(x): don't detach it (G learns through this loss)"
    return None


def check_pix2pix_generator_loss(fn: Callable[..., Tensor], *, quiet: bool = False) -> Feedback:
    """``fn(d_fake, y_fake, y_real, lambda_l1)``: least-squares adversarial + lambda_l1 * L1."""
    return finish(_pix2pix_problem(fn), "adversarial (least squares, every patch) + lambda_l1 * "
                  "L1: pix2pix's generator loss.", quiet=quiet)
