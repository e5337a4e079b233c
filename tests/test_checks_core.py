"""What every lesson shares: reference answers on request, the build cells' fallback, predictions,
and the progress bar that stays quiet in quick mode."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import gan_course as gc
import gan_course.solutions
from gan_course.checks import _core


def _all_reference_names() -> list[str]:
    names = []
    for info in pkgutil.iter_modules(gan_course.solutions.__path__):
        module = importlib.import_module(f"gan_course.solutions.{info.name}")
        names += [f"{info.name}.{attr}" for attr in module.__all__]
    return names


def test_every_reference_answer_of_every_lesson_prints_its_source(capsys):
    names = _all_reference_names()
    assert len(names) > 20 and "lesson01.fit_gaussian" in names
    for name in names:
        gc.checks.solution(name)
        out = capsys.readouterr().out
        lesson, attr = name.split(".")
        assert out.startswith(f"# gan_course/solutions/{lesson}.py: {attr}"), out[:80]
        body = [line for line in out.splitlines()[2:] if not line.startswith("@")]  # decorators
        assert attr in body[0], f"{name}: the source should start at its definition"


def test_solution_prints_the_function_itself():
    import inspect

    from gan_course.solutions import lesson01

    src = _core._source(lesson01, "fit_gaussian")
    assert src == inspect.getsource(lesson01.fit_gaussian)
    assert "correction" not in src and "def fit_gaussian" in src


def test_a_constant_prints_its_assignment():
    from gan_course.solutions import lesson07

    src = _core._source(lesson07, "FIXES")
    assert src.startswith("FIXES") and "=" in src


def test_wrong_names_list_what_exists_and_never_raise(capsys):
    gc.checks.solution("lesson01")
    assert "fit_gaussian" in capsys.readouterr().out
    gc.checks.solution("lesson01.fit_gausian")
    out = capsys.readouterr().out
    assert out.startswith("❌") and "fit_gaussian" in out
    gc.checks.solution("lesson99.x")
    assert "lesson00" in capsys.readouterr().out
    gc.checks.solution(42)
    assert "lesson01.fit_gaussian" in capsys.readouterr().out  # says what a name looks like
    with pytest.raises(ValueError, match="lesson01 has"):
        gc.checks.reference("lesson01.nope")


def test_yours_or_reference(capsys):
    from gan_course.solutions import lesson01

    def mine(x):
        return x

    assert gc.checks.yours_or_reference(mine, True, "lesson01.fit_gaussian") is mine
    assert capsys.readouterr().out == ""
    failed = gc.checks.Feedback(False, "Not yet")
    got = gc.checks.yours_or_reference(mine, failed, "lesson01.fit_gaussian")
    assert got is lesson01.fit_gaussian
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "reference lesson01.fit_gaussian" in out


def test_check_prediction_numbers(capsys):
    fb = gc.checks.check_prediction(0.2, 0.23, tolerance=0.05, fmt="{:.0%}", why="Because.")
    assert fb.ok and "23%" in capsys.readouterr().out
    fb = gc.checks.check_prediction(0.5, 0.23, tolerance=0.05, fmt="{:.0%}")
    assert not fb.ok and "50%" in fb.message and "23%" in fb.message
    fb = gc.checks.check_prediction(3, 3)
    assert fb.ok
    fb = gc.checks.check_prediction("three", 3, quiet=True)
    assert not fb.ok and "number" in fb.message


def test_check_prediction_choices_and_no_prediction(capsys):
    fb = gc.checks.check_prediction(" Near 1/2", "near 1/2", choices=["near 0", "near 1/2"])
    assert fb.ok
    fb = gc.checks.check_prediction("maybe", "near 0", choices=["near 0", "near 1/2"], quiet=True)
    assert not fb.ok and "not one of" in fb.message and "near 0" in fb.message
    capsys.readouterr()
    fb = gc.checks.check_prediction(..., 144, why="uint8 wraps.")
    out = capsys.readouterr().out
    assert not fb.ok and out.startswith("💡") and "144" in out and "uint8 wraps." in out


def test_progress_is_silent_in_quick_mode_and_a_bar_otherwise(monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_QUICK", "1")
    bar = gc.progress(range(5), desc="steps")
    assert bar.disable and list(bar) == [0, 1, 2, 3, 4]
    monkeypatch.setenv("GAN_COURSE_QUICK", "0")
    bar = gc.progress(range(3), desc="steps")
    assert not bar.disable and list(bar) == [0, 1, 2]  # (tqdm sets disable once closed)
    assert "steps" in capsys.readouterr().err  # the text bar, outside a notebook


def test_keeps_torch_rng_leaves_the_lessons_stream_as_it_was():
    import torch

    from gan_course.checks._core import keeps_torch_rng

    @keeps_torch_rng
    def draws(n):
        torch.nn.Linear(8, 8)  # builds a layer, as a check of a build cell does
        return torch.rand(n).sum().item()

    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    assert draws(100) > 0
    assert torch.equal(torch.rand(3), expected)
