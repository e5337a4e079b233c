"""The last code cell of every lesson: the table of which of its checks pass.

``python scripts/progress_cell.py --write`` appends it to each notebook that does not end with
it (lesson 00 gets the course-wide table); `tests/test_progress.py` checks every notebook.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CELL = "gc.checks.progress()  # which of this lesson's checks pass; saved for lesson 00's table"
COURSE_CELL = "gc.checks.progress(course=True)  # every lesson's checks that passed at least once"


def wanted(path: Path) -> str:
    return COURSE_CELL if path.name.startswith("00_") else CELL


def ends_with_it(path: Path) -> bool:
    return "".join(json.loads(path.read_text())["cells"][-1]["source"]) == wanted(path)


def write(paths: list[Path]) -> list[Path]:
    """Append the progress cell to each notebook that does not end with it; return those."""
    changed = []
    for path in (p for p in paths if not ends_with_it(p)):
        nb = json.loads(path.read_text())
        nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "progress",
                            "metadata": {}, "outputs": [], "source": [wanted(path)]})
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        changed.append(path)
    return changed


if __name__ == "__main__":  # one option, --write: update the notebooks in place
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if sys.argv[1:] == ["--write"]:
        print("changed:", [p.name for p in write(notebooks)] or "none")
    else:
        print("missing the progress cell:", [p.name for p in notebooks if not ends_with_it(p)]
              or "none")
