"""The generated parts of docs/teaching.md, and the mistakes each check names.

    python -m teach.guide --write   # record the checks' messages, rewrite the generated parts
    python -m teach.guide           # only say whether docs/teaching.md is up to date

The mistakes are the checks' own messages: the check tests (tests/test_checks_lessonNN.py)
are run with `teach.record`, which keeps every message a check gives a wrong answer. Generic
ones (unfinished, None, a wrong type, a crash without advice, a plain "differs from the
reference") are left out; the rest go to
teach/mistakes.json, which the guide and the instructor edition's notes are built from.
tests/test_teaching.py records them again and fails when the file or the guide is stale.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
from collections import defaultdict
from pathlib import Path

from teach import lessons as L

__all__ = ["record_mistakes", "render", "nbgitpuller_link", "environment_check_cell",
           "GUIDE", "main"]

GUIDE = L.ROOT / "docs" / "teaching.md"
BLOCKS = ("schedule", "lessons")
_GENERIC = re.compile(
    r"not written yet|returned None|is None|forget `return|could not read your result"
    r"|got (?:a )?(?:list|str|tuple|ndarray|NoneType|dict)$|got '[^']*'$"
    r"|differs from the reference: .*\(max abs difference [^)]*\)$")  # compare()'s fallback
_CRASH = re.compile(r"your function raised (\w+): .*?\(line \d+\)[.;:,]?\s*(?:—\s*)?(.*)$")


def _keep(message: str) -> str | None:
    """The message as the guide lists it, or None for a generic one."""
    message = message.removeprefix("Not yet: ")
    crash = _CRASH.search(message)
    if crash:  # the exception's own text depends on torch's version: keep the check's advice
        if not crash.group(2).strip():
            return None
        message = f"{message[:crash.start()]}raises {crash.group(1)}: {crash.group(2).strip()}"
    return None if _GENERIC.search(message) else message


def record_mistakes() -> dict[str, dict[str, list[str]]]:
    """Run the check tests and collect {lesson: {check: sorted messages}} of their failures."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "log.json"
        tests = sorted(str(p) for p in (L.ROOT / "tests").glob("test_checks_lesson*.py"))
        env = dict(os.environ, GAN_COURSE_RECORD_TO=str(out))
        env.pop("GAN_COURSE_QUICK", None)
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "teach.record",
                              "-p", "no:cacheprovider", *tests], cwd=L.ROOT, env=env,
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"the check tests failed:\n{run.stdout[-3000:]}{run.stderr[-2000:]}")
        log = json.loads(out.read_text())
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for lesson, check, ok, message in log:
        kept = None if ok else _keep(message)
        if kept:
            found[lesson][check].add(kept)
    return {lesson: {check: sorted(found[lesson][check]) for check in sorted(found[lesson])}
            for lesson in sorted(found)}


def same_mistakes(a: dict, b: dict) -> bool:
    """Equal up to the digits of decimals (another CPU may round a printed value differently)."""
    def blur(d):
        return json.loads(re.sub(r"\d+\.\d+", "#", json.dumps(d, sort_keys=True)))
    return blur(a) == blur(b)


# --------------------------------------------------------------------------- links and cells


def nbgitpuller_link(hub: str, repo: str, *, branch: str = "main", target: str = "gan-course",
                     lesson: str = "notebooks/00_welcome.ipynb") -> str:
    """The link that gives a hub user their own copy of the course and opens ``lesson``."""
    query = urllib.parse.urlencode({"repo": repo, "branch": branch, "targetpath": target,
                                    "urlpath": f"lab/tree/{target}/{lesson}"})
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def environment_check_cell(path: Path) -> int:
    """Index of the cell of ``path`` that runs the environment check."""
    cells = L.read_notebook(path).cells
    return next(i for i, c in enumerate(cells)
                if c.cell_type == "code" and "check_environment(" in c.source)


# --------------------------------------------------------------------------- rendering


def _exercise_checks(lesson: L.Lesson) -> list[tuple[str, str]]:
    """(functions, check) of the lesson's autograded exercises."""
    return [(", ".join(f"<code>{f}</code>" for f in e.functions), check)
            for e in L.exercises(lesson.notebook()) for check, _ in e.checks]


def _short(run_time: str) -> str:
    """A header's run time up to its first colon: 'about 3 minutes on a 2-core laptop CPU'."""
    return run_time.split(": ", 1)[0]


