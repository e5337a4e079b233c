"""Checks for lesson 05, DCGAN (notebooks/05_dcgan.ipynb).

In a notebook::

    from gan_course.checks import lesson05 as checks
    checks.check_dcgan_init(dcgan_init)

Each ``check_*`` runs the learner's function (and, where values matter, the reference in
`gan_course.solutions.lesson05`) on seeded inputs, prints one ✅/❌ line naming what differs, and
returns a `Feedback` (truthy when right). A check never raises on a wrong answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from gan_course.checks._core import Feedback, finish, forgot_return, leaf_modules, run_learner
from gan_course.solutions import lesson05 as ref

__all__ = ["check_dcgan_init", "check_discriminator", "check_receptive_field",
           "check_generator_without_batchnorm", "check_digits"]

_POOLS = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveMaxPool2d, nn.AdaptiveAvgPool2d)
_CONVS = (nn.Conv2d, nn.ConvTranspose2d)


# --------------------------------------------------------------------------- exercise 1


def _init_target() -> nn.Module:
    """A DCGAN-shaped model, large enough for the weight statistics to be sharp."""
    torch.manual_seed(0)
    return nn.Sequential(
        nn.ConvTranspose2d(100, 256, 7, bias=False), nn.BatchNorm2d(256), nn.ReLU(),
        nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(128),
        nn.ReLU(), nn.Conv2d(128, 64, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 1, 7), nn.Tanh(),
    )


def _stats_problem(name: str, t: torch.Tensor, mean: float, std: float) -> str | None:
    m, s = t.mean().item(), t.std().item()
    tol = 4 * std / t.numel() ** 0.5 + 1e-6  # four standard errors of the mean
    if s < 1e-7:
        return (f"{name} are all {m:.4g}: they were not drawn at random; use "
                f"nn.init.normal_(..., mean={mean:g}, std={std:g})")
    if not 0.8 * std < s < 1.2 * std:
        hint = " (0.02 is the standard deviation, not the variance)" if abs(s - std**0.5) < 0.2 * std**0.5 else ""
        return f"{name} have standard deviation {s:.4f}, expected {std:g}{hint}"
    if abs(m - mean) > max(tol, 0.02 * std):
        return f"{name} have mean {m:.4f}, expected {mean:g}"
    return None


def check_dcgan_init(fn: Callable[[nn.Module], Any], *, quiet: bool = False) -> Feedback:
    """``model.apply(fn)``: conv weights ~ N(0, 0.02) and biases 0, BatchNorm scale ~ N(1, 0.02)
    and shift 0; ReLU, Tanh and the containers untouched."""
    model = _init_target()
    _, err = run_learner(model.apply, fn)
    if err:
        if "NoneType" in err or "'bias'" in err:
            err += (". Convolutions followed by BatchNorm have bias=False (m.bias is None): "
                    "only zero the bias when it exists")
        return finish(err.replace("your function", "model.apply(your function)"),
                      "", quiet=quiet)
    problem = None
    for i, m in enumerate(leaf_modules(model)):
        kind = type(m).__name__
        if isinstance(m, _CONVS):
            problem = _stats_problem(f"layer {i} ({kind}) weights", m.weight.detach(), 0.0, 0.02)
            if problem is None and m.bias is not None and m.bias.abs().max() > 0:
                problem = f"layer {i} ({kind}) has a bias that is not 0"
        elif isinstance(m, nn.BatchNorm2d):
            if m.weight.detach().abs().mean() < 0.5:
                problem = (f"layer {i} (BatchNorm2d) has scale weights around "
                           f"{m.weight.mean().item():.3f}: BatchNorm's scale gamma should start "
                           "near 1 (N(1, 0.02)), or every feature map starts switched off")
            else:
                problem = _stats_problem(f"layer {i} (BatchNorm2d) scale weights",
                                         m.weight.detach(), 1.0, 0.02)
            if problem is None and m.bias.abs().max() > 0:
                problem = f"layer {i} (BatchNorm2d) has a shift (bias) that is not 0"
        if problem:
            break
    return finish(problem, "conv weights ~ N(0, 0.02), biases 0; BatchNorm scale ~ N(1, 0.02), "
                  "shift 0.", quiet=quiet)


# --------------------------------------------------------------------------- exercise 2


def _discriminator_problem(fn: Callable[[int], nn.Module]) -> str | None:
    torch.manual_seed(0)
    model, err = run_learner(fn, 8)
    if err:
        return err
    if not isinstance(model, nn.Module):
        return f"expected an nn.Module (e.g. nn.Sequential), got {type(model).__name__}"
    layers = leaf_modules(model)
    if any(isinstance(m, _POOLS) for m in layers):
        return "found a pooling layer: let a stride-2 convolution do the downsampling"
    if any(isinstance(m, nn.Linear) and m.out_features > 1 for m in layers):
        return "found a fully connected hidden layer: use convolutions only"
    if any(isinstance(m, (nn.Sigmoid, nn.Softmax)) for m in layers):
        return "D should return logits: remove the final sigmoid (the loss applies it)"
    if any(type(m) is nn.ReLU for m in layers):
        return "found nn.ReLU in D: the guidelines use LeakyReLU(0.2) in the discriminator"
    leaky = [m for m in layers if isinstance(m, nn.LeakyReLU)]
    if not leaky:
        return "expected LeakyReLU(0.2) activations, found none"
    if any(abs(m.negative_slope - 0.2) > 1e-9 for m in leaky):
        return f"LeakyReLU slopes {[m.negative_slope for m in leaky]}: expected 0.2"
    convs = [m for m in layers if isinstance(m, nn.Conv2d)]
    if sum(1 for m in convs if m.stride == (2, 2)) < 2:
        return "expected two stride-2 convolutions (28 -> 14 -> 7)"
    if not any(isinstance(m, nn.BatchNorm2d) for m in layers):
        return "expected BatchNorm2d on the hidden convolution"
    first = layers.index(convs[0])
    if first + 1 < len(layers) and isinstance(layers[first + 1], nn.BatchNorm2d):
        return ("the first convolution is followed by BatchNorm: leave the layer that sees the "
                "raw pixels unnormalised")
    x = torch.randn(5, 1, 28, 28, generator=torch.Generator().manual_seed(1)).clamp(-1, 1)
    model.train()
    out, err = run_learner(model, x)
    if err:
        return err.replace("your function", "your model")
    if not isinstance(out, torch.Tensor):
        return f"expected the model to return a tensor, got {type(out).__name__}"
    if tuple(out.shape) != (5,):
        hint = " (flatten it, e.g. nn.Flatten(0) or .view(-1))" if out.numel() == 5 else ""
        return f"for x of shape (5, 1, 28, 28) expected logits of shape (5,), got {tuple(out.shape)}{hint}"
    if out.std() < 1e-6:
        return "D gives the same score to every image"
    return None


def check_discriminator(fn: Callable[[int], nn.Module], *, quiet: bool = False) -> Feedback:
    """``fn(c)``: a DCGAN discriminator for 28x28 built to the guidelines; logits (B,)."""
    return finish(_discriminator_problem(fn), "strided convs without pooling, LeakyReLU(0.2), "
                  "BatchNorm after the first layer, no dense hidden layer, logits (B,).",
                  quiet=quiet)


# --------------------------------------------------------------------------- exercise 3

_FIELD_CASES = [
    ([], "no layer at all"),
    ([(3, 1)], "one 3x3 conv"),
    ([(3, 1), (3, 1)], "two 3x3 convs, stride 1"),
    ([(4, 2), (4, 2)], "two 4x4 stride-2 convs"),
    ([(4, 2), (4, 2), (7, 1)], "the course's DCGAN discriminator"),
    ([(5, 2), (5, 2), (5, 2), (5, 1)], "the slides article's discriminator"),
    ([(2, 2), (2, 2), (2, 2), (3, 1)], "three 2x2 stride-2 convs, then 3x3"),
]


def check_receptive_field(fn: Callable[[list[tuple[int, int]]], int], *,
                          quiet: bool = False) -> Feedback:
    """``fn(layers)``: receptive field in input pixels of a stack of (kernel, stride) convs."""
    problem = None
    for layers, name in _FIELD_CASES:
        expected = ref.receptive_field(layers)
        got, err = run_learner(fn, list(layers))
        if err:
            problem = f"{name} {layers}: {err}"
        elif got is None:
            problem = forgot_return(f"{name}: your function returned None")
        elif isinstance(got, bool) or not isinstance(got, (int, float)) or got != expected:
            problem = f"{name} {layers}: expected {expected}, got {got!r}"
            if not layers:
                problem += " (with no layer each output is one input pixel)"
            elif got == sum(k for k, _ in layers) - len(layers) + 1:
                problem += (" (that ignores the strides: after a stride-2 layer, neighbouring "
                            "units are 2 input pixels apart)")
        if problem:
            break
    return finish(problem, f"receptive fields right for all {len(_FIELD_CASES)} stacks "
                  "(the course's D sees 34 pixels, the whole 28x28 digit).", quiet=quiet)


# --------------------------------------------------------------------------- exercise 4


def _ablation_problem(fn: Callable[..., nn.Module]) -> str | None:
    torch.manual_seed(0)
    model, err = run_learner(fn, 100, 8)
    if err:
        return err
    if not isinstance(model, nn.Module):
        return f"expected an nn.Module (e.g. nn.Sequential), got {type(model).__name__}"
    layers = leaf_modules(model)
    norms = [type(m).__name__ for m in layers
             if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.InstanceNorm2d, nn.LayerNorm,
                               nn.GroupNorm))]
    if norms:
        return f"the ablated generator still has normalisation layers: {norms}"
    reference = [m for m in leaf_modules(ref.generator_without_batchnorm(100, 8)) if isinstance(m, _CONVS)]
    convs = [m for m in layers if isinstance(m, _CONVS)]
    shapes = [(type(m).__name__, tuple(m.weight.shape), m.stride) for m in convs]
    expected = [(type(m).__name__, tuple(m.weight.shape), m.stride) for m in reference]
    if shapes != expected:
        return (f"for latent_dim=100, c=8 expected the DCGAN generator's convolutions "
                f"{expected}, got {shapes}: remove only the BatchNorm layers")
    if any(m.bias is None for m in convs):
        return ("some convolutions have bias=False: with BatchNorm gone nothing shifts their "
                "output any more, so give them their bias back")
    if not isinstance(layers[-1], nn.Tanh):
        return f"the last layer should be nn.Tanh (images in [-1, 1]), got {type(layers[-1]).__name__}"
    hidden = [type(m).__name__ for m in layers[:-1]
              if not isinstance(m, (*_CONVS, nn.Unflatten, nn.Flatten))]
    if hidden != ["ReLU"] * 3:
        return f"expected a ReLU after each of the three transposed convs, got {hidden}"
    z = torch.randn(4, 100, generator=torch.Generator().manual_seed(2))
    out, err = run_learner(model, z)
    if err:
        return err.replace("your function", "your model") + " (it takes z of shape (B, 100))"
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (4, 1, 28, 28):
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        return f"for z of shape (4, 100) expected images (4, 1, 28, 28), got {got}"
    return None


def check_generator_without_batchnorm(fn: Callable[..., nn.Module], *,
                                      quiet: bool = False) -> Feedback:
    """``fn(latent_dim, c)``: the DCGAN generator with its BatchNorm layers removed."""
    return finish(_ablation_problem(fn), "the DCGAN generator without BatchNorm: same convs "
                  "(with biases), ReLU, tanh, z (B, latent_dim) -> (B, 1, 28, 28).", quiet=quiet)


# --------------------------------------------------------------------------- an outcome check


def _digit_images(obj: Any, n: int) -> tuple[torch.Tensor | None, int | None, str | None]:
    """(images (n, 1, 28, 28), steps trained or None, problem): from a dashboard, a trainer or
    a batch of images."""
    from gan_course.training import Trainer

    if isinstance(obj, torch.Tensor):
        return obj.detach(), None, None
    trainer = getattr(obj, "trainer", obj)
    if not isinstance(trainer, Trainer):
        return None, None, (f"expected a dashboard, a Trainer or a batch of images, got "
                            f"{type(obj).__name__}")
    if getattr(obj, "running", False):
        return None, None, ("the dashboard is still training: press Pause (or let the run "
                            "finish), then run this cell again")
    gen = torch.Generator().manual_seed(2024)  # the same noise for every call
    z = torch.randn(n, trainer.config.latent_dim, generator=gen)
    if trainer.config.noise == "uniform":
        z = torch.rand(n, trainer.config.latent_dim, generator=gen) * 2 - 1
    return trainer.generate(z), trainer.step_count, None


def check_digits(obj: Any, *, min_classes: int = 10, max_fid: float = 100.0,
                 min_inception: float = 7.0, max_share: float = 0.25, min_steps: int = 500,
                 n: int = 2000, quiet: bool = False) -> Feedback:
    """Does the learner's MNIST GAN draw digits? An outcome check on images.

    Draws ``n`` digits (G's weight average when the trainer keeps one; a fixed noise batch),
    scores them with the course classifier (`metrics.mnist_scores`) and asks for all of:
    at least ``min_classes`` digit classes, no class above ``max_share`` of the samples, an
    FID-like distance of at most ``max_fid`` and an IS-like score of at least
    ``min_inception``. The defaults are met by lesson 5's DCGAN after about 2,000 steps.

    Args:
        obj: a `live.Dashboard` (paused), a `Trainer`, or images (n, 1, 28, 28) in [-1, 1].
        min_steps: a trainer must have trained at least this many steps.
    """
    from gan_course import metrics

    images, steps, problem = _digit_images(obj, n)
    if problem:
        return finish(problem, "", quiet=quiet)
    if steps is not None and steps < min_steps:
        return finish(f"the GAN trained only {steps} steps; train at least {min_steps} (press "
                      "Start, or run the cells above in learner mode)", "", quiet=quiet)
    if images.dim() != 4 or tuple(images.shape[1:]) != (1, 28, 28):
        return finish(f"expected images of shape (N, 1, 28, 28), got {tuple(images.shape)}", "",
                      quiet=quiet)
    if not torch.isfinite(images).all():
        return finish("G outputs NaN or inf: the run diverged; reset and lower the learning "
                      "rates", "", quiet=quiet)
    s = metrics.mnist_scores(images.clamp(-1, 1))
    share = max(s["class_hist"])
    got = (f"{s['class_coverage']}/10 classes (largest {share:.0%}), FID-like {s['fid']:.0f}, "
           f"IS-like {s['inception_score']:.2f}" + (f" after {steps} steps" if steps else ""))
    short = []
    if s["class_coverage"] < min_classes or share > max_share:
        short.append(f"at least {min_classes} classes and none above {max_share:.0%} (fewer, "
                     "or one class taking over, is mode collapse: look at the grid)")
    if s["fid"] > max_fid:
        short.append(f"FID-like at most {max_fid:.0f} (lower is closer to real digits; it falls "
                     "with training)")
    if s["inception_score"] < min_inception:
        short.append(f"IS-like at least {min_inception:.1f} (confident, varied classes)")
    if short:
        return finish(f"{got}; needed " + "; ".join(short), "", quiet=quiet)
    return finish(None, f"digits: {got} (needed >= {min_classes} classes, FID-like <= "
                  f"{max_fid:.0f}, IS-like >= {min_inception:.1f}).", quiet=quiet)
