"""Learners' progress: which exercises pass, in this kernel and across lessons.

Every check reports its outcome here (``_core.finish`` calls :func:`record`). The last cell of a
lesson, ``gc.checks.progress()``, shows a table of that lesson's checks: passed, not yet (with
the check's message) or not run in this kernel. Outside quick mode it also saves them to
``progress.json`` in the course's cache folder ($GAN_COURSE_CACHE, else ``~/.cache/gan_course``),
and lesson 00's ``gc.checks.progress(course=True)`` reads that file back: one line per lesson.

The file is plain JSON and never required: when it cannot be read or written the table says so
and the lesson goes on. Quick mode (the tests) and nbgrader's runs do not write it, so a test
run never overwrites a learner's record.
"""

from __future__ import annotations

import datetime
import html
import importlib
import json
import os
import pkgutil
import re
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Result", "record", "results", "progress", "progress_path", "ProgressTable"]

_LESSON_MODULE = re.compile(r"gan_course\.checks\.lesson(\d+)")
FILE_VERSION = 1


@dataclass(frozen=True)
class Result:
    """The last outcome of one check in this kernel."""

    ok: bool
    message: str
    when: str  # ISO time, seconds


_RESULTS: dict[tuple[str, str], Result] = {}  # (lesson "05", check name) -> last outcome


def _calling_check() -> tuple[str, str] | None:
    """(lesson, check name) of the innermost ``check_*`` function of a lesson module on the stack."""
    frame = sys._getframe(2)
    while frame is not None:
        match = _LESSON_MODULE.fullmatch(frame.f_globals.get("__name__", ""))
        if match and frame.f_code.co_name.startswith("check_"):
            return match.group(1), frame.f_code.co_name
        frame = frame.f_back
    return None


def record(ok: bool, message: str) -> None:
    """Remember a check's outcome (called by ``_core.finish``; finds the check from the stack)."""
    found = _calling_check()
    if found is not None:
        now = datetime.datetime.now().isoformat(timespec="seconds")
        _RESULTS[found] = Result(bool(ok), message, now)


def results() -> dict[tuple[str, str], Result]:
    """A copy of this kernel's outcomes: (lesson, check name) -> :class:`Result`."""
    return dict(_RESULTS)


def _lesson_checks(lesson: str) -> list[str]:
    """The public check functions of ``gan_course.checks.lesson<lesson>``, in ``__all__`` order."""
    module = importlib.import_module(f"gan_course.checks.lesson{lesson}")
    return [name for name in getattr(module, "__all__", dir(module)) if name.startswith("check_")]


def _all_lessons() -> list[str]:
    import gan_course.checks as package

    found = (_LESSON_MODULE.fullmatch(f"gan_course.checks.{m.name}")
             for m in pkgutil.iter_modules(package.__path__))
    return sorted(m.group(1) for m in found if m)


def progress_path() -> Path:
    """Where progress is saved: ``progress.json`` in the course's cache folder."""
    from gan_course import data

    return data.cache_dir() / "progress.json"


def _saving_off() -> str | None:
    from gan_course import utils

    if utils.quick_mode():
        return "quick mode: not saved"
    if os.environ.get("NBGRADER_EXECUTION"):
        return "nbgrader run: not saved"
    return None


def _read_file(path: Path) -> tuple[dict, str | None]:
    """The saved lessons ({lesson: {check: entry}}) and a note when the file is unusable."""
    if not path.exists():
        return {}, None
    try:
        saved = json.loads(path.read_text())
        lessons = saved["lessons"]
        if not isinstance(lessons, dict):
            raise TypeError("'lessons' is not an object")
        return lessons, None
    except Exception as err:  # never required: say so and go on
        return {}, f"could not read {path} ({type(err).__name__}: {err}); starting afresh"


def _merged(lessons: dict, now: dict[tuple[str, str], Result]) -> dict:
    merged = {lesson: dict(checks) for lesson, checks in lessons.items()}
    for (lesson, name), result in sorted(now.items()):
        old = merged.setdefault(lesson, {}).get(name, {})
        first_pass = old.get("first_passed") or (result.when if result.ok else None)
        merged[lesson][name] = {"ok": result.ok, "message": result.message,
                                "last_run": result.when, "first_passed": first_pass}
    return merged