def _render_schedule(all_lessons: list[L.Lesson]) -> str:
    sessions: dict[int, list[L.Lesson]] = defaultdict(list)
    for lesson in all_lessons:
        sessions[lesson.notes.get("session", 0)].append(lesson)  # 0: no notes yet
    rows = ["| session | lesson | in class | learner-mode run time (the lesson's header) | machine |",
            "| --- | --- | --- | --- | --- |"]
    for s in sorted(sessions):
        for lesson in sessions[s]:
            minutes = lesson.notes.get("class_minutes", "?")
            machine = lesson.notes.get("machine", lesson.missing_notes)
            rows.append(f"| {s or '?'} | {lesson.name} | {minutes} min | "
                        f"{_short(lesson.header()['run time'])} | {machine} |")
    return "\n".join(rows)


def _render_lesson(lesson: L.Lesson, mistakes: dict[str, list[str]]) -> str:
    h = lesson.header()
    notes = lesson.notes or {"session": "?", "class_minutes": "?", "machine": "?",
                             "stress": [lesson.missing_notes], "questions": []}
    graded = _exercise_checks(lesson)
    points = sum(lesson.points(c) for _, c in graded)
    out = [f"### {h['title']}", "",
           f"`notebooks/{lesson.path.name}` · session {notes['session']} · about "
           f"{notes['class_minutes']} minutes in class · {points} autograded points", "",
           "**Objectives** (the lesson's own list)", "", h["objectives"], "",
           f"**Prerequisites:** {h['prerequisites']}", "",
           f"**Learner-mode run time** (measured, from the lesson's header): {h['run time']}", "",
           f"**Machine:** {notes['machine']}", "", "**What to stress**", "",
           *(f"- {x}" for x in notes["stress"]), "",
           "**Exercises and the mistakes their checks diagnose**", ""]
    graded_checks = {c for _, c in graded}
    others = sorted(set(mistakes) - graded_checks)
    for functions, check in [*graded, *(("", c) for c in others)]:
        what = (f"{functions} · <code>{check}</code> · {lesson.points(check)} point"
                f"{'s' * (lesson.points(check) != 1)}") if functions else \
            f"<code>{check}</code> (not autograded)"
        named = mistakes.get(check, [])
        out += [f"<details><summary>{what}: names {len(named)} mistake"
                f"{'s' * (len(named) != 1)}</summary>", "",
                *(f"- {L.code(m)}" for m in named), "", "</details>", ""]
    out += ["**Discussion questions**", "",
            *(f"{i}. {q}" for i, q in enumerate(notes["questions"], 1)), ""]
    return "\n".join(out)


def render(mistakes: dict | None = None) -> dict[str, str]:
    """The text of each generated block of docs/teaching.md."""
    mistakes = L.mistakes() if mistakes is None else mistakes
    all_lessons = L.lessons()
    return {"schedule": _render_schedule(all_lessons),
            "lessons": "\n".join(_render_lesson(lesson, mistakes.get(lesson.number, {}))
                                 for lesson in all_lessons).rstrip() + "\n"}


def _marks(name: str) -> tuple[str, str]:
    return (f"<!-- begin generated: {name} (python -m teach.guide --write) -->",
            f"<!-- end generated: {name} -->")


def blocks_in(text: str) -> dict[str, str]:
    """The generated blocks as docs/teaching.md holds them."""
    found = {}
    for name in BLOCKS:
        begin, end = _marks(name)
        if begin not in text or end not in text:
            raise ValueError(f"{GUIDE.name} lacks the markers of its {name!r} block")
        found[name] = text.split(begin, 1)[1].split(end, 1)[0].strip("\n")
    return found


def _replace_blocks(text: str, blocks: dict[str, str]) -> str:
    for name, body in blocks.items():
        begin, end = _marks(name)
        head, rest = text.split(begin, 1)
        text = f"{head}{begin}\n{body.strip(chr(10))}\n{end}{rest.split(end, 1)[1]}"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true",
                        help="record the mistakes again and rewrite teach/mistakes.json and "
                             "the generated parts of docs/teaching.md")
    args = parser.parse_args(argv)
    if args.write:
        mistakes = record_mistakes()
        L.MISTAKES.write_text(json.dumps(mistakes, indent=1, ensure_ascii=False) + "\n")
        GUIDE.write_text(_replace_blocks(GUIDE.read_text(), render(mistakes)))
        print(f"wrote {L.MISTAKES.relative_to(L.ROOT)} and {GUIDE.relative_to(L.ROOT)}")
        return 0
    stale = [n for n, body in render().items()
             if blocks_in(GUIDE.read_text())[n] != body.strip("\n")]
    print(f"{GUIDE.relative_to(L.ROOT)}: " + (f"stale blocks {stale}: run python -m teach.guide "
                                              "--write" if stale else "up to date"))
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
