"""The teaching tools: editions that cannot drift apart, a guide that cannot go stale."""

from __future__ import annotations

import copy
import re
import urllib.parse

import nbformat
import pytest

from teach import editions, guide
from teach import lessons as L


def test_the_guide_is_generated_from_the_lessons_as_they_are():
    committed = guide.blocks_in(guide.GUIDE.read_text())
    for name, body in guide.render().items():
        assert committed[name] == body.strip("\n"), \
            f"docs/teaching.md's {name!r} block is stale: run python -m teach.guide --write"


def test_the_mistakes_listed_are_the_messages_the_checks_give():
    """Runs the check tests again and keeps what each check tells a wrong answer."""
    recorded = guide.record_mistakes()
    assert guide.same_mistakes(recorded, L.mistakes()), \
        "teach/mistakes.json is stale: run python -m teach.guide --write"
    for lesson in L.lessons():
        for ex in L.exercises(lesson.notebook()):
            for check, _ in ex.checks:
                assert recorded[lesson.number].get(check), f"{check} names no mistake"


def test_generic_messages_are_left_out_and_advice_kept():
    assert guide._keep("Not yet: your function returned None: did you forget `return`?") is None
    assert guide._keep("Not yet: expected a torch tensor, got list") is None
    assert guide._keep("Not yet: x differs from the reference: at flat index 2 expected 0.4, "
                       "got 0.8 (max abs difference 0.4)") is None
    assert guide._keep("Not yet: your function raised KeyError: 'a' (line 3)") is None
    kept = guide._keep("Not yet: your function raised ZeroDivisionError: division by zero "
                       "(line 127) — with decay_steps = 0 there is no decay: return sigma0")
    assert kept == "raises ZeroDivisionError: with decay_steps = 0 there is no decay: return sigma0"
    assert guide.same_mistakes({"01": {"c": ["expected 1.53248"]}}, {"01": {"c": ["expected 1.53249"]}})
    assert not guide.same_mistakes({"01": {"c": ["a"]}}, {"01": {"c": ["b"]}})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("editions")
    editions.build(out)
    return out


def test_the_student_edition_made_back_equals_notebooks(built):
    for lesson in L.lessons():
        made = L.read_notebook(built / "instructor" / lesson.path.name)
        assert editions.check_student(lesson, made) == []
        student = (built / "student" / lesson.path.name).read_text()
        assert nbformat.reads(student, as_version=4).cells == lesson.notebook().cells


def test_a_drift_between_the_editions_is_named(built):
    lesson = L.lessons()[1]
    made = L.read_notebook(built / "instructor" / lesson.path.name)
    changed = copy.deepcopy(made)
    cell = next(c for c in changed.cells if "stubs" in c.metadata.get("gan_course", {}))
    cell.source = cell.source.replace("checks.", "checks .", 1)  # an edit outside the solution
    problems = editions.check_student(lesson, changed)
    assert len(problems) == 1 and cell.id in problems[0]


def test_the_instructor_edition_solves_every_exercise_and_grades_every_check(built):
    for lesson in L.lessons():
        nb = L.read_notebook(built / "instructor" / lesson.path.name)
        graded = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
                  if c.metadata.get("nbgrader", {}).get("grade")}
        answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        checks = [check for e in L.exercises(lesson.notebook()) for check, _ in e.checks]
        assert sorted(graded) == sorted(checks), lesson.name
        for check in checks:
            meta = graded[check].metadata["nbgrader"]
            assert meta["locked"] and meta["points"] == lesson.points(check) > 0
            assert re.search(rf"^assert checks\.{check}\(", graded[check].source, re.M)
        for cell in answers:
            assert L.stub_functions(__import__("ast").parse(cell.source)) == [], \
                f"{lesson.name}: a stub is left in {cell.id}"
            assert cell.source.count(editions.BEGIN) == cell.source.count(editions.END) >= 1
        ids = [c.id for c in nb.cells]
        assert len(ids) == len(set(ids)), f"{lesson.name}: duplicate cell ids"
        notes = [c for c in nb.cells if c.metadata.get("gan_course", {}).get("role") == editions.NOTE]
        assert notes and "Teacher notes" in notes[0].source
        source = L.read_notebook(built / "nbgrader" / "source" / f"lesson{lesson.number}"
                                 / lesson.path.name)
        assert len(source.cells) == len(nb.cells) - len(notes)
        assert "Teacher note" not in "".join(c.source for c in source.cells)


def test_the_build_is_deterministic(built, tmp_path):
    editions.build(tmp_path)
    for lesson in L.lessons():
        for sub in ("instructor", "student"):
            assert (tmp_path / sub / lesson.path.name).read_bytes() == \
                (built / sub / lesson.path.name).read_bytes()


def test_every_lesson_has_teacher_notes_naming_real_checks_and_sessions():
    import importlib

    for lesson in L.lessons():
        assert not lesson.missing_notes, f"{lesson.name}: {lesson.missing_notes}"
        module = importlib.import_module(f"gan_course.checks.lesson{lesson.number}")
        unknown = set(lesson.notes.get("points", {})) - set(module.__all__)
        assert not unknown, f"teach/notes/{lesson.number}.toml: no such checks {unknown}"
        assert 1 <= lesson.notes["session"] <= 7 and lesson.notes["class_minutes"] > 0
        assert lesson.notes["stress"] and len(lesson.notes["questions"]) >= 2
    for session in range(1, 8):
        minutes = sum(x.notes["class_minutes"] for x in L.lessons() if x.notes["session"] == session)
        assert 0 < minutes <= 90, f"session {session} holds {minutes} minutes"


def test_a_header_without_a_run_time_is_refused():
    text = "# 99 · A lesson\n\n**You will**\n\n1. learn\n\n**Prerequisites:** none.\n"
    with pytest.raises(ValueError, match="run time"):
        L.parse_header(text, where="99_x.ipynb")


def test_the_nbgitpuller_link_opens_the_lesson_in_the_learners_copy():
    link = guide.nbgitpuller_link("http://127.0.0.1:8000/", "https://example.org/course.git")
    head, query = link.split("?")
    assert head == "http://127.0.0.1:8000/hub/user-redirect/git-pull"
    args = dict(urllib.parse.parse_qsl(query))
    assert args == {"repo": "https://example.org/course.git", "branch": "main",
                    "targetpath": "gan-course",
                    "urlpath": "lab/tree/gan-course/notebooks/00_welcome.ipynb"}


def test_readme_links_the_teachers_guide():
    readme = (L.ROOT / "README.md").read_text()
    assert "docs/teaching.md" in readme


def test_a_lesson_without_notes_still_builds_and_says_what_is_missing():
    lesson = L.lessons()[1]
    lesson.notes = {}
    nb = editions.instructor(lesson, mistakes={})
    assert "no teacher notes yet: write teach/notes/01.toml" in nb.cells[2].source
    assert editions.check_student(lesson, nb) == []
    assert "no teacher notes yet" in guide._render_lesson(lesson, {})
