"""The instructor and nbgrader editions of every lesson, and the student edition made back.

One source: the student notebooks committed under notebooks/ (each exercise a function with
``...`` as its body, followed in the same cell by ``checks.check_x(fn)``), the reference answers
in gan_course/solutions/lessonNN.py and the teacher notes in teach/notes/NN.toml. From them:

- ``build/instructor/NN_x.ipynb``: each stub filled with the reference body between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (an nbgrader solution cell), one autograded
  test cell after it per check (``assert checks.check_x(fn)``: the check prints its message,
  the assert gives or withholds the points), and teacher-note cells (timing, what to stress,
  the mistakes each check names).
- ``build/nbgrader/``: an nbgrader course: teach/nbgrader_config.py and
  ``source/lessonNN/NN_x.ipynb``, the instructor edition without the teacher notes.
- ``build/student/NN_x.ipynb``: the student edition made back from the instructor edition
  (solutions replaced by the stubs they came from, instructor-only cells dropped). It must equal
  notebooks/: ``python -m teach.editions`` says so, or fails and names the cells that differ.

Deterministic: the same inputs give byte-identical files.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import copy
import importlib.util
import json
import shutil
import symtable
import sys
import textwrap
from pathlib import Path

import nbformat

from teach import lessons as L

__all__ = ["instructor", "student", "nbgrader_source", "build", "check_student", "main"]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
KEY = "gan_course"  # cell metadata of the instructor edition: role, and the stubs to restore
NOTE, TEST = "teacher-note", "autograded-test"


def _nbgrader(grade_id: str, *, solution: bool, grade: bool, points: int = 0) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


# --------------------------------------------------------------------------- reference answers


class _Solutions:
    """gan_course/solutions/lessonNN.py read as source: function bodies and import lines."""

    def __init__(self, number: str):
        self.path = L.SOLUTIONS / f"lesson{number}.py"
        self.source = self.path.read_text()
        tree = ast.parse(self.source)
        self.functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        self.sources = dict.fromkeys(self.functions, self.source)  # the text each one is in
        for node in tree.body:  # a reference the package defines, re-exported (lesson 11)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gan_course."):
                origin = importlib.util.find_spec(node.module).origin
                text = Path(origin).read_text()
                defined = {n.name: n for n in ast.parse(text).body
                           if isinstance(n, ast.FunctionDef)}
                for a in node.names:
                    if a.asname is None and a.name in defined and a.name not in self.functions:
                        self.functions[a.name], self.sources[a.name] = defined[a.name], text
        self.imports: dict[str, str] = {}  # bound name -> the import statement binding it alone
        for node in tree.body:
            if isinstance(node, ast.Import):
                for a in node.names:
                    self.imports[a.asname or a.name.split(".")[0]] = (
                        f"import {a.name}" + (f" as {a.asname}" if a.asname else ""))
            elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
                for a in node.names:
                    self.imports[a.asname or a.name] = (
                        f"from {node.module} import {a.name}" + (f" as {a.asname}" if a.asname else ""))

    def function(self, name: str) -> ast.FunctionDef:
        if name not in self.functions:
            raise KeyError(f"{self.path.name} has no reference answer {name}()")
        return self.functions[name]

    def body(self, name: str) -> list[str]:
        """The reference function's body lines (docstring dropped), dedented."""
        fn = self.function(name)
        first = fn.body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                and isinstance(first.value.value, str):
            start = first.end_lineno  # the line after the docstring (0-based)
        else:  # the line after the signature, which may span several lines
            start = max((n.end_lineno for n in ast.walk(fn.args) if hasattr(n, "end_lineno")),
                        default=fn.lineno)
            start = max(start, fn.returns.end_lineno if fn.returns else fn.lineno)
        lines = self.sources[name].splitlines()[start:fn.body[-1].end_lineno]
        while lines and not lines[0].strip():
            lines.pop(0)
        return textwrap.dedent("\n".join(lines)).splitlines()

    def globals_used(self, name: str) -> set[str]:
        """Module-level names the reference function's body reads (not builtins)."""
        fn = self.function(name)
        table = symtable.symtable(ast.get_source_segment(self.sources[name], fn), self.path.name,
                                  "exec")
        found: set[str] = set()
        stack = list(table.get_children())
        while stack:
            t = stack.pop()
            stack.extend(t.get_children())
            if t.get_type() == "function":
                found.update(t.get_globals())
        return {n for n in found if not hasattr(builtins, n)}


def _params(fn: ast.FunctionDef) -> list[str]:
    a = fn.args
    return [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs] + \
        [p.arg for p in (a.vararg, a.kwarg) if p]


