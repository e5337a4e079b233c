"""Does watching cost training speed? Steps per second headless vs. with the live dashboard.

    python -m benchmarks.dashboard                 # ring, MNIST MLP, MNIST DCGAN
    python -m benchmarks.dashboard --seconds 20 --repeats 3 --only ring --threads 1

For each GAN: a plain `trainer.step()` loop (headless) and the same trainer driven by
`live.Dashboard` in its background thread, drawing its pictures through the real widget and
plotting code at the default refresh rate (no browser attached: the widget messages go nowhere,
which is what they cost the kernel anyway). Both run for the same wall time on the same pinned
number of torch threads, alternating A B A B to spread the noise of a shared machine; the table
gives the medians and their ratio (target: >= 0.85x).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from gan_course import live, presets

CASES = {
    "ring": ("2d", lambda: presets.toy_trainer("ring", "course", seed=0)),
    "mnist-mlp": ("images", lambda: presets.mnist_trainer("mlp", seed=0, set_threads=False)),
    "mnist-dcgan": ("images", lambda: presets.mnist_trainer("dcgan", seed=0, set_threads=False)),
}


def headless_rate(make, threads: int, seconds: float) -> float:
    trainer = make()
    torch.set_num_threads(threads)
    trainer.train(3)  # warm-up: first-call allocations
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        trainer.step()
        steps += 1
    return steps / (time.perf_counter() - start)


def live_rate(make, view: str, threads: int, seconds: float) -> tuple[float, float, float]:
    """(steps/s, frames/s, ms per frame) with the dashboard running."""
    trainer = make()
    dash = live.Dashboard(trainer, view=view, threads=threads, headless=False)
    torch.set_num_threads(threads)
    trainer.train(3)
    dash.draw()  # the first picture builds the figure (a full draw); a learner sees it before Start
    frames0, cost0 = dash.frames, dash.frame_seconds
    steps0 = trainer.step_count
    start = time.perf_counter()
    dash.start()
    time.sleep(seconds)
    dash.pause()
    elapsed = time.perf_counter() - start
    if dash.error:
        raise RuntimeError(dash.error)
    frames = dash.frames - frames0
    per_frame = (dash.frame_seconds - cost0) / max(frames, 1)
    dash.close()
    return (trainer.step_count - steps0) / elapsed, frames / elapsed, 1e3 * per_frame


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--only", action="append", choices=tuple(CASES))
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads for every case (default: live.default_threads)")
    args = parser.parse_args(argv)
    rows = []
    for name in args.only or CASES:
        view, make = CASES[name]
        threads = args.threads or live.default_threads(make())
        plain, watched = [], []
        for _ in range(args.repeats):
            plain.append(headless_rate(make, threads, args.seconds))
            watched.append(live_rate(make, view, threads, args.seconds))
        h = statistics.median(plain)
        w = statistics.median(r[0] for r in watched)
        fps = statistics.median(r[1] for r in watched)
        ms = statistics.median(r[2] for r in watched)
        rows.append((name, view, threads, h, w, w / h, fps, ms))
        print(f"done {name}", flush=True)
    print()
    print("| GAN | view | threads | headless steps/s | live steps/s | ratio | frames/s "
          "| ms/frame |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, view, threads, h, w, ratio, fps, ms in rows:
        print(f"| {name} | {view} | {threads} | {h:.1f} | {w:.1f} | {ratio:.2f}x | {fps:.2f} | "
              f"{ms:.0f} |")


if __name__ == "__main__":
    main()
