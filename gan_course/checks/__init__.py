"""Exercise checks, one module per lesson: ``lessonNN.check_<name>(learner_fn)`` runs the
learner's answer and the reference (in `gan_course.solutions.lessonNN`) on seeded inputs and
says precisely what differs. A lesson imports its module::

    from gan_course.checks import lesson04 as checks
    checks.check_d_loss(d_loss)

A check never raises on a wrong answer: it prints one ✅ or ❌ line and returns a `Feedback`
(truthy when right), so a notebook with an unfinished exercise still runs top to bottom. What
the checks share (running the learner's code, tolerances, typical-mistake tables) is in `_core`.

Shared by every lesson:

* ``solution("lesson01.fit_gaussian")`` prints a reference answer's source, on request;
* ``yours_or_reference(fn, passed, "lesson01.fit_gaussian")``: after a build cell's check, the
  learner's function if it passed, else the reference, so the lesson goes on either way;
* ``check_prediction(prediction, answer, ...)``: predict-then-run cells;
* ``progress()``: which exercises of this lesson (lesson 00: of the course) pass.
"""

from gan_course.checks._core import (
    Feedback,
    check_prediction,
    compare,
    reference,
    solution,
    yours_or_reference,
)
from gan_course.checks._progress import progress

__all__ = ["Feedback", "compare", "check_prediction", "progress", "reference", "solution",
           "yours_or_reference"]