def _solve(source: str, lesson: L.Lesson, refs: _Solutions, known: set[str]
           ) -> tuple[str, list[str]]:
    """The cell with every stub body replaced by a solution region; and the stubs it replaced."""
    tree = ast.parse(source)
    lines = source.split("\n")
    stubs = []
    for fn in reversed(L.stub_functions(tree)):  # bottom up: line numbers above stay valid
        ref = refs.function(fn.name)
        if _params(fn) != _params(ref):
            raise ValueError(f"{lesson.path.name}: {fn.name}{tuple(_params(fn))} but the reference "
                             f"in {refs.path.name} takes {tuple(_params(ref))}")
        line_no = fn.body[-1].lineno - 1
        stub_line = lines[line_no]
        indent = stub_line[:len(stub_line) - len(stub_line.lstrip())]
        imports = []
        for name in sorted(refs.globals_used(fn.name) - known):
            if name not in refs.imports:
                raise ValueError(f"{lesson.path.name}: the reference {fn.name}() uses {name!r}, "
                                 "which neither the notebook nor an import of the reference binds")
            imports.append(refs.imports[name] + "  # the reference answer's import")
        region = [BEGIN, *imports, *refs.body(fn.name), END]
        lines[line_no:line_no + 1] = [indent + x if x else x for x in region]
        stubs.insert(0, stub_line.strip())
    return "\n".join(lines), stubs


# --------------------------------------------------------------------------- teacher notes


def _note_cell(text: str, cell_id: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = cell_id
    cell.metadata[KEY] = {"role": NOTE}
    return cell


def _bullets(items: list[str]) -> str:
    return "\n".join(f"> * {x}" for x in items)


def _overview_note(lesson: L.Lesson, found: list[L.Exercise]) -> str:
    notes = lesson.notes
    if lesson.missing_notes:
        return f"> **Teacher notes**: {lesson.missing_notes}."
    rows = "\n".join(f"> | `{', '.join(e.functions)}` | `{check}` | {lesson.points(check)} |"
                     for e in found for check, _ in e.checks)
    total = sum(lesson.points(c) for e in found for c, _ in e.checks)
    parts = [f"> **Teacher notes** (instructor edition only). In class: about "
             f"{notes['class_minutes']} minutes, session {notes['session']} of the schedule in "
             "docs/teaching.md. " + notes["machine"],
             "> **What to stress**\n>\n" + _bullets(notes["stress"]),
             "> **Discussion questions**\n>\n" + "\n".join(
                 f"> {i}. {q}" for i, q in enumerate(notes["questions"], 1))]
    if found:
        parts.append(f"> **Autograded exercises** ({total} points; each test cell asserts the "
                     "check that follows the exercise)\n>\n> | function | check | points |\n"
                     f"> | --- | --- | --- |\n{rows}")
    return "\n>\n".join(parts)


def _exercise_note(lesson: L.Lesson, ex: L.Exercise, mistakes: dict[str, list[str]]) -> str:
    parts = []
    for check, _ in ex.checks:
        named = mistakes.get(check, [])
        listed = _bullets([L.code(m) for m in named]) if named else \
            "> * (none recorded: run `python -m teach.guide --write`)"
        points = lesson.points(check)
        parts.append(f"> **Teacher note** · `{check}` ({points} point{'s' * (points != 1)}) names these "
                     f"mistakes (its messages on the wrong answers of "
                     f"tests/test_checks_lesson{lesson.number}.py):\n>\n{listed}")
    return "\n>\n".join(parts)


# --------------------------------------------------------------------------- the editions


def instructor(lesson: L.Lesson, mistakes: dict | None = None) -> nbformat.NotebookNode:
    """The instructor edition of one lesson (solutions, autograded tests, teacher notes)."""
    mistakes = L.mistakes() if mistakes is None else mistakes
    nb = lesson.notebook()
    found = {e.cell_index: e for e in L.exercises(nb)}
    refs = _Solutions(lesson.number) if found else None
    known = L.bound_names(nb)
    cells = []
    title_done = False
    for i, cell in enumerate(nb.cells):
        ex = found.get(i)
        if ex is not None:
            cells.append(_note_cell(_exercise_note(lesson, ex, mistakes.get(lesson.number, {})),
                                    f"{cell.id}-note"))
            solved = copy.deepcopy(cell)
            solved.source, stubs = _solve(cell.source, lesson, refs, known)
            solved.metadata["nbgrader"] = _nbgrader(f"answer_{ex.functions[0]}", solution=True,
                                                    grade=False)
            solved.metadata[KEY] = {"stubs": stubs}
            cells.append(solved)
            for k, (check, call) in enumerate(ex.checks):
                points = lesson.points(check)
                test = nbformat.v4.new_code_cell(
                    f"# Autograded: {points} point{'s' * (points != 1)} when {check} passes "
                    "(its message above says what differs)\n"
                    f'assert {call}, "{check} did not pass"')
                test.id = f"{cell.id}-test{k}"
                test.metadata["nbgrader"] = _nbgrader(check, solution=False, grade=True,
                                                      points=points)
                test.metadata[KEY] = {"role": TEST}
                cells.append(test)
            continue
        cells.append(cell)
        if cell.cell_type == "markdown" and not title_done:  # the overview follows the title
            cells.append(_note_cell(_overview_note(lesson, list(found.values())),
                                    f"{cell.id}-teacher-notes"))
            title_done = True
    out = copy.deepcopy(nb)
    out.cells = cells
    out.metadata[KEY] = {"edition": "instructor"}
    return out


def student(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student edition made back from an instructor edition."""
    out = copy.deepcopy(nb)
    out.metadata.pop(KEY, None)
    cells = []
    for cell in out.cells:
        meta = cell.metadata.pop(KEY, {})
        cell.metadata.pop("nbgrader", None)
        if meta.get("role") in (NOTE, TEST):
            continue
        if "stubs" in meta:
            cell.source = _unsolve(cell.source, meta["stubs"])
        cells.append(cell)
    out.cells = cells
    return out


def _unsolve(source: str, stubs: list[str]) -> str:
    lines, out, stubs = source.split("\n"), [], list(stubs)
    inside = False
    for line in lines:
        if line.strip() == BEGIN:
            out.append(line[:len(line) - len(line.lstrip())] + stubs.pop(0))
            inside = True
        elif line.strip() == END:
            inside = False
        elif not inside:
            out.append(line)
    if inside or stubs:
        raise ValueError("unbalanced solution regions")
    return "\n".join(out)


def nbgrader_source(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What nbgrader's source/ holds: the instructor edition without the teacher notes."""
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if c.metadata.get(KEY, {}).get("role") != NOTE]
    return out


def _write(nb: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb) + "\n")


