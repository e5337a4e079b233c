"""Checks for lesson 06, the Wasserstein GAN (notebooks/06_wgan.ipynb).

Each ``check_*`` runs the learner's function and the reference (`gan_course.solutions.lesson06`)
on seeded inputs, prints one ✅/❌ line naming what differs, and returns a `Feedback`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_course.checks._core import (
    Feedback,
    close,
    compare,
    finish,
    forgot_return,
    run_learner,
    typical_mistake,
)
from gan_course.solutions import lesson06 as ref

__all__ = ["check_gradient_penalty", "check_critic_loss", "check_generator_loss", "check_emd_1d"]


def _scalar(got: Any, name: str) -> tuple[Tensor | None, str | None]:
    """The learner's result as a 0-d tensor, or a message saying why it is not one."""
    if got is None:
        return None, forgot_return(f"{name} returned None")
    if not isinstance(got, Tensor):
        return None, (f"expected {name} to return a tensor, got {type(got).__name__}"
                      + (" (did you call .item()? Keep the tensor: the optimizer needs its "
                         "gradient)" if isinstance(got, float) else ""))
    if got.numel() != 1:
        return None, (f"expected {name} to return one number (shape ()), got shape "
                      f"{tuple(got.shape)}: average over the batch with .mean()")
    return got.reshape(()), None


# ---------------------------------------------------------------------------- gradient penalty


class _PointCritic(nn.Module):
    """A small MLP critic for 2-D points (B, 2) -> (B,); smooth, so every case has curvature."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                                 nn.Linear(16, 1))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(1)  # (B,)


class _ImageCritic(nn.Module):
    """A tiny conv critic for images (B, 1, 8, 8) -> (B,)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, stride=2, padding=1)  # (B, 4, 4, 4)
        self.head = nn.Linear(4 * 4 * 4, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(torch.tanh(self.conv(x)).flatten(1)).squeeze(1)  # (B,)


def _gp_cases() -> list[tuple[str, nn.Module, Tensor, Tensor, Tensor]]:
    g = torch.Generator().manual_seed(6)
    cases = []
    torch.manual_seed(6)
    critic = _PointCritic()
    x_real, x_fake = torch.randn(16, 2, generator=g), torch.randn(16, 2, generator=g) + 2.0
    cases.append(("2-D points (16, 2)", critic, x_real, x_fake, torch.rand(16, 1, generator=g)))
    torch.manual_seed(7)
    critic = _ImageCritic()
    x_real = torch.rand(6, 1, 8, 8, generator=g) * 2 - 1
    x_fake = torch.rand(6, 1, 8, 8, generator=g) * 2 - 1
    cases.append(("images (6, 1, 8, 8)", critic, x_real, x_fake, torch.rand(6, 1, 1, 1, generator=g)))
    return cases


def _gp_variants(critic: nn.Module, x_real: Tensor, x_fake: Tensor, eps: Tensor
                 ) -> list[tuple[float, str]]:
    """Typical wrong penalties: (their value, the explanation the learner should read)."""
    def grad_at(x_hat: Tensor, reduce: str = "sum") -> Tensor:
        x_hat = x_hat.detach().requires_grad_(True)
        scores = critic(x_hat)
        (grad,) = torch.autograd.grad(scores.sum() if reduce == "sum" else scores.mean(), x_hat)
        return grad

    x_hat = eps * x_real + (1 - eps) * x_fake
    grad = grad_at(x_hat)
    norm = grad.flatten(1).norm(dim=1)  # (B,) the right norm
    out = [
        ((norm - 1).abs().mean(), "the square is missing: the penalty is the mean of "
         "(||grad|| - 1)**2, not of |(||grad|| - 1)|"),
        ((norm - 1).mean(), "the square is missing: (||grad|| - 1) must be squared before the "
         "mean"),
        ((norm**2).mean(), "the `- 1` is missing: the penalty pulls the norm towards 1, "
         "(||grad|| - 1)**2, not towards 0"),
        (((norm**2 - 1) ** 2).mean(), "you squared the norm: use the norm itself, "
         "(||grad||_2 - 1)**2, not (||grad||**2 - 1)**2"),
        (10 * ((norm - 1) ** 2).mean(), "the value is lambda = 10 times the reference: return "
         "the penalty without its weight (the training loop multiplies by lambda)"),
        (((grad_at(eps * x_fake + (1 - eps) * x_real).flatten(1).norm(dim=1) - 1) ** 2).mean(),
         "the interpolates are mixed the wrong way round: x_hat = eps * x_real + (1 - eps) * "
         "x_fake"),
        (((grad_at(x_hat, "mean").flatten(1).norm(dim=1) - 1) ** 2).mean(),
         "the gradient is of scores.mean(), which divides every sample's gradient by the batch "
         "size; differentiate scores.sum() (each score depends only on its own sample)"),
        (((grad.flatten(1).norm(dim=0) - 1) ** 2).mean(), "the norm runs over the wrong "
         "dimension: one norm per sample, over all of its coordinates (dim 0 is the batch)"),
        ((grad.norm() - 1) ** 2, "you took one norm of the whole batch's gradient: take one "
         "norm per sample, grad.flatten(1).norm(2, dim=1)"),
    ]
    if grad.dim() > 2:
        out += [
            (((grad.norm(dim=1) - 1) ** 2).mean(), "for images the norm must cover all of a "
             "sample's pixels, not one dimension: flatten each sample first, "
             "grad.flatten(1).norm(2, dim=1)"),
            (((grad.norm(dim=-1) - 1) ** 2).mean(), "for images the norm must cover all of a "
             "sample's pixels, not the last dimension: flatten each sample first, "
             "grad.flatten(1).norm(2, dim=1)"),
        ]
    return [(float(v), hint) for v, hint in out]


def _weight_grads(critic: nn.Module, penalty: Tensor) -> list[Tensor] | str:
    params = [p for p in critic.parameters()]
    grads = torch.autograd.grad(penalty, params, allow_unused=True)
    if all(g is None for g in grads):
        return ("the penalty does not depend on the critic's weights; compute it from the "
                "critic's gradient with torch.autograd.grad(..., create_graph=True)")
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads, strict=True)]


