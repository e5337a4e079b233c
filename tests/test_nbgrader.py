"""Autograding with nbgrader: a course built from the instructor edition grades two learners.

`nbgrader generate_assignment` releases lesson 01 (solutions removed), one learner submits every
exercise right and one gets two wrong (a typical mistake, and one left unfinished); `nbgrader
autograde` must give full marks to the first and take exactly those two exercises' points
from the second, and `nbgrader export` must write those scores. Needs the `teach` extra.
"""

from __future__ import annotations

import copy
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from teach import editions
from teach import lessons as L

pytest.importorskip("nbgrader", reason="nbgrader is in the teach extra: pip install -e '.[teach]'")

LESSON = "01_distributions.ipynb"
ASSIGNMENT = "lesson01"


def nbgrader(course: Path, *args: str) -> None:
    env = dict(os.environ, GAN_COURSE_QUICK="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # alembic
    try:
        run = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                             capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired as err:  # say where it stuck, not only that it did
        tail = (err.stderr or b"")[-3000:]
        pytest.fail(f"nbgrader {' '.join(args)} ran over 300 s; its log ends:\n"
                    f"{tail.decode(errors='replace') if isinstance(tail, bytes) else tail}")
    assert run.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{run.stdout[-3000:]}" \
                                f"{run.stderr[-3000:]}"


def submit(course: Path, learner: str, released: nbformat.NotebookNode,
           answers: dict[str, str]) -> None:
    nb = copy.deepcopy(released)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    path = course / "submitted" / learner / ASSIGNMENT / LESSON
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)


def hung_cells(course: Path) -> list[str]:
    """Graded cells that hit the cell time limit, as 'learner cell N: first line'."""
    found = []
    for learner in ("ada", "alan"):
        path = course / "autograded" / learner / ASSIGNMENT / LESSON
        cells = L.read_notebook(path).cells if path.exists() else []
        found += [f"{learner} cell {i}: {c.source.splitlines()[0] if c.source else ''}"
                  for i, c in enumerate(cells) if c.cell_type == "code"
                  and any(o.get("ename") == "CellTimeoutError" for o in c.get("outputs", []))]
    return found


def test_autograde_gives_each_exercise_its_points(tmp_path):
    started = time.monotonic()
    editions.build(tmp_path / "build")
    course = tmp_path / "build" / "nbgrader"
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    released = L.read_notebook(course / "release" / ASSIGNMENT / LESSON)
    text = "".join(c.source for c in released.cells)
    assert editions.BEGIN not in text and "Teacher note" not in text
    assert text.count("...  # your code here") == 6

    source = L.read_notebook(course / "source" / ASSIGNMENT / LESSON)
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
              for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")}
    wrong_std = solutions["answer_fit_gaussian"].replace("((x - mean) ** 2).mean().sqrt()",
                                                         "x.std()")  # N - 1: the usual slip
    assert wrong_std != solutions["answer_fit_gaussian"]
    submit(course, "ada", released, solutions)
    unfinished = {k: v for k, v in solutions.items() if k != "answer_box_muller"}  # as released
    submit(course, "alan", released, {**unfinished, "answer_fit_gaussian": wrong_std})
    # Quick-mode cells take seconds: a 120 s cell limit (the class config allows 900 s for
    # learner mode) turns a hung cell into a CellTimeoutError in the graded notebook, which
    # `hung_cells` names below, instead of the whole command running past this test's 300 s.
    nbgrader(course, "autograde", ASSIGNMENT, "--Execute.timeout=120")
    nbgrader(course, "export")
    print(f"\nnbgrader test: {time.monotonic() - started:.1f} s")

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {learner: {g.name: g.score for g in
                            gb.find_submission(ASSIGNMENT, learner).notebooks[0].grades}
                  for learner in ("ada", "alan")}
    assert scores["ada"] == {k: float(v) for k, v in points.items()}, \
        f"full marks; cells that timed out: {hung_cells(course)}"
    lost = {k for k, v in scores["alan"].items() if v != points[k]}
    assert lost == {"check_fit_gaussian", "check_box_muller"}
    assert all(scores["alan"][k] == 0 for k in lost)
    with open(course / "grades.csv") as f:
        grades = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    total = sum(points.values())
    assert grades == {"ada": total, "alan": total - points["check_fit_gaussian"]
                      - points["check_box_muller"]}
    graded = L.read_notebook(course / "autograded" / "alan" / ASSIGNMENT / LESSON)
    fit = next(c for c in graded.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == "check_fit_gaussian")
    shown = "".join(o.get("text", "") for o in fit.outputs)
    assert "N - 1" in shown, "the learner sees the check's own message in the graded cell"
