"""Checks for lesson 08, conditional GANs (notebooks/08_conditional.ipynb).

In a notebook::

    from gan_course.checks import lesson08 as checks
    checks.check_condition(condition)

Each ``check_*`` runs the learner's function and the reference in
`gan_course.solutions.lesson08` on seeded inputs, prints one ✅/❌ line naming what differs, and
returns a `Feedback` (truthy when right). A check never raises on a wrong answer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_course.checks._core import Feedback, close, compare, finish, run_learner, typical_mistake
from gan_course.solutions import lesson08 as ref

__all__ = ["check_condition", "check_conditional_d_loss", "check_per_class_accuracy",
           "check_attribute_direction"]


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


_close = functools.partial(close, atol=1e-5)  # these checks' inputs are of order 1


# --------------------------------------------------------------------------- exercise 1


def _condition_problem(fn: Callable[[Tensor, Tensor, int], Tensor]) -> str | None:
    z = torch.randn(6, 5, generator=_gen(0))
    y = torch.tensor([0, 2, 1, 2, 0, 1])  # labels below 9: a one_hot without n_classes is short
    expected = ref.condition(z, y, 10)
    got, err = run_learner(fn, z.clone(), y.clone(), 10)
    if err:
        return err
    if not isinstance(got, Tensor):
        return f"expected a tensor, got {type(got).__name__}"
    if got.shape == (6, 6):
        return ("expected shape (6, 15) for z (6, 5) and 10 classes, got (6, 6): the label went "
                "in as one number; turn it into a one-hot row of 10 first")
    if got.shape == (6, 8):
        return ("expected shape (6, 15), got (6, 8): F.one_hot(y) without num_classes makes "
                "only max(y) + 1 columns; pass n_classes")
    if got.shape != expected.shape:
        return f"for z (6, 5), y (6,) and 10 classes expected shape (6, 15), got {tuple(got.shape)}"
    if not got.is_floating_point():
        return f"expected a float tensor (the network's input), got {got.dtype}"
    if _close(got, torch.cat([F.one_hot(y, 10).float(), z], dim=1)):
        return "the one-hot part comes first: put z first, then one_hot(y) (dim=1)"
    return compare(got, expected, name="[z, one_hot(y)]")


def check_condition(fn: Callable[[Tensor, Tensor, int], Tensor], *, quiet: bool = False) -> Feedback:
    """``fn(z, y, n_classes)``: z (B, d) then one_hot(y) (B, n_classes), as floats (B, d + n_classes)."""
    return finish(_condition_problem(fn), "G's input is [z, one_hot(y)]: (B, latent_dim + n_classes).",
                  quiet=quiet)


# --------------------------------------------------------------------------- exercise 2


class _LabelledD(nn.Module):
    """A small conditional D whose score depends strongly on the label (so ignoring it shows)."""

    n_classes = 10

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.body = nn.Linear(4, 10)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return self.body(x.flatten(1)).gather(1, y[:, None]).squeeze(1)  # (B,)


def _d_loss_problem(fn: Callable[..., Tensor]) -> str | None:
    D = _LabelledD()
    x_real = torch.randn(32, 4, generator=_gen(1)) + 1
    x_fake = torch.randn(32, 4, generator=_gen(2))
    y = torch.randint(10, (32,), generator=_gen(3))
    expected = ref.conditional_d_loss(D, x_real, x_fake, y)
    got, err = run_learner(fn, D, x_real, x_fake, y)
    if err:
        if "positional argument" in err and "'y'" in err:
            err += ". A conditional D needs the labels: call D(x, y)"
        return err
    if not isinstance(got, Tensor):
        return f"expected a tensor, got {type(got).__name__}"
    if got.dim() != 0:
        return f"expected a scalar loss (shape ()), got shape {tuple(got.shape)}: take the mean"
    if not got.requires_grad:
        return "the loss carries no gradient: compute it from D's outputs with torch operations"
    d_real, d_fake = D(x_real, y), D(x_fake, y)
    mistakes = [
        (F.softplus(d_real).mean() + F.softplus(-d_fake).mean(), "the real and fake terms are "
         "swapped: D should score real images high, fakes low"),
        (F.softplus(-d_real).mean() + F.softplus(D(x_fake, (y + 1) % 10)).mean(), "the fakes are "
         "scored with other labels: use the labels y they were drawn for"),
        (F.softplus(-d_real).sum() + F.softplus(d_fake).sum(), "a sum over the batch: take the "
         "mean so the loss does not grow with the batch size"),
        (F.binary_cross_entropy_with_logits(torch.sigmoid(d_real), torch.ones(32))
         + F.binary_cross_entropy_with_logits(torch.sigmoid(d_fake), torch.zeros(32)),
         "D returns logits: the sigmoid belongs in the loss once, not twice (use "
         "F.binary_cross_entropy_with_logits or softplus on the raw scores)"),
    ]
    return typical_mistake(got, mistakes, atol=1e-5) or compare(got, expected, name="loss_D")


def check_conditional_d_loss(fn: Callable[..., Tensor], *, quiet: bool = False) -> Feedback:
    """``fn(D, x_real, x_fake, y)``: the non-saturating D loss with both batches scored for y."""
    return finish(_d_loss_problem(fn), "loss_D = BCE(D(x_real, y), 1) + BCE(D(x_fake, y), 0), "
                  "batch means.", quiet=quiet)


# --------------------------------------------------------------------------- exercise 3


def _accuracy_problem(fn: Callable[..., Tensor]) -> str | None:
    g = _gen(4)
    y = torch.randint(10, (300,), generator=g)
    logits = torch.randn(300, 10, generator=g)
    logits[torch.arange(300), y] += 1.5 * torch.arange(300).remainder(3)  # 0, 1.5 or 3: mixed
    logits[:, 3] += 1.0  # the classifier likes "3": its precision and recall differ
    probs = logits.softmax(dim=1)
    expected = ref.per_class_accuracy(probs, y, 10)
    got, err = run_learner(fn, probs.clone(), y.clone(), 10)
    if err:
        return err
    if not isinstance(got, Tensor):
        got = torch.as_tensor(got) if got is not None else got
    if isinstance(got, Tensor) and got.numel() == 1:
        return ("expected one accuracy per class, shape (10,), got a single number (the overall "
                "accuracy?)")
    if isinstance(got, Tensor) and got.shape == (10,):
        pred = probs.argmax(dim=1)
        precision = torch.stack([(y[pred == k] == k).float().mean() for k in range(10)])
        if _close(got.double(), precision.double()):
            return ("you divided by how often each class was *predicted*; accuracy per requested "
                    "class divides by how often it was *asked for* (group by y)")
        counts = torch.stack([((pred == k) & (y == k)).sum() for k in range(10)])
        if _close(got.double(), counts.double()):
            return "these are counts: divide by the number of samples asked for in each class"
    return compare(got, expected, name="per-class accuracy")


def check_per_class_accuracy(fn: Callable[..., Tensor], *, quiet: bool = False) -> Feedback:
    """``fn(probs, y, n_classes)``: for each requested class, the share read as that class."""
    return finish(_accuracy_problem(fn), "per-class accuracy right: (10,), one share per "
                  "requested digit.", quiet=quiet)


# --------------------------------------------------------------------------- exercise 4


def _direction_problem(fn: Callable[..., Tensor]) -> str | None:
    g = _gen(5)
    z = torch.randn(400, 6, generator=g)
    attribute = z @ torch.tensor([2.0, -1.0, 0.0, 0.5, 0.0, 0.0]) + 0.3 * torch.randn(400, generator=g)
    k = 50
    expected = ref.attribute_direction(z, attribute, k)
    got, err = run_learner(fn, z.clone(), attribute.clone(), k)
    if err:
        return err
    if not isinstance(got, Tensor):
        return f"expected a tensor, got {type(got).__name__}"
    if got.shape != (6,):
        return (f"for z (400, 6) expected a direction of shape (6,), got {tuple(got.shape)}: "
                "average over the samples (dim=0)")
    if _close(got.double(), expected.double()):
        return None
    if _close(got.double(), -expected.double()):
        return "it points the wrong way: from the low group's mean to the high group's"
    if abs(got.norm().item() - 1) > 1e-4 and _close((got / got.norm()).double(), expected.double()):
        return f"right direction, length {got.norm():.3g}: divide by its norm (unit length)"
    cos = float(got @ expected / (got.norm() * expected.norm() + 1e-12))
    if cos > 0.9:
        return (f"close (cosine {cos:.3f}) but not the same: use exactly the k highest and the "
                "k lowest samples by the attribute")
    return compare(got, expected, name="direction")


def check_attribute_direction(fn: Callable[..., Tensor], *, quiet: bool = False) -> Feedback:
    """``fn(z, attribute, k)``: unit vector from the mean z of the k lowest to the k highest."""
    return finish(_direction_problem(fn), "a unit direction from low to high attribute.",
                  quiet=quiet)
