"""Lesson 09's measurements: one scoreboard for the course's GANs, and FID against sample size.

    python -m benchmarks.evaluation --seeds 0-2
    python -m benchmarks.evaluation --seeds 0-4 --scale 2   # twice the steps of the lesson

Each recipe of `presets.MNIST_RECIPES` named in --models trains on the 8,000-digit pool (the
bundled digits minus the fixed 2,000-digit held-out split of `applications.holdout_split`) for
its step budget times --scale (WGAN-GP with lesson 06's Adam 1e-3, beta1 0), once per seed; N digits from G's weight average are then scored
by `metrics.mnist_scores` (FID-like, IS-like, precision, recall, classes) against all 10,000
bundled digits. The table gives mean and spread (standard deviation over the seeds) of each
score, as Markdown. Then, for the first seed's first recipe, FID against N (three draws each)
beside real digits scored the same way.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from benchmarks.toy import parse_seeds
from gan_course import applications, data, metrics, presets

# Steps per recipe in lesson 09: about 35 s each on the course's 2-core test machine (2 threads;
# sized from 36, 26, 4.0 and 19 steps/s measured alone on 2026-12-07 with the recipes' memory
# order, slower in a full run).
BUDGET = {"mlp": 1250, "dcgan": 750, "wgan-gp": 130, "cdcgan": 600}
# Lesson 06's faster setting: at the recipe's Adam 1e-4, a draft of lesson 09 measured FID 1,079
# and 1.7 classes after 100 steps (no digits yet).
CHANGES = {"wgan-gp": dict(lr_G=1e-3, lr_D=1e-3, beta1=0.0)}
SCORES = ("fid", "inception_score", "precision", "recall", "class_coverage")
SIZES = (500, 1000, 2000, 5000, 10000)


@torch.no_grad()
def draw(trainer, n: int, *, seed: int = 123) -> torch.Tensor:
    """n digits (n, 1, 28, 28) in [-1, 1] from G's weight average, for seeded noise."""
    g = torch.Generator().manual_seed(seed)
    return torch.cat([trainer.generate(trainer.sample_z(min(1000, n - i), generator=g)).cpu()
                      for i in range(0, n, 1000)])


def _fmt(score: str, v: float) -> str:
    return f"{v:.1%}" if score in ("precision", "recall") else f"{v:.1f}" if score == "fid" \
        else f"{v:.2f}"


def scoreboard(models: list[str], seeds: list[int], scale: float, n: int, sampler) -> dict:
    board = {}
    for name in models:
        steps = max(1, round(BUDGET[name] * scale))
        for seed in seeds:
            trainer = presets.mnist_trainer(name, seed=seed, real=sampler, **CHANGES.get(name, {}))
            start = time.perf_counter()
            trainer.train(steps)
            seconds = time.perf_counter() - start
            board[name, seed] = {**metrics.mnist_scores(draw(trainer, n)), "steps": steps,
                                 "seconds": seconds, "trainer": trainer}
            print(f"  {name} seed {seed}: {steps} steps in {seconds:.0f} s, "
                  f"FID {board[name, seed]['fid']:.1f}", flush=True)
    print("\n| recipe | steps | s per run | " + " | ".join(SCORES) + " |")
    print("| --- " * (3 + len(SCORES)) + "|")
    for name in models:
        rows = [board[name, s] for s in seeds]
        cells = []
        for score in SCORES:
            v = np.array([r[score] for r in rows], dtype=float)
            spread = _fmt(score, v.std(ddof=1)) if len(v) > 1 else "-"
            cells.append(f"{_fmt(score, v.mean())} ± {spread}")
        print(f"| {name} | {rows[0]['steps']} | {np.mean([r['seconds'] for r in rows]):.0f} | "
              + " | ".join(cells) + " |")
    return board


def fid_against_n(trainer, images: torch.Tensor, sizes: list[int]) -> None:
    feats_real = metrics.classifier_features(images).double()
    mu, sigma = metrics.feature_stats(feats_real)
    feats_fake = metrics.classifier_features(draw(trainer, max(sizes), seed=7)).double()
    g = torch.Generator().manual_seed(0)
    print("\n| N | G: FID mean ± std (3 draws) | real digits: FID mean ± std |")
    print("| --- | --- | --- |")
    for n in sizes:
        out = []
        for f in (feats_fake, feats_real):
            runs = [metrics.frechet_distance(
                *metrics.feature_stats(f[torch.randperm(len(f), generator=g)[:n]]), mu, sigma)
                for _ in range(3)]
            out.append(f"{np.mean(runs):.1f} ± {np.std(runs):.1f}")
        if n >= len(feats_real):  # all real digits are the reference: 0 by construction
            out[1] = "- (the reference itself)"
        print(f"| {n:,} | {out[0]} | {out[1]} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0-2", help="e.g. 0-2 or 0,3")
    parser.add_argument("--models", default=",".join(BUDGET),
                        help=f"comma-separated, of {', '.join(BUDGET)}")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every step budget")
    parser.add_argument("-n", type=int, default=2000, help="digits scored per run")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="sample sizes of the FID-against-N table")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    models = args.models.split(",")
    unknown = [m for m in models if m not in BUDGET]
    if unknown:
        parser.error(f"unknown models {unknown}; expected some of {tuple(BUDGET)}")
    seeds = parse_seeds(args.seeds)
    torch.set_num_threads(args.threads)
    images, labels = data.load_mnist(source="bundled")
    pool, _ = applications.holdout_split(len(images))
    sampler = data.TensorSampler(images[pool], labels[pool])
    print(f"{args.threads} threads; seeds {seeds}; N = {args.n:,}; scale {args.scale:g}")
    board = scoreboard(models, seeds, args.scale, args.n, sampler)
    sizes = [int(s) for s in args.sizes.split(",")]
    fid_against_n(board[models[0], seeds[0]]["trainer"], images, sizes)


if __name__ == "__main__":
    main()