def check_gradient_penalty(fn: Callable[..., Tensor], *, quiet: bool = False) -> Feedback:
    """``fn(critic, x_real, x_fake, eps)``: mean of (||grad C(x_hat)||_2 - 1)^2 over the batch,
    x_hat = eps x_real + (1 - eps) x_fake; checked on 2-D points and on images, for its value
    and for the gradient it sends to the critic's weights."""
    for label, critic, x_real, x_fake, eps in _gp_cases():
        mine = copy.deepcopy(critic)
        got, err = run_learner(fn, mine, x_real.clone(), x_fake.clone(), eps.clone())
        if err is not None:
            if "does not require grad" in err:
                err += (". The interpolates must be a leaf that requires a gradient: "
                        "x_hat = (...).requires_grad_(True), before the critic sees them")
            elif "only for scalar outputs" in err:
                err += (". torch.autograd.grad needs a scalar output: differentiate "
                        "critic(x_hat).sum()")
            return finish(f"on {label}: {err}", "", quiet=quiet)
        penalty, problem = _scalar(got, "gradient_penalty")
        if problem is not None:
            return finish(f"on {label}: {problem}", "", quiet=quiet)
        expected = ref.gradient_penalty(critic, x_real, x_fake, eps)
        if not torch.isfinite(penalty):
            return finish(f"on {label}: the penalty is {penalty.item()}", "", quiet=quiet)
        if not close(penalty, expected):
            why = typical_mistake(penalty, _gp_variants(critic, x_real, x_fake, eps))
            return finish(f"on {label}: expected a penalty of {expected.item():.6g}, got "
                          f"{penalty.item():.6g}" + (f": {why}" if why else
                                                     ". Check each step against the formula"),
                          "", quiet=quiet)
        if penalty.grad_fn is None:
            return finish(
                f"on {label}: the value is right but the penalty has no grad_fn, so "
                "loss.backward() cannot move the critic's weights with it. Call "
                "torch.autograd.grad(..., create_graph=True): without it the gradient is a "
                "constant, cut off from the weights (and do not .detach() it)", "", quiet=quiet)
        got_grads = _weight_grads(mine, penalty)
        if isinstance(got_grads, str):
            return finish(f"on {label}: {got_grads}", "", quiet=quiet)
        want_grads = _weight_grads(critic, expected)
        for (name, _), g, w in zip(critic.named_parameters(), got_grads, want_grads, strict=True):
            diff = compare(g, w, name=f"the penalty's gradient w.r.t. the critic's {name}",
                           atol=1e-5, rtol=1e-3)
            if diff is not None:
                return finish(f"on {label}: {diff}", "", quiet=quiet)
    return finish(None, "gradient_penalty: right value on points and images, and it trains the "
                  "critic (same gradient w.r.t. its weights as the reference)", quiet=quiet)


