"""What the teaching tools read: the lessons, their headers, teacher notes and exercises.

Nothing here imports `gan_course`: an exercise is found in a notebook's source (a function whose
body is ``...``, in a cell that calls ``checks.check_*``), its reference answer in
gan_course/solutions/lessonNN.py, read as text.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NOTES = ROOT / "teach" / "notes"
MISTAKES = ROOT / "teach" / "mistakes.json"
SOLUTIONS = ROOT / "gan_course" / "solutions"

__all__ = ["Lesson", "Exercise", "lessons", "read_notebook", "exercises", "stub_functions",
           "code", "mistakes"]


@dataclass(frozen=True)
class Exercise:
    """One exercise cell: its stub functions and the check calls it makes (name, source)."""

    cell_index: int
    functions: tuple[str, ...]
    checks: tuple[tuple[str, str], ...]


@dataclass
class Lesson:
    """A lesson notebook with its header parts and teacher notes."""

    path: Path
    number: str  # "05"
    notes: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.stem

    def notebook(self) -> nbformat.NotebookNode:
        return read_notebook(self.path)

    def header(self) -> dict[str, str]:
        """Title, objectives, prerequisites and run time, as the lesson's first markdown says."""
        text = next(c.source for c in self.notebook().cells if c.cell_type == "markdown")
        return parse_header(text, where=self.path.name)

    @property
    def missing_notes(self) -> str | None:
        """What to write when the lesson has no teacher notes yet, else None."""
        return None if self.notes else (f"no teacher notes yet: write teach/notes/{self.number}"
                                        ".toml (fields: see teach/notes/00.toml)")

    def points(self, check: str) -> int:
        return int(self.notes.get("points", {}).get(check, 1))


def code(text: str) -> str:
    """``text`` as inline Markdown code, also when it holds backticks itself."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def read_notebook(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _paragraph(text: str, label: str) -> str | None:
    """The paragraph that starts with ``**label**`` (label included in the match)."""
    match = re.search(rf"^\*\*{label}\*\*:?(.*?)(?:\n\s*\n|\Z)", text, re.S | re.M)
    return " ".join(match.group(1).split()).lstrip(": ").strip() if match else None


def parse_header(text: str, *, where: str) -> dict[str, str]:
    title = re.search(r"^# (.+)$", text, re.M)
    objectives = re.search(r"^\*\*(?:In this (?:lesson|notebook) you will|You will)\*\*\s*\n"
                           r"((?:\s*\n)?(?:(?:\d+\.|   ).*\n?)+)", text, re.M)
    found = {"title": title and title.group(1).strip(),
             "objectives": objectives and objectives.group(1).strip(),
             "prerequisites": _paragraph(text, "Prerequisites:"),
             "run time": _paragraph(text, "Run time:")}
    missing = [k for k, v in found.items() if not v]
    if missing:
        raise ValueError(f"{where}: the lesson's header has no {', '.join(missing)} "
                         "(STYLE.md rule 17: title, objectives, prerequisites, run time)")
    return found


def lessons() -> list[Lesson]:
    """Every notebook under notebooks/, with its notes from teach/notes/NN.toml ({} if none)."""
    found = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        notes = NOTES / f"{path.name[:2]}.toml"  # missing: the editions still build, the guide
        found.append(Lesson(path, path.name[:2],  # says so and tests/test_teaching.py fails
                            tomllib.loads(notes.read_text()) if notes.exists() else {}))
    return found


def mistakes() -> dict[str, dict[str, list[str]]]:
    """{lesson: {check: [messages]}} as recorded by `python -m teach.guide --write`."""
    return json.loads(MISTAKES.read_text()) if MISTAKES.exists() else {}


# --------------------------------------------------------------------------- exercises


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except SyntaxError:  # IPython magics (%pip, !ls): never an exercise cell
        return None


def stub_functions(tree: ast.Module) -> list[ast.FunctionDef]:
    """Top-level functions whose body is ``...`` (after an optional docstring)."""
    stubs = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str) and len(body) > 1:
            body = body[1:]
        if len(body) == 1 and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and body[0].value.value is Ellipsis:
            stubs.append(node)
    return stubs


def check_calls(tree: ast.Module, source: str) -> list[tuple[str, str]]:
    """(check name, call source) of every ``<something>.check_*(...)`` call in a cell."""
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Attribute) and n.func.attr.startswith("check_")]
    calls.sort(key=lambda n: (n.lineno, n.col_offset))
    return [(n.func.attr, ast.get_source_segment(source, n)) for n in calls]


def exercises(nb: nbformat.NotebookNode) -> list[Exercise]:
    """The exercise cells of a student notebook: stub functions followed by their checks."""
    found = []
    for i, cell in enumerate(nb.cells):
        tree = _parse(cell.source) if cell.cell_type == "code" else None
        if tree is None:
            continue
        stubs, calls = stub_functions(tree), check_calls(tree, cell.source)
        if stubs and calls:
            found.append(Exercise(i, tuple(f.name for f in stubs), tuple(calls)))
    return found


def bound_names(nb: nbformat.NotebookNode) -> set[str]:
    """Names any code cell of the notebook binds (imports, definitions, assignments)."""
    names: set[str] = set()
    for cell in nb.cells:
        tree = _parse(cell.source) if cell.cell_type == "code" else None
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update(a.asname or a.name.split(".")[0] for a in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names
