"""Checks for lesson 11, GANs at work (notebooks/11_applications.ipynb).

In a notebook::

    from gan_course.checks import lesson11 as checks
    checks.check_targeted_fgsm(targeted_fgsm)

Each ``check_*`` runs the learner's function and the reference in
`gan_course.solutions.lesson11` on seeded inputs, prints one ✅/❌ line naming what differs, and
returns a `Feedback` (truthy when right). A check never raises on a wrong answer.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_course.checks import lesson08
from gan_course.checks._core import Feedback, compare, finish, run_learner
from gan_course.solutions import lesson11 as ref

__all__ = ["check_targeted_fgsm", "check_mix_batch", "check_per_class_accuracy"]


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# --------------------------------------------------------------------------- exercise 1


def _model() -> nn.Module:
    """A seeded linear classifier of 28x28 images: its input gradients are known and dense."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10)).eval()


def _step(model: nn.Module, x: Tensor, labels: Tensor, eps: float, *, sign: float = -1.0,
          clamp: bool = True, use_sign: bool = True, softmax: bool = False) -> Tensor:
    """Variants of one gradient step, for naming the learner's mistake."""
    x = x.clone().requires_grad_(True)
    logits = model(x)
    loss = F.cross_entropy(logits.softmax(dim=1) if softmax else logits, labels)
    (grad,) = torch.autograd.grad(loss, x)
    out = x + sign * eps * (grad.sign() if use_sign else grad)
    return (out.clamp(-1, 1) if clamp else out).detach()


def _fgsm_problem(fn: Callable[..., Tensor]) -> str | None:
    model = _model()
    g = _gen(11)
    x = torch.where(torch.rand(16, 1, 28, 28, generator=g) < 0.8, -1.0,
                    torch.rand(16, 1, 28, 28, generator=g) * 2 - 1)  # background -1, some ink
    target = torch.randint(10, (16,), generator=g)
    eps = 0.25
    expected = ref.targeted_fgsm(model, x, target, eps)
    got, err = run_learner(fn, model, x.clone(), target.clone(), eps)
    if err:
        return err
    if not isinstance(got, Tensor):
        return f"expected a tensor of images, got {type(got).__name__}"
    if got.shape != x.shape:
        return f"expected the images' shape {tuple(x.shape)}, got {tuple(got.shape)}"
    got = got.detach()
    if torch.equal(got, x):
        return "the images did not change: add eps times the sign of the gradient"
    wrong = {
        "it moves *away* from the target (that is the untargeted attack): to make the target "
        "class more likely, step against the gradient of its loss (subtract)":
            _step(model, x, target, eps, sign=1.0),
        "the values leave the image range: clamp the result to [-1, 1]":
            _step(model, x, target, eps, clamp=False),
        "FGSM steps by the *sign* of the gradient (every pixel moves by eps), not the gradient":
            _step(model, x, target, eps, use_sign=False),
        "the model returns logits: F.cross_entropy applies the softmax itself, so do not apply "
        "it before": _step(model, x, target, eps, softmax=True),
    }
    for message, value in wrong.items():
        if torch.allclose(got, value, atol=1e-6):
            return message
    moved = (got - x).abs().amax().item()
    if abs(moved - eps) > 1e-5 and moved > 0:
        return f"expected every pixel to move by at most eps = {eps}, got up to {moved:.3g}"
    return compare(got, expected, name="x_adv")


def check_targeted_fgsm(fn: Callable[..., Tensor], *, quiet: bool = False) -> Feedback:
    """``fn(model, x, target, eps)``: x - eps * sign(grad_x J(x, target)), clamped to [-1, 1]."""
    return finish(_fgsm_problem(fn), "targeted FGSM right: one eps step against the target's "
                  "loss gradient, in [-1, 1].", quiet=quiet)


# --------------------------------------------------------------------------- exercise 2


