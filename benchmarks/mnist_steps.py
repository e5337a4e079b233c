"""Quality per step on MNIST: train a recipe (or a variant of it) and score it at step checkpoints.

    python -m benchmarks.mnist_steps --model dcgan --steps 500,1000,2000
    python -m benchmarks.mnist_steps --model dcgan --set lr_G=2e-4 lr_D=2e-4
    python -m benchmarks.mnist_steps --model dcgan --g-channels 32 --d-channels 32 --spectral-norm

Quality per step is deterministic for a seed and a thread count, so recipes can be compared on a
busy machine where wall-clock timings are not trustworthy; measure steps/s separately
(`--speed`, or `benchmarks.mnist`) and multiply. At each checkpoint it draws --samples digits
from G's weight average (or G when the recipe keeps none) for fixed z and prints the course
classifier's metrics; with 2,000 samples the FID-like number is higher than with 10,000 (compare
rows at the same N). CPU ms/step is process CPU time per training step (all threads).
"""

from __future__ import annotations

import argparse
import time

import torch

from benchmarks import mnist
from gan_course import metrics, models, presets
from gan_course.training import Trainer


def build(args: argparse.Namespace) -> Trainer:
    """The recipe's trainer, with the DCGAN pair re-sized by --g-channels/--d-channels/--spectral-norm."""
    return mnist.build(args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=tuple(presets.MNIST_RECIPES), default="dcgan")
    parser.add_argument("--steps", default="250,500,1000,2000,3000,4000")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="GANConfig overrides, e.g. lr_G=1e-3 loss=hinge")
    mnist.add_network_arguments(parser)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    trainer = build(args)
    print(f"{args.model} {vars(args)}\n{trainer.config}")
    print(f"G {models.count_parameters(trainer.G):,} parameters, D {models.count_parameters(trainer.D):,}")
    print(f"{'step':>6}{'FID':>8}{'IS':>7}{'classes':>9}{'max share':>10}{'CPU ms/step':>13}")
    gen = torch.Generator().manual_seed(12345)
    z = trainer.sample_z(args.samples, generator=gen)
    cpu = 0.0
    for mark in sorted(int(s) for s in args.steps.split(",")):
        start = time.process_time()
        trainer.train(mark - trainer.step_count)
        cpu += time.process_time() - start
        s = metrics.mnist_scores(trainer.generate(z).clamp(-1, 1))
        print(f"{mark:>6}{s['fid']:>8.1f}{s['inception_score']:>7.2f}{s['class_coverage']:>9d}"
              f"{max(s['class_hist']):>10.1%}{1000 * cpu / mark:>13.0f}", flush=True)


if __name__ == "__main__":
    main()
