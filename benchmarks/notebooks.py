"""Seconds each notebook takes, in learner mode and in quick mode.

    python -m benchmarks.notebooks [--quick-only] [notebooks/04_*.ipynb ...]

Executes every notebook top to bottom in a fresh kernel (nbclient, as Restart & Run All does),
headless: dashboards train in the cell, so the time includes all training.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run(path: Path, *, quick: bool) -> float:
    nb = nbformat.read(path, as_version=4)
    env_before = dict(os.environ)
    os.environ["GAN_COURSE_HEADLESS"] = "1"
    os.environ["GAN_COURSE_QUICK"] = "1" if quick else "0"
    try:
        start = time.perf_counter()
        NotebookClient(nb, timeout=1800, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        return time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(env_before)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--quick-only", action="store_true")
    args = parser.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    print(f"{'notebook':<28}{'quick s':>9}{'learner s':>11}")
    total_quick = 0.0
    for path in paths:
        quick = run(path, quick=True)
        total_quick += quick
        learner = float("nan") if args.quick_only else run(path, quick=False)
        print(f"{path.name:<28}{quick:>9.1f}{learner:>11.1f}", flush=True)
    print(f"{'all, quick mode':<28}{total_quick:>9.1f}")


if __name__ == "__main__":
    main()
