"""How close DCGAN training runs to this machine's arithmetic peak.

    python -m benchmarks.flops [--model dcgan] [--threads 2] [--channels-last] [--set batch_size=128]

Counts the FLOPs of one training step (torch's FlopCounterMode: forward and backward of D's and
G's updates), times steps, and measures a large float32 matmul on the same threads, so the table
says what fraction of the machine's matmul rate training achieves.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from benchmarks import mnist
from gan_course import presets


def matmul_gflops(n: int = 2048, repeats: int = 10) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=tuple(presets.MNIST_RECIPES), default="dcgan")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=None,
                        help="G and D in channels-last memory order (default: the recipe's)")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="GANConfig overrides, e.g. batch_size=128")
    args = parser.parse_args(argv)
    trainer = presets.mnist_trainer(args.model, channels_last=args.channels_last,
                                    **mnist.overrides(args.set))
    torch.set_num_threads(args.threads)
    trainer.train(3)  # warm-up (allocations, first-call overheads)
    with FlopCounterMode(display=False) as counter:
        trainer.step()
    flops = counter.get_total_flops()
    start = time.perf_counter()
    trainer.train(args.steps)
    step_s = (time.perf_counter() - start) / args.steps
    achieved = flops / step_s / 1e9
    peak = matmul_gflops()
    print(f"model {args.model}, batch {trainer.config.batch_size}, {args.threads} threads, "
          f"channels-last {args.channels_last}")
    print(f"{'GFLOP/step':>11}{'ms/step':>9}{'steps/s':>9}{'GFLOP/s':>9}{'matmul GFLOP/s':>16}{'share':>7}")
    print(f"{flops / 1e9:>11.3f}{step_s * 1e3:>9.1f}{1 / step_s:>9.1f}{achieved:>9.1f}"
          f"{peak:>16.1f}{achieved / peak:>7.1%}")


if __name__ == "__main__":
    main()