# ---------------------------------------------------------------------------- critic and G losses


def _scores(n: int, seed: int, shift: float = 0.0) -> Tensor:
    return torch.randn(n, generator=torch.Generator().manual_seed(seed)) + shift


def _loss_variants(c_real: Tensor, c_fake: Tensor) -> list[tuple[Tensor, str]]:
    return [
        (c_real.mean() - c_fake.mean(), "the sign is flipped: the critic *minimises* "
         "E[C(fake)] - E[C(real)], which pushes real scores up and fake scores down"),
        (F.softplus(-c_real).mean() + F.softplus(c_fake).mean(), "that looks like binary "
         "cross-entropy: a critic's scores are not logits, use the plain means of the scores, "
         "no sigmoid or log"),
        (c_fake.sum() - c_real.sum(), "use the mean over each batch, not the sum"),
    ]


def check_critic_loss(fn: Callable[[Tensor, Tensor], Tensor], *, quiet: bool = False
                      ) -> Feedback:
    """``fn(c_real, c_fake)``: E[C(fake)] - E[C(real)] from critic scores of shape (B,)."""
    cases = [(_scores(64, 1, 1.0), _scores(64, 2, -0.5)), (_scores(32, 3, -2.0), _scores(48, 4, 3.0))]
    for c_real, c_fake in cases:
        c_real.requires_grad_(True)
        got, err = run_learner(fn, c_real, c_fake)
        if err is not None:
            if "size of tensor" in err or "must match" in err:
                err += (". The real and fake batches may differ in size: take the mean of each "
                        "batch separately, c_fake.mean() - c_real.mean()")
            return finish(err, "", quiet=quiet)
        loss, problem = _scalar(got, "critic_loss")
        if problem is None:
            expected = ref.critic_loss(c_real, c_fake)
            if not close(loss, expected):
                why = (typical_mistake(loss, _loss_variants(c_real, c_fake))
                       or "compare with E[C(fake)] - E[C(real)]")
                problem = (f"for real scores of mean {c_real.mean():.3f} and fake scores of mean "
                           f"{c_fake.mean():.3f} expected {expected.item():.4f}, got "
                           f"{loss.item():.4f}: {why}")
            elif loss.grad_fn is None:
                problem = "the loss has no grad_fn: keep it a tensor computed from the scores"
        if problem is not None:
            return finish(problem, "", quiet=quiet)
    return finish(None, "critic_loss: E[C(fake)] - E[C(real)]; minus it is the critic's estimate "
                  "of the Wasserstein distance", quiet=quiet)


