"""What every exercise check shares: running the learner's code safely and comparing results."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from gan_course.checks import _progress

__all__ = ["Feedback", "compare", "run_learner", "finish"]


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
        return f"{name} is None: did you forget `return`, or leave `...` in the function?"
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


def finish(problem: str | None, success: str, *, quiet: bool = False) -> Feedback:
    """Turn the first problem found (or None) into Feedback and print it."""
    fb = Feedback(problem is None, success if problem is None else f"Not yet: {problem}")
    if not quiet:
        print(repr(fb))
    _progress.record(fb.ok, fb.message)  # for the lesson's progress table (gc.checks.progress)
    return fb
