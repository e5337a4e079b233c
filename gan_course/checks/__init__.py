"""Exercise checks: ``gc.checks.check_<name>(learner_fn)`` runs the learner's answer and the
reference (in `gan_course.solutions`) on seeded inputs and says precisely what differs.

A check never raises on a wrong answer: it prints a ✅ or ❌ line and returns True/False, so a
notebook with an unfinished exercise still runs top to bottom. One module per lesson.

Shared by every lesson:

* ``solution("lesson01.fit_gaussian")`` prints a reference answer's source, on request;
* ``yours_or_reference(fn, passed, "lesson01.fit_gaussian")``: after a build cell's check, the
  learner's function if it passed, else the reference, so the lesson goes on either way;
* ``check_prediction(prediction, answer, ...)``: predict-then-run cells.
"""

from gan_course.checks._core import (
    Feedback,
    check_prediction,
    compare,
    reference,
    solution,
    yours_or_reference,
)

__all__ = ["Feedback", "compare", "check_prediction", "reference", "solution",
           "yours_or_reference"]
