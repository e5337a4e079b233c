"""Does watching cost training speed? Steps per second headless vs. with the live dashboard.

    python -m benchmarks.dashboard                 # ring, MNIST MLP, MNIST DCGAN
    python -m benchmarks.dashboard --scale 2 --repeats 5 --only ring --threads 1

For each GAN: a plain `trainer.step()` loop (headless) and the same trainer driven by
`live.Dashboard`, drawing its pictures through the real widget and plotting code at the default
refresh rate (no browser attached: the widget messages go nowhere, which is what they cost the
kernel anyway). As in a Jupyter kernel, Start is pressed inside a running asyncio event loop that
then sits idle, so the dashboard trains as a task on that loop. Both run for the same wall time
on the same pinned number of torch threads, alternating A B A B to spread
the noise of a shared machine; the table gives the medians and their ratio (target: >= 0.85x);
the CPU ratio compares CPU seconds per step instead (headless / live), which a busy machine
disturbs less; then the pictures drawn per second and the milliseconds each took (capture +
draw + encode, wall clock).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import torch

from gan_course import live, presets

# name: (view, trainer factory, seconds per measurement: ~10+ steps even for the slow DCGAN,
#        view options)
CASES = {
    "ring": ("2d", lambda: presets.toy_trainer("ring", "course", seed=0), 6.0, {}),
    # every layer on: the manifold (off by default) adds G on 225 points a picture
    "ring-all-layers": ("2d", lambda: presets.toy_trainer("ring", "course", seed=0), 6.0,
                        {"layers": {"manifold": True}}),
    "mnist-mlp": ("images", lambda: presets.mnist_trainer("mlp", seed=0), 8.0, {}),
    "mnist-dcgan": ("images", lambda: presets.mnist_trainer("dcgan", seed=0),
                    20.0, {}),
}


def headless_rate(trainer, seconds: float) -> tuple[float, float]:
    """(steps per second, CPU seconds per step) of a plain `trainer.step()` loop."""
    start, cpu, steps = time.perf_counter(), time.process_time(), 0
    while time.perf_counter() - start < seconds:
        trainer.step()
        steps += 1
    return steps / (time.perf_counter() - start), (time.process_time() - cpu) / steps


def live_rate(dash, seconds: float) -> tuple[float, float, int, float]:
    """(steps/s, CPU s/step, pictures drawn, seconds they took) while the dashboard trains.

    Timed from Start to the Pause request: the picture a Pause draws after it is not counted,
    as a continuous run would not draw it.
    """
    frames, cost = dash.frames, dash.frame_seconds
    steps = dash.trainer.step_count
    start, cpu = time.perf_counter(), time.process_time()

    async def session():
        dash.start()  # inside a running loop: a task on it
        await asyncio.sleep(seconds)  # the loop's turns go to the dashboard's task
        # the process's CPU time: the training's, and the waiting's (little: it sleeps)
        result = (dash.trainer.step_count - steps, time.perf_counter() - start,
                  time.process_time() - cpu, dash.frames - frames, dash.frame_seconds - cost,
                  dash.backend)
        dash.pause()
        return result

    done, elapsed, cpu, drawn, drawing, ran_as = asyncio.run(session())
    if dash.error:
        raise RuntimeError(dash.error)
    if ran_as != "task":
        raise RuntimeError(f"expected the dashboard to train as a task, not {ran_as}")
    return done / elapsed, cpu / max(done, 1), drawn, drawing


def measure(name: str, scale: float, repeats: int, threads: int | None) -> tuple:
    view, make, seconds, options = CASES[name]
    seconds *= scale
    plain, watched = make(), make()  # the same GAN twice: one stepped bare, one by a dashboard
    threads = threads or live.default_threads(plain)
    dash = live.Dashboard(watched, view=view, threads=threads, headless=False, **options)
    torch.set_num_threads(threads)
    plain.train(3)  # warm-up: first-call allocations
    dash.run(3)  # and the dashboard's first picture (a full draw, before the learner's Start)
    plain_runs, live_runs, frames, drawing, elapsed = [], [], 0, 0.0, 0.0
    for _ in range(repeats):  # alternate, so that both see the same machine load
        plain_runs.append(headless_rate(plain, seconds))
        rate, cpu, drawn, cost = live_rate(dash, seconds)
        live_runs.append((rate, cpu))
        frames, drawing, elapsed = frames + drawn, drawing + cost, elapsed + seconds
    dash.close()
    h, w = (statistics.median(r[0] for r in runs) for runs in (plain_runs, live_runs))
    h_cpu, w_cpu = (statistics.median(r[1] for r in runs) for runs in (plain_runs, live_runs))
    return (name, view, threads, h, w, w / h, h_cpu / w_cpu, frames / elapsed,
            1e3 * drawing / max(frames, 1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiplies each case's seconds per measurement")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", action="append", choices=tuple(CASES))
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads for every case (default: live.default_threads)")
    args = parser.parse_args(argv)
    rows = []
    for name in args.only or CASES:
        rows.append(measure(name, args.scale, args.repeats, args.threads))
        print(f"done {name}", flush=True)
    print()
    print("| GAN | view | threads | headless steps/s | live steps/s | ratio "
          "| CPU ratio | pictures/s | ms/picture |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, view, threads, h, w, ratio, cpu_ratio, fps, ms in rows:
        print(f"| {name} | {view} | {threads} | {h:.1f} | {w:.1f} | {ratio:.2f}x | "
              f"{cpu_ratio:.2f}x | {fps:.2f} | {ms:.0f} |")


if __name__ == "__main__":
    main()
