"""Checks for lesson 03, the generator (notebooks/03_generator.ipynb).

Each ``check_*`` runs the learner's function and the reference (`gan_course.solutions.lesson03`)
on seeded inputs, prints one ✅/❌ line naming what differs, and returns a `Feedback`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from gan_course.checks._core import (
    Feedback,
    compare,
    finish,
    forgot_return,
    keeps_torch_rng,
    leaf_modules,
    run_learner,
)
from gan_course.solutions import lesson03 as ref

__all__ = [
    "check_generator_block",
    "check_dense_params",
    "check_conv_params",
    "check_slerp",
    "check_convt_output_size",
    "check_one_step_upsampler",
]


def _block_problem(block: Any, c_in: int, c_out: int) -> str | None:
    """What is wrong with one generator block built for (c_in, c_out), or None."""
    if not isinstance(block, nn.Module):
        return f"expected an nn.Module (e.g. nn.Sequential), got {type(block).__name__}"
    leaves = leaf_modules(block)
    kinds = [type(m).__name__ for m in leaves]
    if any(isinstance(m, nn.Conv2d) for m in leaves):
        return (f"your block uses nn.Conv2d ({kinds}); the article's layer is a transposed "
                "convolution, nn.ConvTranspose2d (Keras' Conv2DTranspose)")
    if any(isinstance(m, nn.LeakyReLU) for m in leaves):
        return "the slides article's generator uses ReLU, not LeakyReLU, after BatchNorm"
    x = torch.randn(2, c_in, 7, 7, generator=torch.Generator().manual_seed(0))
    block.train()
    try:
        with torch.no_grad():
            y = block(x)
    except Exception as err:
        return (f"running your block (c_in={c_in}, c_out={c_out}) on an input of shape "
                f"{tuple(x.shape)} raised {type(err).__name__}: {err}")
    if not isinstance(y, torch.Tensor):
        return f"expected the block to return a tensor, got {type(y).__name__}"
    expected_shape = (2, c_out, 14, 14)
    if tuple(y.shape) != expected_shape:
        hint = ""
        if y.dim() == 4 and y.shape[-1] == 7:
            hint = ": the size did not double; start with nn.Upsample(scale_factor=2)"
        elif y.dim() == 4 and y.shape[-1] in (18, 10, 16, 12):
            hint = (": a 5x5 transposed conv keeps the size only with padding=2 and stride 1 "
                    "('same' in Keras)")
        elif y.dim() == 4 and y.shape[-1] == 28:
            hint = ": the size doubled twice; upsample once and keep the conv's stride at 1"
        elif y.dim() == 4 and y.shape[1] != c_out:
            hint = f": the block must end with {c_out} channels (c_out)"
        return (f"for c_in={c_in}, c_out={c_out} and an input of shape {tuple(x.shape)} expected "
                f"an output of shape {expected_shape}, got {tuple(y.shape)}{hint}")
    n_params = sum(p.numel() for p in block.parameters() if p.requires_grad)
    conv = 25 * c_in * c_out + c_out
    expected = conv + 2 * c_out
    if n_params != expected:
        if n_params == conv:
            hint = "no BatchNorm2d? It adds a scale and a shift per channel (2 * c_out)"
        elif n_params == expected - c_out:
            hint = "the conv has no bias; the article's Conv2DTranspose keeps Keras' default bias"
        elif n_params == 9 * c_in * c_out + 3 * c_out:
            hint = "that is a 3x3 kernel; the article uses 5x5"
        else:
            hint = f"layers found: {kinds}"
        return (f"for c_in={c_in}, c_out={c_out} expected {expected:,} trainable parameters "
                f"(5*5*{c_in}*{c_out} + {c_out} for the conv, 2*{c_out} for BatchNorm), got "
                f"{n_params:,}: {hint}")
    if not any(isinstance(m, nn.BatchNorm2d) for m in leaves):
        return f"expected an nn.BatchNorm2d in the block, found {kinds}"
    if y.min() < 0:
        return ("some outputs are negative: the block must end in ReLU, after BatchNorm "
                f"(order Upsample -> ConvTranspose2d -> BatchNorm2d -> ReLU; yours {kinds})")
    return None


@keeps_torch_rng
def check_generator_block(fn: Callable[[int, int], nn.Module], *, quiet: bool = False) -> Feedback:
    """``fn(c_in, c_out)`` must build Upsample(x2) -> ConvTranspose2d 5x5 'same' -> BatchNorm2d ->
    ReLU; checked on shapes, parameter counts and, with the same seed, values."""
    for c_in, c_out in [(8, 4), (3, 5), (256, 128)]:
        torch.manual_seed(0)
        block, err = run_learner(fn, c_in, c_out)
        if err is None and block is None:
            err = forgot_return()
        problem = err or _block_problem(block, c_in, c_out)
        if problem is not None:
            return finish(problem, "", quiet=quiet)
        # Same seed, same layer order -> the conv gets the same initial weights as the reference.
        torch.manual_seed(0)
        expected_block = ref.generator_block(c_in, c_out).train()
        x = torch.randn(2, c_in, 7, 7, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            diff = compare(block(x), expected_block(x), name="the block's output", atol=1e-4)
        if diff is not None:
            return finish(
                f"{diff}. Shapes and parameter counts are right; check the order Upsample -> "
                "ConvTranspose2d -> BatchNorm2d -> ReLU, that nn.Upsample uses its default "
                "mode 'nearest' (Keras' UpSampling2D repeats pixels), and that the conv is "
                "the only layer created with random weights", "", quiet=quiet)
    return finish(None, "generator_block: right shapes (B, c_out, 2H, 2W), right parameter "
                  "counts (the article's convt2 block has 819,584), same values as the reference",
                  quiet=quiet)


def _count_problem(fn: Callable[..., Any], cases: list[tuple[tuple[int, ...], int, str]],
                   name: str, wrong: Callable[[tuple[int, ...], int], str | None]) -> str | None:
    for args, expected, label in cases:
        got, err = run_learner(fn, *args)
        if err is not None:
            return err
        if got is None:
            return forgot_return(f"{name}{args} returned None")
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            return f"expected {name}{args} to return an int, got {type(got).__name__}"
        if not isinstance(got, numbers.Integral):
            if float(got) != int(got):
                return f"expected {name}{args} to be a whole number, got {got}"
            if int(got) == expected:
                return (f"{name}{args} = {got} is right but a float; return an int "
                        "(use * and + only, or int(...))")
        if int(got) != expected:
            hint = wrong(args, int(got)) or "compare with the torch layer's weight and bias shapes"
            return f"{name}{args} (the {label}): expected {expected:,}, got {int(got):,}: {hint}"
    return None


@keeps_torch_rng
def check_dense_params(fn: Callable[[int, int], int], *, quiet: bool = False) -> Feedback:
    """``fn(n_in, n_out)``: trainable parameters of ``nn.Linear(n_in, n_out)``."""
    cases = [
        ((100, 12544), "slides article's dense1"),
        ((100, 256), "Keras article's first dense layer"),
        ((1024, 784), "Keras article's output layer"),
        ((2, 128), "2-D toy generator's first layer"),
        ((3, 1), "a 3 -> 1 layer"),
    ]
    full = [(a, sum(p.numel() for p in nn.Linear(*a).parameters()), lab) for a, lab in cases]

    def wrong(args: tuple[int, ...], got: int) -> str | None:
        n_in, n_out = args
        if got == n_in * n_out:
            return f"you counted the weights only; add one bias per output unit (+{n_out})"
        if got == n_in * n_out + n_in:
            return f"one bias per *output* unit: + n_out ({n_out}), not + n_in ({n_in})"
        if got == (n_in + 1) * (n_out + 1):
            return "there is no bias on the input side: n_in * n_out + n_out"
        return None

    problem = _count_problem(fn, full, "dense_params", wrong)
    return finish(problem, "dense_params matches torch's nn.Linear on 5 layers, the source articles' "
                  "included (100 -> 12544: 1,266,944)", quiet=quiet)


@keeps_torch_rng
def check_conv_params(fn: Callable[[int, int, int], int], *, quiet: bool = False) -> Feedback:
    """``fn(c_in, c_out, k)``: trainable parameters of a k x k (transposed) conv with bias."""
    cases = [
        ((256, 128, 5), "slides article's convt2"),
        ((128, 64, 5), "slides article's convt3"),
        ((32, 1, 5), "slides article's convt5"),
        ((1, 64, 5), "slides article's first discriminator conv"),
        ((3, 16, 3), "a 3x3 conv"),
        ((2, 7, 4), "a 4x4 conv"),
    ]
    full = []
    for args, label in cases:
        c_in, c_out, k = args
        n_t = sum(p.numel() for p in nn.ConvTranspose2d(c_in, c_out, k).parameters())
        n_c = sum(p.numel() for p in nn.Conv2d(c_in, c_out, k).parameters())
        assert n_t == n_c  # same count for a convolution and its transpose
        full.append((args, n_t, label))

    def wrong(args: tuple[int, ...], got: int) -> str | None:
        c_in, c_out, k = args
        if got == k * k * c_in * c_out:
            return f"you counted the weights only; add one bias per output channel (+{c_out})"
        if got == k * c_in * c_out + c_out:
            return f"a {k}x{k} kernel has k*k = {k * k} weights per (input, output) channel pair"
        if got == k * k * c_in * c_out + c_in:
            return f"one bias per *output* channel: + c_out ({c_out}), not + c_in ({c_in})"
        if got == k * k * c_out + c_out:
            return "every output channel has one k x k kernel *per input channel*: times c_in"
        if got == k * k + c_out or got == k * k + 1:
            return "the kernel count is c_in * c_out, each k x k"
        return None

    problem = _count_problem(fn, full, "conv_params", wrong)
    return finish(problem, "conv_params matches torch's Conv2d / ConvTranspose2d on 6 layers, "
                  "the article's included (256 -> 128, 5x5: 819,328)", quiet=quiet)


@keeps_torch_rng
def check_slerp(fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor], *,
                quiet: bool = False) -> Feedback:
    """``fn(z0, z1, t)`` with z0, z1 of shape (d,) and t in [0, 1]: spherical interpolation."""
    g = torch.Generator().manual_seed(3)
    z0, z1 = torch.randn(100, generator=g), torch.randn(100, generator=g)
    e0 = torch.zeros(100)
    e0[0] = 1.0  # a unit vector: its cosine with 3 * e0 is exactly 1, so the angle is exactly 0
    cases = [
        (z0, z1, 0.0, "random z0, z1 in 100-D, t=0"),
        (z0, z1, 1.0, "random z0, z1 in 100-D, t=1"),
        (z0, z1, 0.5, "random z0, z1 in 100-D, t=0.5"),
        (z0, z1, 0.25, "random z0, z1 in 100-D, t=0.25"),
        (z0[:2], -0.5 * z0[:2].flip(0), 0.7, "2-D vectors at an angle, t=0.7"),
        (e0, 3.0 * e0, 0.3, "parallel z0 and z1 = 3 * z0, t=0.3"),
        (z0, z0.clone(), 0.5, "z1 equal to z0, t=0.5"),
    ]
    for a, b, t, label in cases:
        got, err = run_learner(fn, a.clone(), b.clone(), t)
        if err is not None:
            where = "" if "not written yet" in err else f" (case: {label})"
            return finish(err + where, "", quiet=quiet)
        expected = ref.slerp(a, b, t)
        diff = compare(got, expected, name="slerp's result", atol=1e-4)
        if diff is None:
            continue
        if isinstance(got, torch.Tensor) and got.shape == expected.shape:
            got = got.detach()
            if not torch.isfinite(got).all():
                diff = ("the result has NaN or inf: clamp the cosine to [-1, 1] before acos, and "
                        "when sin(angle) is ~0 (parallel vectors) fall back to linear "
                        "interpolation")
            elif torch.allclose(got, (1 - t) * a + t * b, atol=1e-4):
                diff = (f"that is linear interpolation: slerp follows the arc, at t=0.5 between "
                        f"these z its norm is {ref.slerp(z0, z1, 0.5).norm():.2f}, the straight "
                        f"line's midpoint only {(0.5 * (z0 + z1)).norm():.2f}")
            elif torch.allclose(got, ref.slerp(a, b, 1 - t), atol=1e-4):
                diff = "t runs the wrong way: slerp(z0, z1, 0) must be z0 and (z0, z1, 1) z1"
        return finish(f"{diff} (case: {label})", "", quiet=quiet)
    return finish(None, "slerp matches the reference: endpoints, arcs, and parallel vectors "
                  "(falls back to a straight line)", quiet=quiet)


@keeps_torch_rng
def check_convt_output_size(fn: Callable[..., int], *, quiet: bool = False) -> Feedback:
    """``fn(h_in, k, stride, padding, output_padding)``: size after nn.ConvTranspose2d."""
    cases = [
        ((7, 5, 1, 2, 0), "the slides article's 'same' 5x5"),
        ((7, 4, 2, 1, 0), "DCGAN's stride-2 4x4"),
        ((1, 7, 1, 0, 0), "DCGAN's first layer, z as a 1x1 image"),
        ((4, 3, 2, 1, 1), "a stride-2 3x3 with output_padding 1"),
        ((5, 3, 2, 0, 0), "a stride-2 3x3 without padding"),
        ((6, 5, 3, 2, 2), "a stride-3 5x5 with output_padding 2"),
    ]
    for args, label in cases:
        h, k, s, p, op = args
        layer = nn.ConvTranspose2d(1, 1, k, stride=s, padding=p, output_padding=op)
        expected = layer(torch.zeros(1, 1, h, h)).shape[-1]
        got, err = run_learner(fn, h, k, s, p, op)
        if err is not None:
            return finish(err, "", quiet=quiet)
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = got.item()
        if got is None or isinstance(got, bool) or not isinstance(got, numbers.Real):
            return finish(f"expected an int, got {got!r}", "", quiet=quiet)
        if got == expected and isinstance(got, numbers.Integral):
            continue
        if got == expected:
            hint = "right value but not an int; avoid / (use only *, + and -)"
        elif got == (h + 2 * p - k) // s + 1:
            hint = ("that is a normal convolution's formula (it shrinks the image); the "
                    "transposed conv runs it backwards: solve h_in = (h_out + 2p - k) / s + 1 "
                    "for h_out")
        elif got == expected - op:
            hint = "add output_padding: it adds rows at the bottom/right"
        elif got == (h - 1) * s + k + op:
            hint = "padding removes 2 * padding rows (one band each side)"
        elif got == h * s - 2 * p + k + op:
            hint = "the stride spreads the h_in inputs over (h_in - 1) gaps, not h_in"
        else:
            hint = "think of where the first and last input pixel's k x k footprint lands"
        return finish(f"for h_in={h}, k={k}, stride={s}, padding={p}, output_padding={op} "
                      f"({label}) torch gives {expected}, you gave {got}: {hint}", "",
                      quiet=quiet)
    return finish(None, "convt_output_size matches torch on 6 layers, DCGAN's and the article's "
                  "included", quiet=quiet)


def _upsampler_problem(layer: Any, c_in: int, c_out: int) -> str | None:
    """What is wrong with a one-layer 7x7 -> 28x28 upsampler built for (c_in, c_out), or None."""
    if isinstance(layer, nn.Conv2d):
        return ("that is a plain nn.Conv2d: a convolution shrinks its input (or keeps its size); "
                "growing 7x7 to 28x28 takes an nn.ConvTranspose2d")
    if isinstance(layer, nn.Module) and not isinstance(layer, nn.ConvTranspose2d):
        kinds = [type(m).__name__ for m in leaf_modules(layer)]
        return (f"expected one nn.ConvTranspose2d, got {type(layer).__name__} of {kinds}: the "
                "exercise asks for a single layer doing all of the growing")
    if not isinstance(layer, nn.ConvTranspose2d):
        return f"expected an nn.ConvTranspose2d, got {type(layer).__name__}"
    x = torch.zeros(2, c_in, 7, 7)
    try:
        with torch.no_grad():
            y = layer(x)
    except Exception as err:
        return (f"running your layer (c_in={c_in}, c_out={c_out}) on an input of shape "
                f"{tuple(x.shape)} raised {type(err).__name__}: {err}")
    (kh, kw), (sh, sw) = layer.kernel_size, layer.stride
    (ph, _), (oh, _) = layer.padding, layer.output_padding
    if tuple(y.shape) != (2, c_out, 28, 28):
        hint = ""
        if y.shape[1] != c_out:
            hint = f": the layer must end with c_out = {c_out} channels"
        elif y.shape[-1] != 28 or y.shape[-2] != 28:
            hint = (f": (7 - 1) * {sh} - 2 * {ph} + {kh} + {oh} = {y.shape[-2]} (your "
                    "convt_output_size); pick the stride first, then the kernel")
        return (f"for c_in={c_in}, c_out={c_out} expected an output of shape (2, {c_out}, 28, 28) "
                f"from {tuple(x.shape)}, got {tuple(y.shape)}{hint}")
    if min(sh, sw) < 2:
        return (f"stride {sh} reaches 28 only with a {kh}x{kw} kernel ({kh * kw} weights per "
                "channel pair) and every output pixel sums many stamps; let the stride do the "
                "growing (stride 4 takes 7 to about 28)")
    if kh % sh or kw % sw:
        return (f"kernel {kh}x{kw} with stride {sh}: the kernel size is not a multiple of the "
                "stride, so the stamps overlap unevenly and the layer paints the checkerboard of "
                "section 4 (count with all weights 1); choose k a multiple of the stride")
    return None


@keeps_torch_rng
def check_one_step_upsampler(fn: Callable[[int, int], nn.Module], *,
                             quiet: bool = False) -> Feedback:
    """``fn(c_in, c_out)``: ONE nn.ConvTranspose2d from (B, c_in, 7, 7) to (B, c_out, 28, 28)
    whose stamps overlap evenly (kernel size a multiple of the stride, stride >= 2)."""
    for c_in, c_out in [(8, 4), (3, 1)]:
        layer, err = run_learner(fn, c_in, c_out)
        if err is None and layer is None:
            err = forgot_return(returns="nn.ConvTranspose2d(...)")
        problem = err or _upsampler_problem(layer, c_in, c_out)
        if problem is not None:
            return finish(problem, "", quiet=quiet)
    k, s = layer.kernel_size[0], layer.stride[0]
    return finish(None, f"one layer takes 7x7 to 28x28 (kernel {k}, stride {s}), and its stamps "
                  "overlap evenly: no uneven-overlap checkerboard", quiet=quiet)
