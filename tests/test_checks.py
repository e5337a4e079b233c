"""What every lesson's checks promise, tested once over all of them: each check accepts its
reference answer and prints one ✅ line; an unfinished answer (a ``...`` body, which returns None)
or a typical wrong one is refused with one ❌ line. Each lesson's own diagnoses are tested in
tests/test_checks_lessonNN.py."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import torch.nn.functional as F

from gan_course import checks

LESSONS = sorted(m.name for m in pkgutil.iter_modules(checks.__path__) if m.name.startswith("lesson"))
# Checks that take something other than a learner's function: tested in their lesson's file.
NOT_A_FUNCTION = {"check_environment", "check_fixed", "check_digits"}
# A check whose reference answer is named otherwise than the check says.
REFERENCE = {"check_bce": "bce_with_logits"}
# Wrong answers other than an unfinished one, seen printed in one line.
WRONG = {"check_fit_gaussian": lambda x: (x.mean(), x.std()),
         "check_g_loss": lambda d: F.logsigmoid(d).mean()}


def unfinished(*args, **kwargs):
    ...


def _cases() -> list:
    cases = []
    for lesson in LESSONS:
        module = importlib.import_module(f"gan_course.checks.{lesson}")
        ref = importlib.import_module(f"gan_course.solutions.{lesson}")
        for name in module.__all__:
            if name.startswith("check_") and name not in NOT_A_FUNCTION:
                answer = getattr(ref, REFERENCE.get(name, name.removeprefix("check_")))
                cases.append(pytest.param(getattr(module, name), answer, id=f"{lesson}.{name}"))
    return cases


CASES = _cases()


def test_every_lesson_with_checks_is_covered():
    assert {c.id.split(".")[0] for c in CASES} == set(LESSONS) and len(LESSONS) >= 10


@pytest.mark.parametrize("check, answer", CASES)
def test_reference_passes_in_one_line(check, answer, capsys):
    feedback = check(answer)
    out = capsys.readouterr().out
    assert feedback.ok, feedback.message
    assert out.startswith("✅") and out.count("\n") == 1


@pytest.mark.parametrize("check, answer", CASES)
def test_unfinished_or_wrong_answer_fails_in_one_line(check, answer, capsys):
    for wrong in (unfinished, WRONG.get(check.__name__)):
        if wrong is None:
            continue
        feedback = check(wrong)
        out = capsys.readouterr().out
        assert not feedback.ok, f"{check.__name__} accepted {wrong}"
        assert out.startswith("❌") and out.count("\n") == 1, out