def build(out: Path) -> list[Path]:
    """Write every lesson's three editions under ``out``; return the instructor notebooks."""
    mistakes = L.mistakes()
    for sub in ("instructor", "student", "nbgrader/source"):
        shutil.rmtree(out / sub, ignore_errors=True)
    written = []
    for lesson in L.lessons():
        nb = instructor(lesson, mistakes)
        _write(nb, out / "instructor" / lesson.path.name)
        _write(student(nb), out / "student" / lesson.path.name)
        _write(nbgrader_source(nb), out / "nbgrader" / "source" / f"lesson{lesson.number}"
               / lesson.path.name)
        written.append(out / "instructor" / lesson.path.name)
    shutil.copy(L.ROOT / "teach" / "nbgrader_config.py", out / "nbgrader" / "nbgrader_config.py")
    return written


def _cells(nb: nbformat.NotebookNode) -> list[dict]:
    return json.loads(nbformat.writes(nb))["cells"]


def check_student(lesson: L.Lesson, nb: nbformat.NotebookNode) -> list[str]:
    """What differs between the student edition made from ``nb`` and notebooks/ (empty: none)."""
    back, original = student(nb), lesson.notebook()
    made, committed = _cells(back), _cells(original)
    problems = [f"{lesson.path.name}: cell {i} ({b.get('id')}) differs"  # lengths: see below
                for i, (a, b) in enumerate(zip(made, committed, strict=False)) if a != b]
    if back.metadata != original.metadata:
        problems.append(f"{lesson.path.name}: the notebook's metadata differs")
    if len(made) != len(committed):
        problems.append(f"{lesson.path.name}: {len(made)} cells made, {len(committed)} committed")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=L.ROOT / "build", help="default: build/")
    args = parser.parse_args(argv)
    build(args.out)
    problems = []
    for lesson in L.lessons():
        made = L.read_notebook(args.out / "instructor" / lesson.path.name)
        problems += check_student(lesson, made)
    for p in problems:
        print(p, file=sys.stderr)
    n = len(L.lessons())
    print(f"{n} lessons: {args.out / 'instructor'}, {args.out / 'student'} (equal to notebooks/: "
          f"{'no' if problems else 'yes'}), {args.out / 'nbgrader'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
