"""Exercise checks, one module per lesson: ``lessonNN.check_<name>(learner_fn)`` runs the
learner's answer and the reference (in `gan_course.solutions.lessonNN`) on seeded inputs and
says precisely what differs. A lesson imports its module::

    from gan_course.checks import lesson04 as checks
    checks.check_d_loss(d_loss)

A check never raises on a wrong answer: it prints one ✅ or ❌ line and returns a `Feedback`
(truthy when right), so a notebook with an unfinished exercise still runs top to bottom. What
the checks share (running the learner's code, tolerances, typical-mistake tables) is in `_core`.
"""

from gan_course.checks._core import Feedback, compare
from gan_course.checks._progress import progress

__all__ = ["Feedback", "compare", "progress"]
