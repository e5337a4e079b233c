"""nbgrader's configuration for a gan-course class; `make editions` copies it to build/nbgrader/.

build/nbgrader/ is then a course directory: source/lessonNN/ holds each lesson's instructor
edition without the teacher notes (solution regions, autograded test cells with their points).
docs/teaching.md ("Grading with nbgrader") gives the commands; tests/test_nbgrader.py runs them.
"""

import os

c = get_config()  # noqa: F821 (nbgrader's config loader provides get_config)

c.CourseDirectory.course_id = "gan-course"
# What a solution region becomes in the released notebook: the course's own stub, so an
# unfinished exercise returns None and its check says so instead of raising.
c.ClearSolutions.code_stub = {"python": "...  # your code here"}
# Grade in quick mode unless the grader says otherwise (GAN_COURSE_QUICK=0): the checks use
# their own fixed inputs and do not depend on the step counts, so the grades are the same, and a
# lesson that trains for minutes per learner is graded in seconds. The grading kernel inherits
# this process's environment.
os.environ.setdefault("GAN_COURSE_QUICK", "1")
# A learner-mode cell can train for several minutes; nbgrader's default allows 30 s per cell.
c.Execute.timeout = 900
