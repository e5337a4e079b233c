"""Reference answers to the exercises, one module per lesson.

Try the exercise first: the checks in `gan_course.checks` compare your answer with these.
"""
