"""What the dashboard's second-edition features cost: Draw, Slow motion, A/B (BENCHMARKS.md).

    python -m benchmarks.features
    python -m benchmarks.features --points 200,300 --repeats 5

On the course's ring recipe, one torch thread, medians over ``--repeats``:

- Draw: a mouse event handled while training runs (a painted point and the note, no picture);
  Train on drawing (`Dashboard.use_data` on a paused dashboard, with its picture: the full
  redraw for the new data) for each count of painted points (more than `toys.MAX_DRAWN` are
  thinned); the KL / JS read-out's density of such a toy on its 200 x 200 grid.
- Slow motion: one iteration with its recording (`SlowMotion.advance` at a first stage) next to
  a plain `Trainer.step`, and a later stage's picture.
- A/B: one lock-step step of `live.Compare` (both runs) and one picture of both.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from gan_course import presets, toys
from gan_course.live import Compare, Dashboard, slowmo

N_EVENTS = 200


def ms(f, repeats: int) -> float:
    """Median milliseconds of ``f()`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times)


def stroke(n: int) -> np.ndarray:
    x = np.linspace(-2.0, 2.0, n)
    return np.c_[x, np.sin(2 * x)]


def draw_rows(points: list[int], repeats: int) -> list[tuple[str, float]]:
    trainer = presets.toy_trainer("ring", seed=0)
    dash = Dashboard(trainer, view="2d", headless=False)
    dash.draw()
    painter = dash.panel.painter
    painter.widgets["draw"].value = True
    rows = []
    # While training runs a move only records the point: no picture. Timed as the runner sees
    # it: `running` true, so that the painter leaves the picture to the run.
    live = type(dash).running
    type(dash).running = property(lambda self: True)
    try:
        def events() -> None:
            for x in np.linspace(100, 380, N_EVENTS):
                painter.on_mouse({"type": "mousemove", "buttons": 1, "dataX": float(x),
                                  "dataY": 200.0})
        rows.append(("Draw: a mouse event while training", ms(events, repeats) / N_EVENTS))
    finally:
        type(dash).running = live
    bounds = trainer.real.bounds
    axis = torch.linspace(-3, 3, 200)
    grid = torch.stack(torch.meshgrid(axis, axis, indexing="xy"), -1).reshape(-1, 2)
    for n in points:
        toy = toys.drawn(stroke(n), bounds=bounds)
        rows.append((f"Draw: Train on drawing, {n} points ({toy.n_modes} kept), paused, with "
                     "its picture", ms(lambda toy=toy: dash.use_data(toy), repeats)))
        rows.append((f"the drawn toy's density on a 200 x 200 grid, {toy.n_modes} points",
                     ms(lambda toy=toy: toy.density(grid), repeats)))
    dash.close()
    return rows


def slow_rows(repeats: int) -> list[tuple[str, float]]:
    trainer = presets.toy_trainer("ring", seed=0)
    trainer.train(300)
    plain = ms(trainer.step, repeats)
    slow = slowmo.SlowMotion(trainer)
    iterations, pictures = [], []
    for _ in range(repeats + 1):
        slow.advance()  # the step, recorded, and the first stage's picture
        iterations.append(slow.timing["iteration"])
        slow.advance()
        pictures.append(slow.timing["picture"])
        slow.finish()
    return [("a plain Trainer.step", plain),
            ("Slow motion: one iteration with its recording", statistics.median(iterations[1:])),
            ("Slow motion: a stage's picture", statistics.median(pictures[1:]))]


def ab_rows(repeats: int) -> list[tuple[str, float]]:
    ab = Compare("toy_trainer", dataset="ring", recipe="course", seed=0,
                 b={"noisy_labels": True}, headless=True)
    ab.run(5)
    step = ms(lambda: ab.trainer.step(), repeats)
    picture = ms(ab.draw, repeats)
    ab.close()
    return [("A/B: one lock-step step (both runs)", step), ("A/B: a picture of both runs", picture)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", default="200,300", help="painted points, e.g. 200,300")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    points = [int(p) for p in args.points.split(",")]
    rows = [*draw_rows(points, args.repeats), *slow_rows(args.repeats), *ab_rows(args.repeats)]
    print("| what | ms (median) |")
    print("| --- | --- |")
    for what, value in rows:
        print(f"| {what} | {value:.2f} |")


if __name__ == "__main__":
    main()
