"""Repository hygiene: dependency lists agree, notebooks are stripped, the quick start is as documented."""

import json
import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _name_and_spec(req: str) -> tuple[str, str]:
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", req)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_name_and_spec(r) for r in project["dependencies"] + project["optional-dependencies"]["test"])
    env_lines = (ROOT / "environment.yml").read_text().splitlines()
    listed = {}
    deps = env_lines[env_lines.index("dependencies:"):]
    for line in deps:
        m = re.match(r"\s*-\s+([A-Za-z0-9_.\-]+)\s*([<>=!~][^#\s]*)?\s*$", line)
        if m and m.group(1) not in ("pip", "python", ".") and not line.strip().startswith("- -e"):
            listed[m.group(1).lower()] = (m.group(2) or "")
    assert listed == wanted, f"environment.yml {listed} != pyproject {wanted}"


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for nb_path in notebooks:
        nb = json.loads(nb_path.read_text())
        dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
                 and (c.get("outputs") or c.get("execution_count") is not None)]
        assert not dirty, f"{nb_path.name}: cells {dirty} have outputs; strip them"


def test_notebooks_are_numbered_and_start_with_the_colab_cell():
    for nb_path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert re.match(r"\d\d_[a-z0-9_]+\.ipynb$", nb_path.name), nb_path.name
        nb = json.loads(nb_path.read_text())
        first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
        src = "".join(first_code["source"])
        assert "import gan_course" in src and "%pip install" in src, nb_path.name


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    assert re.search(r"^make test$", ci, re.M)
