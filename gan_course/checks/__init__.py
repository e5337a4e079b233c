"""Exercise checks: ``gc.checks.check_<name>(learner_fn)`` runs the learner's answer and the
reference (in `gan_course.solutions`) on seeded inputs and says precisely what differs.

A check never raises on a wrong answer: it prints a ✅ or ❌ line and returns True/False, so a
notebook with an unfinished exercise still runs top to bottom. One module per lesson.
"""

from gan_course.checks._core import Feedback, compare
from gan_course.checks._progress import progress

__all__ = ["Feedback", "compare", "progress"]
