"""Time to quality on MNIST: train a lesson's model for S seconds of wall time, score it on the way.

    python -m benchmarks.mnist --model dcgan --seconds 600 --out runs/dcgan.npz
    python -m benchmarks.mnist --model baseline --seconds 600 --out runs/baseline.npz
    python -m benchmarks.mnist --model dcgan --seconds 600 --channels-last --set augment=translation
    python -m benchmarks.mnist --model dcgan --seconds 600 --g-channels 12 --d-channels 24

Trains on the bundled 10,000 digits (CPU unless --device says otherwise). At checkpoints along the
way it pauses the clock, draws 10,000 digits and prints the course classifier's metrics (FID on its
features, inception score, class coverage, the largest class share). At the end it writes
`x` (10000, 28, 28) uint8, `steps` and `seconds` to --out.
"""

from __future__ import annotations

import argparse
import ast
import time
from pathlib import Path

import numpy as np
import torch

from gan_course import metrics, models, presets
from gan_course.training import Trainer

N_SAMPLES = 10_000


@torch.no_grad()
def draw(trainer, n: int = N_SAMPLES, batch: int = 1000) -> torch.Tensor:
    """n generated digits as uint8 (n, 28, 28), from G's weight average when the recipe keeps one."""
    gen = torch.Generator().manual_seed(12345)  # the same z for every checkpoint
    out = []
    for start in range(0, n, batch):
        z = trainer.sample_z(min(batch, n - start), generator=gen)
        x = trainer.generate(z)  # (b, 1, 28, 28) in [-1, 1]
        out.append(((x[:, 0].clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8))
    return torch.cat(out)


def overrides(items: list[str]) -> dict:
    """["lr_G=2e-4", "loss=hinge"] -> {"lr_G": 0.0002, "loss": "hinge"} (`GANConfig` fields)."""
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            out[key] = ast.literal_eval(value)  # numbers, True/False
        except (ValueError, SyntaxError):
            out[key] = value  # names such as hinge
    return out


def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    """--g-channels, --d-channels, --spectral-norm and --channels-last, as `build` reads them."""
    parser.add_argument("--g-channels", type=int, default=None,
                        help="G's base channels (DCGAN pair; default: the recipe's)")
    parser.add_argument("--d-channels", type=int, default=None,
                        help="D's base channels (DCGAN pair; default: the recipe's)")
    parser.add_argument("--spectral-norm", action="store_true")
    parser.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=None,
                        help="G and D in channels-last memory order (default: the recipe's)")


def build(args: argparse.Namespace, **kwargs) -> Trainer:
    """`presets.mnist_trainer` for ``args`` (``kwargs`` go to it too), with G and D re-sized when
    --g-channels / --d-channels / --spectral-norm say so, in the recipe's memory order unless
    --channels-last / --no-channels-last says otherwise."""
    if args.g_channels is not None or args.d_channels is not None or args.spectral_norm:
        recipe = presets.MNIST_RECIPES[args.model]
        torch.manual_seed(args.seed)  # G, then D, from the seed: as the recipe builds its own
        G = models.DCGANGenerator(100, base_channels=args.g_channels) if args.g_channels else recipe.G()
        D = (models.DCGANDiscriminator(base_channels=args.d_channels or 32,
                                       spectral_norm=args.spectral_norm)
             if args.d_channels or args.spectral_norm else recipe.D())
        if recipe.channels_last if args.channels_last is None else args.channels_last:
            G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
        kwargs = {**kwargs, "G": G, "D": D}
    return presets.mnist_trainer(args.model, seed=args.seed, channels_last=args.channels_last,
                                 **kwargs, **overrides(args.set))


def checkpoints(seconds: float) -> list[float]:
    marks = [t for t in (30, 60, 120, 180, 300, 450, 600, 900, 1200) if t < seconds]
    return marks + [seconds]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=tuple(presets.MNIST_RECIPES), default="dcgan")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="GANConfig overrides, e.g. augment=translation,cutout")
    add_network_arguments(parser)
    args = parser.parse_args(argv)
    trainer = build(args, device=args.device, set_threads=True)
    print(f"{args.model}: {presets.MNIST_RECIPES[args.model]}")
    print(f"overrides {overrides(args.set)}, channels-last {args.channels_last}, "
          f"G {models.count_parameters(trainer.G):,} parameters, D {models.count_parameters(trainer.D):,}")
    print(f"device {args.device}, {torch.get_num_threads()} threads, seed {args.seed}")
    print(f"{'seconds':>8}{'steps':>8}{'steps/s':>9}{'FID':>9}{'IS':>7}{'classes':>9}{'max share':>10}"
          f"{'min share':>10}")
    trained = 0.0
    for mark in checkpoints(args.seconds):
        start = time.perf_counter()
        while trained + (time.perf_counter() - start) < mark:
            trainer.step()
        trained += time.perf_counter() - start
        x = draw(trainer)
        s = metrics.mnist_scores(x)
        print(f"{trained:>8.0f}{trainer.step_count:>8d}{trainer.step_count / trained:>9.1f}"
              f"{s['fid']:>9.1f}{s['inception_score']:>7.2f}{s['class_coverage']:>9d}"
              f"{max(s['class_hist']):>10.1%}{min(s['class_hist']):>10.1%}", flush=True)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.out, x=x.numpy(), steps=trainer.step_count, seconds=trained)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
