"""The first code cell of every lesson: install the course where it is missing (Colab).

The install is pinned to one release, named here and nowhere else; this script writes the cell
into every notebook (``python scripts/colab_cell.py --write``) and `tests/test_repo.py` checks
that each notebook carries exactly this cell. It installs the package without JupyterLab (Colab
brings its own front end, PyTorch and NumPy) and prints what it installs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "https://github.com/gan-course/gan-course"
RELEASE = "v0.1.0"  # the tag the lessons install; bump it together with pyproject's version

CELL = f'''# Colab, or a fresh kernel without the course installed: install it. Elsewhere this does nothing.
try:
    import gan_course  # noqa: F401
except ImportError:
    COURSE = "gan-course @ git+{REPOSITORY}@{RELEASE}"  # one pinned release; Colab has its own front end
    print(f"installing {{COURSE}}")
    %pip install -q "{{COURSE}}"'''


def first_code_cell(nb: dict) -> dict:
    return next(c for c in nb["cells"] if c["cell_type"] == "code")


def write(paths: list[Path]) -> list[Path]:
    """Put `CELL` into each notebook's first code cell; returns the notebooks it changed."""
    changed = []
    for path in paths:
        nb = json.loads(path.read_text())
        cell = first_code_cell(nb)
        if "".join(cell["source"]) != CELL:
            cell["source"] = CELL.splitlines(True)
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
            changed.append(path)
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update the notebooks in place")
    args = parser.parse_args()
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.write:
        for path in write(notebooks):
            print(f"updated {path.relative_to(ROOT)}")
    else:
        print(CELL)


if __name__ == "__main__":
    main()
