"""Learners' progress: the lesson's table from this kernel's checks, the course's from a file."""

from __future__ import annotations

import json

import pytest

import gan_course as gc
from gan_course.checks import _progress, lesson00, lesson01
from gan_course.solutions import lesson01 as ref


@pytest.fixture(autouse=True)
def fresh(monkeypatch, tmp_path):
    """An empty record, a private cache folder and learner mode (quick mode does not save)."""
    monkeypatch.setattr(_progress, "_RESULTS", {})
    monkeypatch.setenv("GAN_COURSE_CACHE", str(tmp_path))
    monkeypatch.delenv("GAN_COURSE_QUICK", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    yield tmp_path


def rows(table) -> dict[str, tuple[str, str]]:
    return {name.split()[-1]: (status, detail) for name, status, detail in table.rows}


def test_a_lesson_table_shows_passed_not_yet_and_not_run():
    lesson01.check_fit_gaussian(ref.fit_gaussian, quiet=True)
    lesson01.check_mixture_weights(lambda c, k: None, quiet=True)
    table = gc.checks.progress()
    got = rows(table)
    assert set(got) == {name for name in lesson01.__all__ if name.startswith("check_")}
    assert got["check_fit_gaussian"][0].startswith("✅")
    assert got["check_mixture_weights"][0].startswith("❌")
    assert "return" in got["check_mixture_weights"][1]  # the check's own message
    assert got["check_box_muller"][0].endswith("not run")
    assert table.title == "Lesson 01: 1 of 6 checks pass in this kernel"
    assert "check_box_muller" in repr(table) and "<table>" in table._repr_html_()


def test_the_last_result_counts_in_the_kernel():
    lesson01.check_fit_gaussian(lambda x: None, quiet=True)
    lesson01.check_fit_gaussian(ref.fit_gaussian, quiet=True)
    assert rows(gc.checks.progress())["check_fit_gaussian"][0].startswith("✅")


def test_saved_across_lessons_and_read_back_by_lesson_00(fresh):
    lesson01.check_fit_gaussian(ref.fit_gaussian, quiet=True)
    note = gc.checks.progress().note
    assert f"saved to {fresh / 'progress.json'}" == note
    saved = json.loads((fresh / "progress.json").read_text())
    assert saved["lessons"]["01"]["check_fit_gaussian"]["ok"] is True

    _progress._RESULTS.clear()  # a new kernel, for lesson 00
    lesson01.check_fit_gaussian(lambda x: None, quiet=True)  # a later failure: still passed once
    course = rows(gc.checks.progress(course=True))
    assert course["01"][0] == "1 of 6" and "check_box_muller" in course["01"][1]
    assert course["00"] == ("0 of 2", "not started")
    saved = json.loads((fresh / "progress.json").read_text())
    entry = saved["lessons"]["01"]["check_fit_gaussian"]
    assert entry["ok"] is False and entry["first_passed"]


def test_quick_mode_and_nbgrader_never_write(fresh, monkeypatch):
    lesson00.check_scale_pixels(lambda r: None, quiet=True)
    monkeypatch.setenv("GAN_COURSE_QUICK", "1")
    assert gc.checks.progress().note == "quick mode: not saved"
    monkeypatch.delenv("GAN_COURSE_QUICK")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert gc.checks.progress().note == "nbgrader run: not saved"
    assert not (fresh / "progress.json").exists()


def test_a_broken_file_is_reported_and_replaced(fresh):
    (fresh / "progress.json").write_text("{not json")
    lesson01.check_fit_gaussian(ref.fit_gaussian, quiet=True)
    table = gc.checks.progress(course=True)
    assert "could not read" in table.note and "saved to" in table.note
    assert json.loads((fresh / "progress.json").read_text())["version"] == 1


def test_an_unwritable_cache_is_reported(fresh, monkeypatch):
    blocker = fresh / "file"
    blocker.write_text("")
    monkeypatch.setenv("GAN_COURSE_CACHE", str(blocker / "sub"))  # a folder under a file
    lesson01.check_fit_gaussian(ref.fit_gaussian, quiet=True)
    assert "could not save" in gc.checks.progress().note


def test_nothing_run_yet_says_so():
    assert gc.checks.progress().note == "no check has run in this kernel yet"


def test_every_lesson_ends_with_its_progress_table():
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("progress_cell",
                                                  root / "scripts" / "progress_cell.py")
    cell = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cell)
    notebooks = sorted((root / "notebooks").glob("*.ipynb"))
    missing = [p.name for p in notebooks if not cell.ends_with_it(p)]
    assert not missing, f"{missing}: run python scripts/progress_cell.py --write"
    assert cell.wanted(notebooks[0]) == cell.COURSE_CELL  # lesson 00: the whole course
