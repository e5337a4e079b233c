"""Execution levers for the MNIST DCGAN step, compared in one run (issue 21).

    python -m benchmarks.execution [--steps 30] [--threads 2] [--kinds eager,channels-last,...]

The `dcgan` recipe's G and D (copied for each kind, so every kind starts from the same weights)
train with a bare non-saturating BCE step and Adam, batch 64. Each kind: the first step is timed
on its own (it holds `torch.compile`'s compile time), then a few warm-up steps, then ``--steps``
timed ones. Eager runs first and last, so drift over the run shows. Kinds: eager, channels-last
(G, D and the real batch in torch.channels_last), compile (`torch.compile`, inductor; needs a C++
compiler: without one it is reported as failed, not faked), compile+channels-last.
"""

from __future__ import annotations

import argparse
import copy
import time

import torch
import torch.nn.functional as F

from gan_course import presets

KINDS = ("eager", "channels-last", "compile", "compile+channels-last", "eager")


def make_step(G0, D0, kind: str, batch_size: int = 64):
    G, D = copy.deepcopy(G0), copy.deepcopy(D0)
    last = "channels-last" in kind
    if last:
        G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
    opt_G = torch.optim.Adam(G.parameters(), 1e-3, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), 1e-3, betas=(0.5, 0.999))
    if "compile" in kind:
        G, D = torch.compile(G), torch.compile(D)
    gen = torch.Generator().manual_seed(0)
    x_real = torch.rand(batch_size, 1, 28, 28, generator=gen) * 2 - 1  # (B, 1, 28, 28)
    if last:
        x_real = x_real.to(memory_format=torch.channels_last)

    def step() -> None:
        # (1) D: real vs detached fakes
        x_fake = G(torch.randn(batch_size, G0.latent_dim, generator=gen)).detach()
        loss_D = F.softplus(-D(x_real)).mean() + F.softplus(D(x_fake)).mean()
        opt_D.zero_grad()
        loss_D.backward()
        opt_D.step()
        # (2) G: non-saturating, through D
        loss_G = F.softplus(-D(G(torch.randn(batch_size, G0.latent_dim, generator=gen)))).mean()
        opt_G.zero_grad()
        loss_G.backward()
        opt_G.step()

    return step


def measure(step, steps: int, warmup: int = 3) -> tuple[float, float]:
    start = time.perf_counter()
    step()
    first = time.perf_counter() - start
    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return first, (time.perf_counter() - start) / steps


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    trainer = presets.mnist_trainer("dcgan", seed=0)
    print(f"dcgan G and D, batch 64, {args.threads} threads, {args.steps} timed steps\n")
    print("| execution | first step (s, compile included) | ms per step |\n| --- | --- | --- |")
    for kind in args.kinds.split(","):
        try:
            first, per_step = measure(make_step(trainer.G, trainer.D, kind), args.steps)
        except Exception as err:  # e.g. inductor without a C++ compiler: say so
            print(f"| {kind} | failed: {type(err).__name__}: {str(err)[:80]} | |", flush=True)
            continue
        print(f"| {kind} | {first:.1f} | {per_step * 1e3:.1f} |", flush=True)


if __name__ == "__main__":
    main()
