"""How well the course's 2-D GAN learns the ring and the grid, seed after seed.

    python -m benchmarks.toy --dataset ring --seeds 0-9 --out runs/toy
    python -m benchmarks.toy --dataset grid --seeds 0-9 --config course --config vanilla --out runs/toy
    python -m benchmarks.toy --dataset grid --seeds 0-9 --config course --threads 2 --set batch_size=256

For each config and seed: train `presets.TOY_STEPS` steps on two CPU threads (--threads; learning rates
annealed to 0 over the last 30%, `presets.train_with_anneal`), draw 2,500 samples,
save them as DIR/<dataset>_<config>_seed<k>.npz (x: (2500, 2), seconds: training wall time), and
score them with `metrics.mode_stats` (PacGAN / VEEGAN definitions: a sample is high quality
within 3 std of a mode). Prints one table row per config.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.mnist import overrides
from gan_course import metrics, presets, toys

N_SAMPLES = 2500


def parse_seeds(text: str) -> list[int]:
    """'0-9' -> [0..9]; '0,3,5' -> [0, 3, 5]."""
    seeds: list[int] = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            seeds += range(int(lo), int(hi) + 1)
        else:
            seeds.append(int(part))
    return seeds


def run_one(dataset: str, config: str, seed: int, steps: int, **changes) -> dict:
    trainer = presets.toy_trainer(dataset, config, seed=seed, **changes)
    start = time.perf_counter()
    presets.train_with_anneal(trainer, steps)
    seconds = time.perf_counter() - start
    x = trainer.generate(n=N_SAMPLES)
    toy = toys.get(dataset)
    stats = metrics.mode_stats(x, toy.modes, toy.std)
    return {"x": x.numpy(), "seconds": seconds, **stats}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("ring", "grid"), default="ring")
    parser.add_argument("--seeds", default="0-9", help="e.g. 0-9 or 0,1,2")
    parser.add_argument("--config", action="append", choices=tuple(presets.TOY_RECIPES),
                        help="recipe(s) to run; default: course and vanilla")
    parser.add_argument("--steps", type=int, default=presets.TOY_STEPS)
    parser.add_argument("--out", type=Path, default=Path("runs/toy"))
    # 2: what a kernel on the course's 2-core machine uses (torch's default, one per core); the
    # grid's wider nets train 1.5x faster than on 1 (BENCHMARKS.md), the bits differ with it
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="GANConfig overrides for every config, e.g. batch_size=256")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    changes = overrides(args.set)
    args.out.mkdir(parents=True, exist_ok=True)
    configs = args.config or ["course", "vanilla"]
    seeds = parse_seeds(args.seeds)
    toy = toys.get(args.dataset)
    print(f"{args.dataset}: {toy.n_modes} modes, std {toy.std}; {args.steps} steps; seeds {seeds}; "
          f"{args.threads} thread(s); overrides {changes}")
    header = (f"{'config':<14}{'modes mean':>11}{'modes min':>10}{'HQ mean':>9}{'HQ min':>8}"
              f"{'s median':>10}")
    rows = []
    for config in configs:
        results = []
        for seed in seeds:
            r = run_one(args.dataset, config, seed, args.steps, **changes)
            np.savez(args.out / f"{args.dataset}_{config}_seed{seed}.npz", x=r["x"],
                     seconds=r["seconds"])
            print(f"  {config} seed {seed}: {r['modes_captured']}/{toy.n_modes} modes, "
                  f"{r['high_quality']:.1%} high quality, {r['seconds']:.1f} s", flush=True)
            results.append(r)
        modes = [r["modes_captured"] for r in results]
        hq = [r["high_quality"] for r in results]
        rows.append(f"{config:<14}{statistics.mean(modes):>11.2f}{min(modes):>10d}"
                    f"{statistics.mean(hq):>9.1%}{min(hq):>8.1%}"
                    f"{statistics.median(r['seconds'] for r in results):>10.1f}")
    print()
    print(header)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
