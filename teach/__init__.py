"""Tools for teaching a class with gan-course (not needed to take the course).

- `teach.editions`: the instructor and nbgrader editions built from the committed (student)
  notebooks, the reference answers and the teacher notes; the student edition rebuilt from them.
- `teach.guide`: the generated parts of docs/teaching.md and the mistakes each check names.
- `teach/notes/NN.toml`: per-lesson teacher notes; `teach/jupyterhub_config.py` and
  `teach/nbgrader_config.py`: the class set-ups that tests/test_hub.py and tests/test_nbgrader.py run.
"""
