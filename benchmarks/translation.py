"""Unpaired translation on digits: train lesson 10's CycleGAN for S seconds, then measure it.

    python -m benchmarks.translation --seconds 300 --out runs/cyclegan.npz

X = the even rows of the bundled MNIST digits, Y = the odd rows with thick strokes (3x3
dilation); nothing pairs them. After S seconds of training (CPU unless --device says otherwise)
it translates every X digit with G and prints label preservation (the share of G(x) that the
course classifier reads as x's label), the classifier's accuracy on Y itself (the ceiling of
that share: some thick digits are hard to read) and the style measure, ink per digit, of X, Y
and G(X), and of dilate(X), the exact translation. It writes `x` (5000, 28, 28) uint8, `y` = G(x) (5000, 28, 28) uint8, `labels` (5000,),
`steps` and `seconds` to --out. Targets within 300 s: label preservation >= 90%, ink of G(X)
within 10% of Y's.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from gan_course import data, metrics
from gan_course import translation as tr


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """(N, 1, 28, 28) in [-1, 1] -> (N, 28, 28) uint8."""
    return ((x[:, 0].clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()


def read_rate(x: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of images the course classifier reads as ``labels``."""
    return (metrics.classifier_probs(x).argmax(dim=1) == labels).double().mean().item()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lambda-cycle", type=float, default=tr.CycleConfig.lambda_cycle)
    parser.add_argument("--lambda-identity", type=float, default=tr.CycleConfig.lambda_identity)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    x, labels, y, labels_y = tr.unpaired_domains(*data.load_mnist(source="bundled"))
    cfg = tr.CycleConfig(lambda_cycle=args.lambda_cycle, lambda_identity=args.lambda_identity,
                         seed=args.seed)
    model = tr.CycleGAN(x, y, cfg)
    print(f"CycleGAN {cfg}")
    print(f"{torch.get_num_threads()} threads, X {tuple(x.shape)}, Y {tuple(y.shape)} (unpaired)")
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        model.step()
    seconds = time.perf_counter() - start
    y_fake = tr.translate(model.G, x)  # (5000, 1, 28, 28)
    ink_x, ink_y, ink_g, ink_dx = (tr.ink(t).mean().item() for t in (x, y, y_fake, tr.dilate(x)))
    print(f"{model.step_count} steps in {seconds:.0f} s ({model.step_count / seconds:.1f} steps/s)")
    print(f"label preservation (classifier reads G(x) as x's digit): {read_rate(y_fake, labels):.1%}"
          f"  [classifier on X {read_rate(x, labels):.1%}, on Y {read_rate(y, labels_y):.1%}]")
    print(f"ink per digit: X {ink_x:.1f}, Y {ink_y:.1f}, G(X) {ink_g:.1f} "
          f"({ink_g / ink_y - 1:+.1%} from Y); dilate(X), the exact answer, {ink_dx:.1f} "
          f"({ink_dx / ink_y - 1:+.1%} from Y)")
    print(f"round trip mean |F(G(x)) - x|: "
          f"{tr.cycle_loss(x, tr.translate(model.F, y_fake)).item():.3f}")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.out, x=to_uint8(x), y=to_uint8(y_fake), labels=labels.numpy(),
                            steps=model.step_count, seconds=seconds)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