def check_generator_loss(fn: Callable[[Tensor], Tensor], *, quiet: bool = False) -> Feedback:
    """``fn(c_fake)``: -E[C(G(z))] from critic scores of shape (B,)."""
    for c_fake in (_scores(64, 5, 0.7), _scores(20, 6, -1.5)):
        c_fake.requires_grad_(True)
        got, err = run_learner(fn, c_fake)
        if err is not None:
            return finish(err, "", quiet=quiet)
        loss, problem = _scalar(got, "generator_loss")
        if problem is None:
            expected = ref.generator_loss(c_fake)
            variants = [
                (c_fake.mean(), "the sign is flipped: G wants the critic to score its fakes "
                 "*high*, so it minimises -E[C(G(z))]"),
                (F.softplus(-c_fake).mean(), "that looks like the non-saturating BCE loss: a "
                 "critic's scores are not logits, use minus their plain mean"),
                (-c_fake.sum(), "use the mean over the batch, not the sum"),
            ]
            if not close(loss, expected):
                why = typical_mistake(loss, variants) or "compare with -E[C(G(z))]"
                problem = (f"for fake scores of mean {c_fake.mean():.3f} expected "
                           f"{expected.item():.4f}, got {loss.item():.4f}: {why}")
            elif loss.grad_fn is None:
                problem = "the loss has no grad_fn: keep it a tensor computed from the scores"
        if problem is not None:
            return finish(problem, "", quiet=quiet)
    return finish(None, "generator_loss: -E[C(G(z))]", quiet=quiet)


# ---------------------------------------------------------------------------- 1-D EMD


def _emd_cases() -> list[tuple[str, Tensor, Tensor]]:
    g = torch.Generator().manual_seed(11)
    a = torch.randn(500, generator=g)
    b = 0.5 * torch.randn(500, generator=g) + 1.5
    c = torch.rand(300, generator=g) * 4 - 2
    d = torch.randn(300, generator=g) ** 2
    return [("N(0, 1) vs N(1.5, 0.5^2), shape (500,)", a, b),
            ("U(-2, 2) vs chi-square(1), shape (300, 1)", c[:, None], d[:, None]),
            ("a sample vs itself shuffled, shape (300,)", c, c[torch.randperm(300, generator=g)])]


def check_emd_1d(fn: Callable[[Tensor, Tensor], Any], *, quiet: bool = False) -> Feedback:
    """``fn(x, y)``: W1 of two equal-size 1-D samples, (N,) or (N, 1), from sorted samples."""
    for label, x, y in _emd_cases():
        got, err = run_learner(fn, x.clone(), y.clone())
        if err is not None:
            return finish(f"on {label}: {err}", "", quiet=quiet)
        if isinstance(got, Tensor) and got.numel() == 1:
            got = got.reshape(())
        expected = ref.emd_1d(x, y)
        diff = compare(got, expected, name="the distance", atol=1e-5)
        if diff is not None:
            xf, yf = x.reshape(-1), y.reshape(-1)
            xs, ys = xf.sort().values, yf.sort().values
            variants: list[tuple[Tensor, str]] = []
            if x.dim() == 2:  # checked first: for (N, 1) it equals "not sorted"
                variants.append(((x.sort().values - y.sort().values).abs().mean(),
                                 "for inputs of shape (N, 1), sorting along the last dimension "
                                 "sorts nothing: flatten first, x.reshape(-1)"))
            one_sorted = "only one sample is sorted: sort both"
            variants += [
                ((xf - yf).abs().mean(), "the samples are not sorted: W1 matches the i-th "
                 "smallest x with the i-th smallest y"),
                ((xs - yf).abs().mean(), one_sorted),
                ((xf - ys).abs().mean(), one_sorted),
                ((xf.mean() - yf.mean()).abs(), "that is |mean(x) - mean(y)|, which equals W1 "
                 "only when one sample is a shifted copy of the other; match sorted samples"),
                (((xs - ys) ** 2).mean(), "the difference is squared: W1 averages "
                 "|x_(i) - y_(i)|"),
                ((xs - ys.flip(0)).abs().mean(), "one sample is sorted in descending order: "
                 "sort both ascending"),
                ((xs - ys).abs().sum(), "use the mean over the N pairs, not the sum"),
                ((xs - ys).mean().abs(), "the absolute value is missing: distances are "
                 "|x_(i) - y_(i)|"),
            ]
            if isinstance(got, Tensor) and got.numel() == 1 or isinstance(got, float):
                why = typical_mistake(got, variants)
                if why is not None:
                    diff = f"expected {expected.item():.5f}, got {float(got):.5f}: {why}"
            return finish(f"on {label}: {diff}", "", quiet=quiet)
    return finish(None, "emd_1d: mean |x_(i) - y_(i)| over sorted samples, for (N,) and (N, 1)",
                  quiet=quiet)