def _save(now: dict[tuple[str, str], Result]) -> str:
    """Merge this kernel's outcomes into the file; return a note saying what happened."""
    off = _saving_off()
    if off:
        return off
    path = progress_path()
    lessons, note = _read_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps({"version": FILE_VERSION, "lessons": _merged(lessons, now)},
                                  indent=1, sort_keys=True))
        os.replace(tmp, path)  # all or nothing: a half-written file is never left behind
    except OSError as err:
        return f"could not save to {path} ({err}); nothing else depends on it"
    return (note + "; " if note else "") + f"saved to {path}"


@dataclass
class ProgressTable:
    """What :func:`progress` returns: rows (heading, status, details) shown as HTML or text."""

    title: str
    columns: tuple[str, str, str]
    rows: list[tuple[str, str, str]]
    note: str

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(v)}</td>"
                                        for v in row) + "</tr>" for row in self.rows)
        return (f"<div class='gc-progress'><b>{html.escape(self.title)}</b>"
                f"<table><tr>{head}</tr>{body}</table><small>{html.escape(self.note)}</small></div>")

    def __repr__(self) -> str:
        width = [max(len(r[i]) for r in [self.columns, *self.rows]) for i in range(2)]
        lines = [self.title, *(f"{a:<{width[0]}}  {b:<{width[1]}}  {c}"
                               for a, b, c in [self.columns, *self.rows]), self.note]
        return "\n".join(lines)


def _status(result: Result | None) -> tuple[str, str]:
    if result is None:
        return "· not run", "run its cell"
    if result.ok:
        return "✅ passed", ""
    return "❌ not yet", result.message.removeprefix("Not yet: ")


def _lesson_table(lessons: list[str], now: dict[tuple[str, str], Result], note: str
                  ) -> ProgressTable:
    rows = []
    for lesson in lessons:
        for name in _lesson_checks(lesson):
            status, detail = _status(now.get((lesson, name)))
            rows.append((f"{lesson} {name}" if len(lessons) > 1 else name, status, detail))
    passed = sum(r[1].startswith("✅") for r in rows)
    title = (f"Lesson {', '.join(lessons)}: {passed} of {len(rows)} checks pass in this kernel")
    return ProgressTable(title, ("check", "status", "details"), rows, note)


def _course_table(saved: dict, now: dict[tuple[str, str], Result], note: str) -> ProgressTable:
    merged = _merged(saved, {})
    for (lesson, name), result in now.items():  # this kernel counts even when not saved
        entry = merged.setdefault(lesson, {}).setdefault(name, {"first_passed": None})
        entry["first_passed"] = entry["first_passed"] or (result.when if result.ok else None)
        entry["last_run"] = result.when
    rows = []
    for lesson in _all_lessons():
        names = _lesson_checks(lesson)
        entries = [merged.get(lesson, {}).get(n) for n in names]
        passed = [n for n, e in zip(names, entries, strict=True) if e and e.get("first_passed")]
        runs = [e["last_run"] for e in entries if e and e.get("last_run")]
        left = [n for n in names if n not in passed]
        detail = ("all passed" if not left else "to do: " + ", ".join(left)) if runs else "not started"
        rows.append((f"lesson {lesson}", f"{len(passed)} of {len(names)}", detail))
    return ProgressTable("Your progress across the course (checks that passed at least once)",
                         ("lesson", "passed", "details"), rows, note)


def progress(*, course: bool = False) -> ProgressTable:
    """Show which checks pass: this lesson's (the check modules this kernel imported), or with
    ``course=True`` every lesson's, read from the saved file. Saves this kernel's outcomes first
    (outside quick mode). Never raises for a missing or broken file.
    """
    now = results()
    note = _save(now) if now else "no check has run in this kernel yet"
    if course:
        saved, problem = _read_file(progress_path())
        return _course_table(saved, now, f"{problem}; {note}" if problem else note)
    imported = sorted(m.group(1) for name in list(sys.modules)
                      if (m := _LESSON_MODULE.fullmatch(name)))
    lessons = sorted({lesson for lesson, _ in now}) or imported
    if not lessons:
        return ProgressTable("No lesson's checks are imported in this kernel", ("", "", ""), [],
                             note)
    return _lesson_table(lessons, now, note)
