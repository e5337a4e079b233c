"""Does a conditional GAN draw the digit it is asked for? Train lesson 8's GAN for S seconds.

    python -m benchmarks.conditional --seconds 300 --out runs/conditional.npz
    python -m benchmarks.conditional --model cdcgan-projection --seconds 300

Trains on the bundled 10,000 digits (CPU unless --device says otherwise). At checkpoints along the
way it pauses the clock, draws 1,000 digits of each class (the same z for every checkpoint) and
prints the course classifier's reading: overall and per-class accuracy (the share read as the
requested digit), FID on its features and the inception score. At the end it writes `x`
(10000, 28, 28) uint8, `y` (10000,) the requested labels, `steps` and `seconds` to --out.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.mnist import checkpoints
from gan_course import metrics, presets

PER_CLASS = 1_000
CONDITIONAL = ("cdcgan", "cdcgan-projection")


@torch.no_grad()
def draw(trainer, per_class: int = PER_CLASS, batch: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """``per_class`` digits of each class as uint8 (10 * per_class, 28, 28) and their labels."""
    gen = torch.Generator().manual_seed(12345)  # the same z for every checkpoint
    n = trainer.n_classes * per_class
    y = torch.arange(n) // per_class  # (n,) 0, 0, ..., 1, 1, ...
    z = trainer.sample_z(n, generator=gen)
    out = []
    for start in range(0, n, batch):
        x = trainer.generate(z[start:start + batch], y=y[start:start + batch])  # in [-1, 1]
        out.append(((x[:, 0].clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8))
    return torch.cat(out), y


def per_class_accuracy(x: torch.Tensor, y: torch.Tensor, n_classes: int = 10) -> np.ndarray:
    """Share of each requested class that the course classifier reads as that class, (n_classes,)."""
    predicted = metrics.classifier_probs(x).argmax(dim=1).cpu()
    return np.array([(predicted[y == k] == k).float().mean().item() for k in range(n_classes)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=CONDITIONAL, default="cdcgan")
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    trainer = presets.mnist_trainer(args.model, seed=args.seed, device=args.device,
                                    set_threads=True)
    print(f"{args.model}: {presets.MNIST_RECIPES[args.model]}")
    print(f"device {args.device}, {torch.get_num_threads()} threads, seed {args.seed}")
    print(f"{'seconds':>8}{'steps':>7}{'steps/s':>8}{'FID':>7}{'IS':>6}{'acc':>7}{'worst':>9}  "
          "per-class accuracy 0..9")
    trained = 0.0
    for mark in checkpoints(args.seconds):
        start = time.perf_counter()
        while trained + (time.perf_counter() - start) < mark:
            trainer.step()
        trained += time.perf_counter() - start
        x, y = draw(trainer)
        s, acc = metrics.mnist_scores(x), per_class_accuracy(x, y)
        print(f"{trained:>8.0f}{trainer.step_count:>7d}{trainer.step_count / trained:>8.1f}"
              f"{s['fid']:>7.1f}{s['inception_score']:>6.2f}{acc.mean():>7.1%}"
              f"{acc.min():>6.1%} ({acc.argmin()})  " + " ".join(f"{a:.0%}" for a in acc),
              flush=True)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.out, x=x.numpy(), y=y.numpy(), steps=trainer.step_count,
                            seconds=trained)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
