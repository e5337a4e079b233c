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
           "typical_mistake", "diagnose", "leaf_modules", "finish", "reference", "solution",
           "yours_or_reference", "check_prediction"]


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


def keeps_torch_rng(check: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: run ``check`` on a copy of torch's global random state. A check that builds
    layers (the learner's and the reference's) then leaves the lesson's random stream as it
    was, so the cells after a build cell draw the same numbers whatever the learner wrote."""
    import functools

    @functools.wraps(check)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with torch.random.fork_rng():
            return check(*args, **kwargs)
    return wrapped


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


# --------------------------------------------------------------------------- reference answers
# Added for the lessons' build cells (issue 18): the reference answers, reachable on request.

SOLUTIONS = "gan_course.solutions"


def _split_name(name: object) -> tuple[str, str]:
    if not isinstance(name, str) or not name.startswith("lesson"):
        raise ValueError(f"expected a name like 'lesson01.fit_gaussian' (lesson, dot, function), "
                         f"got {name!r}")
    lesson, _, attr = name.partition(".")
    return lesson, attr


def _solutions_module(lesson: str):
    import importlib
    import pkgutil

    import gan_course.solutions as package

    lessons = sorted(m.name for m in pkgutil.iter_modules(package.__path__))
    if lesson not in lessons:
        raise ValueError(f"no reference answers for {lesson!r}; there are: {', '.join(lessons)}")
    return importlib.import_module(f"{SOLUTIONS}.{lesson}")


def reference(name: str) -> Any:
    """The reference answer ``name`` ("lessonNN.function"), from ``gan_course.solutions``.

    Raises:
        ValueError: naming the answers that exist, when ``name`` is not one of them.
    """
    lesson, attr = _split_name(name)
    module = _solutions_module(lesson)
    names = list(getattr(module, "__all__", []))
    if attr not in names:
        raise ValueError(f"no reference answer {name!r}; {lesson} has: {', '.join(names)}")
    return getattr(module, attr)


def _source(module: Any, attr: str) -> str:
    """The source of one module-level name: a function or class, or a constant's assignment."""
    import ast
    import inspect

    obj = getattr(module, attr)
    if inspect.isfunction(obj) or inspect.isclass(obj):
        return inspect.getsource(obj)
    text = inspect.getsource(module)
    for node in ast.parse(text).body:  # a constant: print the statement that assigns it
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == attr for t in targets):
            return ast.get_source_segment(text, node) + "\n"
    return f"{attr} = {obj!r}\n"


def solution(name: str) -> None:
    """Print a reference answer's source, on request: ``gc.checks.solution("lesson01.fit_gaussian")``.

    ``solution("lesson01")`` lists the names that lesson has. Try the exercise first: the
    checks and the hints are there to get you to an answer of your own. Never raises: a wrong
    name prints what exists.
    """
    try:
        lesson, attr = _split_name(name)
        module = _solutions_module(lesson)
        if not attr:
            print(f"{lesson}'s reference answers: {', '.join(module.__all__)}")
            return
        reference(name)
    except ValueError as err:
        print(f"❌ {err}")
        return
    print(f"# gan_course/solutions/{lesson}.py: {attr}\n\n{_source(module, attr).rstrip()}")


def yours_or_reference(fn: Any, passed: Any, name: str) -> Any:
    """After a build cell's check: ``fn`` when the check passed, else the reference answer.

    The lesson then goes on with whichever you get; a one-line note says when it is the
    reference. ``passed`` is the check's Feedback (truthy when ok) or a bool.
    """
    if passed:
        return fn
    print(f"💡 The lesson goes on with the reference {name} until yours passes (re-run the cell "
          f"above, then this one); gc.checks.solution({name!r}) prints it if you want it.")
    return reference(name)


# --------------------------------------------------------------------------- predict, then run


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_prediction(prediction: Any, answer: Any, *, tolerance: float = 0.0,
                     choices: tuple | list | None = None, fmt: str = "{}", why: str = "",
                     quiet: bool = False) -> Feedback:
    """Compare the learner's committed prediction with what the run measured; always show it.

    Args:
        prediction: the learner's value (``...`` while they have not predicted yet).
        answer: what the cell measured (a number, or one of ``choices``).
        tolerance: a numeric prediction counts as right within this absolute distance.
        choices: the allowed answers when the prediction is a word (compared case-insensitively).
        fmt: how to show numbers, e.g. ``"{:.1%}"``.
        why: one sentence explaining the answer, printed either way.

    Returns:
        Feedback, ok when the prediction was right. Never raises.
    """
    def show(v: Any) -> str:
        return fmt.format(v) if _is_number(v) else repr(v) if isinstance(v, str) else str(v)

    def said(ok: bool, message: str) -> Feedback:
        fb = Feedback(ok, message + (f" {why}" if why else ""))
        if not quiet:
            print(f"💡 {fb.message}" if prediction is Ellipsis or prediction is None else repr(fb))
        return fb

    if prediction is Ellipsis or prediction is None:
        return said(False, f"No prediction yet (set it above and run again to test yourself). "
                           f"The run gives {show(answer)}.")
    if choices is not None:
        options = [str(c).strip().lower() for c in choices]
        if str(prediction).strip().lower() not in options:
            return said(False, f"Your prediction {prediction!r} is not one of {list(choices)}; "
                               f"the run gives {show(answer)}.")
        right = str(prediction).strip().lower() == str(answer).strip().lower()
    elif _is_number(prediction) and _is_number(answer):
        right = abs(float(prediction) - float(answer)) <= tolerance
    else:
        return said(False, f"Expected a number as the prediction, got {prediction!r}; the run "
                           f"gives {show(answer)}.")
    within = f" (within {show(tolerance)})" if tolerance and choices is None else ""
    result = f"you predicted {show(prediction)}, the run gives {show(answer)}."
    return said(right, f"Right{within}: {result}" if right else f"Not this time: {result}")
