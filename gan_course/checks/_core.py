"""What every exercise check shares: running the learner's code safely, comparing results, and
naming the typical wrong answer a result equals.

The lessons' checks (``lessonNN.py``) keep their own diagnoses; the plumbing lives here:
`run` (call the learner's function on copies of the inputs, never raise), `compare` and `close`
(tolerances, and why), `forgot_return` (the hint for a function that returns None),
`typical_mistake` (a table of (value, hint) pairs), `diagnose` (a diagnosis that cannot crash)
and `finish` (print one ✅/❌ line).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from gan_course.checks import _progress

__all__ = ["Feedback", "compare", "close", "as_float64", "run_learner", "run", "forgot_return",
           "typical_mistake", "diagnose", "leaf_modules", "finish"]


@dataclass
class Feedback:
    """The outcome of a check: ``ok`` and a message naming what differed. Truthy when ok."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"{'✅' if self.ok else '❌'} {self.message}"


def _as_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, (np.ndarray, float, int, np.floating)) and not isinstance(value, bool):
        return torch.as_tensor(np.asarray(value, dtype=np.float64))
    return None


def compare(got: Any, expected: Any, *, name: str = "result", atol: float = 1e-5,
            rtol: float = 1e-4) -> str | None:
    """None if ``got`` matches ``expected`` (numbers, arrays or tensors), else what differs.

    Why a tolerance: the learner's code and the reference compute the same formula with other
    operations in another order (``x.sum() / n`` against ``x.mean()``, ``log(sigmoid)`` against
    ``logsigmoid``), and float32 rounds each order differently, by about 1e-7 relative per
    operation, and differently again on another CPU's kernels. The checks' inputs are a few
    hundred numbers of order 1, so honest reorderings stay below 1e-5; every typical mistake
    the checks name is off by far more (a factor, a sign, a missing term).
    """
    if got is None:
        return forgot_return(f"{name} is None")
    g, e = _as_tensor(got), _as_tensor(expected)
    if g is None:
        return f"expected {name} to be a tensor or a number, got {type(got).__name__}"
    if tuple(g.shape) != tuple(e.shape):
        return f"expected {name} of shape {tuple(e.shape)}, got {tuple(g.shape)}"
    g, e = g.double(), e.double()
    if not torch.isfinite(g).all():
        return f"{name} contains NaN or inf"
    if not torch.allclose(g, e, atol=atol, rtol=rtol):
        diff = (g - e).abs()
        where = int(diff.flatten().argmax())
        return (f"{name} differs from the reference: at flat index {where} expected "
                f"{e.flatten()[where].item():.6g}, got {g.flatten()[where].item():.6g} "
                f"(max abs difference {diff.max().item():.3g})")
    return None


def as_float64(value: Any) -> Tensor | None:
    """``value`` (a tensor, array, number or nested list) as a float64 tensor, or None when it is
    not numeric."""
    if isinstance(value, Tensor):
        value = value.detach()
    try:
        return torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return None


def close(got: Any, target: Any, *, atol: float = 1e-4, rtol: float = 1e-4) -> bool:
    """True when ``got`` has ``target``'s shape and values within the tolerance.

    A tolerance, not equality: see `compare` (the same formula in another order of operations).
    Both may be tensors, arrays, numbers or lists; anything not numeric is never close.
    """
    g, t = as_float64(got), as_float64(target)
    return (g is not None and t is not None and g.shape == t.shape
            and bool(torch.allclose(g, t, atol=atol, rtol=rtol)))


def forgot_return(what: str = "your function returned None", *, returns: str = "") -> str:
    """The hint for a learner's function that gave None: a missing ``return`` (of ``returns``),
    or the exercise's ``...`` still in place."""
    statement = f"return {returns}" if returns else "return"
    return f"{what}: did you forget `{statement}`, or leave `...` in it?"


def typical_mistake(got: Any, mistakes: Iterable[tuple[Any, str]], *, atol: float = 1e-4,
                    rtol: float = 1e-4) -> str | None:
    """The hint of the first typical wrong answer that ``got`` equals (`close`), else None.

    Args:
        got: the learner's result.
        mistakes: (value, hint) pairs: what a typical mistake computes on the check's inputs, and
            what to tell a learner who made it.
    """
    for value, hint in mistakes:
        if close(got, value, atol=atol, rtol=rtol):
            return hint
    return None


def diagnose(problem: Callable[..., str | None], got: Any, *args: Any) -> str | None:
    """``problem(got, *args)``, except that an odd result (a string, a nested list...) that
    makes the diagnosis itself fail is reported, never raised into the learner's notebook."""
    try:
        return problem(got, *args)
    except Exception as err:
        return f"could not read your result ({type(got).__name__}: {err}); return a tensor"


def leaf_modules(module: nn.Module) -> list[nn.Module]:
    """Modules without children, in the order they were registered (the order a Sequential
    runs them)."""
    return [m for m in module.modules() if not list(m.children())]


def run_learner(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, str | None]:
    """Call the learner's function; return (result, None) or (None, a readable error)."""
    if not callable(fn):
        return None, f"expected a function, got {type(fn).__name__}"
    try:
        return fn(*args, **kwargs), None
    except NotImplementedError:
        return None, "the function is not written yet (it raises NotImplementedError)"
    except Exception as err:  # the learner's bug: report it, don't crash the notebook
        frame = traceback.extract_tb(err.__traceback__)[-1]
        return None, f"your function raised {type(err).__name__}: {err} (line {frame.lineno})"


def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, str | None]:
    """`run_learner` on copies of the tensor arguments (the learner's in-place edits cannot leak
    into the reference's inputs), with `forgot_return`'s hint for a result of None."""
    args = tuple(a.clone() if isinstance(a, Tensor) else a for a in args)
    got, err = run_learner(fn, *args, **kwargs)
    if got is None and err is None:
        err = forgot_return()
    return got, err


def finish(problem: str | None, success: str, *, quiet: bool = False) -> Feedback:
    """Turn the first problem found (or None) into Feedback and print it."""
    fb = Feedback(problem is None, success if problem is None else f"Not yet: {problem}")
    if not quiet:
        print(repr(fb))
    _progress.record(fb.ok, fb.message)  # for the lesson's progress table (gc.checks.progress)
    return fb