def _mix_problem(fn: Callable[..., tuple[Tensor, Tensor]]) -> str | None:
    # Each image is constant and holds its own id: real ids 0..11, generated ids 100..111; the
    # label is id mod 10 for real ones and (id + 5) mod 10 for generated ones, so swapping or
    # shifting labels shows.
    ids_real, ids_gen = torch.arange(12.0), 100 + torch.arange(12.0)
    x_real = ids_real[:, None, None, None].expand(-1, 1, 28, 28).clone()
    x_gen = ids_gen[:, None, None, None].expand(-1, 1, 28, 28).clone()
    y_real, y_gen = ids_real.long() % 10, (ids_gen.long() + 5) % 10
    for share in (0.3, 0.0, 1.0):
        expected = ref.mix_batch(x_real, y_real, x_gen, y_gen, share)
        got, err = run_learner(fn, x_real.clone(), y_real.clone(), x_gen.clone(), y_gen.clone(),
                               share)
        if err:
            return err
        if not (isinstance(got, tuple | list) and len(got) == 2
                and all(isinstance(t, Tensor) for t in got)):
            return "expected a pair (x, y) of tensors"
        x, y = got
        n_gen = round(share * 12)
        if x.shape != x_real.shape or y.shape != y_real.shape:
            return (f"for batches of 12 expected x (12, 1, 28, 28) and y (12,), got "
                    f"{tuple(x.shape)} and {tuple(y.shape)}: the mixed batch keeps the batch size")
        ids = x[:, 0, 0, 0]
        if not bool(torch.isin(ids, torch.cat([ids_real, ids_gen])).all()):
            return "the images were changed: take rows of the two batches as they are"
        got_gen = int((ids >= 100).sum())
        if got_gen == 12 - n_gen and got_gen != n_gen:
            return (f"share = {share} is the share of *generated* images: expected {n_gen} of 12, "
                    f"got {got_gen} (real and generated swapped)")
        if got_gen != n_gen:
            how = " (int() cuts 3.6 down to 3: round it)" if share == 0.3 and got_gen == 3 else ""
            return f"with share = {share} expected round({share} * 12) = {n_gen} generated, got {got_gen}{how}"
        label_of = torch.where(ids >= 100, (ids.long() + 5) % 10, ids.long() % 10)
        if not torch.equal(y, label_of):
            return "the labels no longer belong to their images: take each label with its image"
        want = torch.cat([ids_real[:12 - n_gen], ids_gen[:n_gen]])
        if not torch.equal(ids.sort().values, want.sort().values):
            return ("take the *first* rows of each batch (the batches are already random), "
                    "expected real rows 0..{} and generated rows 0..{}".format(11 - n_gen, n_gen - 1))
        if not torch.equal(ids, expected[0][:, 0, 0, 0]):
            return "right rows, other order: put the real images first, then the generated ones"
    return None


def check_mix_batch(fn: Callable[..., tuple[Tensor, Tensor]], *, quiet: bool = False) -> Feedback:
    """``fn(x_real, y_real, x_gen, y_gen, share)``: B rows, round(share * B) of them generated."""
    return finish(_mix_problem(fn), "mixed batch right: the batch size kept, round(share * B) "
                  "generated images, each with its label.", quiet=quiet)


# --------------------------------------------------------------------------- exercise 3


def check_per_class_accuracy(fn: Callable[..., Tensor], *, quiet: bool = False) -> Feedback:
    """``fn(predicted, y, n_classes)``: for each true class, the share predicted as that class.

    Lesson 08's check, fed with predictions (N,) instead of probabilities: the same mistakes
    (precision instead of recall, counts, one overall number) get the same messages.
    """
    problem = lesson08._accuracy_problem(lambda probs, y, n: fn(probs.argmax(dim=1), y, n))
    return finish(problem, "per-class accuracy right: (10,), the share of each true class "
                  "predicted as itself.", quiet=quiet)
