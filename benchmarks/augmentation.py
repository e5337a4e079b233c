"""Lesson 11's measurements: do GAN digits help a classifier trained on scarce data, and FGSM.

    python -m benchmarks.augmentation --seeds 0-2
    python -m benchmarks.augmentation --seeds 0-2 --gan cdcgan-projection --no-fgsm

For each seed: draw the scarce subset (20 digits of each class, from the bundled digits outside
the fixed 2,000-digit held-out split), train lesson 8's conditional GAN on that subset only, and
train the small classifier four times (real only, + classic augmentation, + GAN digits, + both);
each is scored on the held-out split. Then the table: mean, spread (standard deviation over the
seeds), min and max of each condition. Then the FGSM curve: accuracy against eps for the course's
metric classifier on the 1,000 digits it never trained on, and for the small classifier trained
on the whole pool without and with adversarial training, on the held-out split. The defaults
are the lesson's (`applications.AugmentationConfig()`), so seeds 0-2 reproduce its table.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
import torch

from benchmarks.toy import parse_seeds
from gan_course import applications as A
from gan_course import data, metrics


def augmentation_table(seeds: list[int], cfg: A.AugmentationConfig, images, labels) -> None:
    runs = []
    print(f"{'seed':>5}" + "".join(f"{c:>12}" for c in A.CONDITIONS)
          + f"{'GAN read as asked':>19}{'GAN s':>7}{'all s':>7}")
    for seed in seeds:
        start = time.perf_counter()
        run = A.augmentation_run(seed, cfg, images=images, labels=labels)
        runs.append(run)
        print(f"{seed:>5}" + "".join(f"{run['accuracy'][c]:>12.2%}" for c in A.CONDITIONS)
              + f"{run['gan_read_as_asked']:>19.1%}{run['gan_seconds']:>7.0f}"
              f"{time.perf_counter() - start:>7.0f}", flush=True)
    print(f"\n{len(seeds)} seeds, {cfg.per_class} real digits per class, GAN {cfg.gan} "
          f"{cfg.gan_steps} steps, share of GAN digits in a batch {cfg.classifier.share}; "
          f"held-out split {cfg.n_test} digits")
    print("| condition | mean | spread (std) | min | max | vs real only (mean of per-seed gains) |")
    print("| --- | --- | --- | --- | --- | --- |")
    base = np.array([r["accuracy"]["real only"] for r in runs])
    for c in A.CONDITIONS:
        acc = np.array([r["accuracy"][c] for r in runs])
        gain = acc - base
        print(f"| {c} | {acc.mean():.2%} | {acc.std(ddof=1) if len(acc) > 1 else 0:.2%} | "
              f"{acc.min():.2%} | {acc.max():.2%} | {gain.mean():+.2%} "
              f"({gain.min():+.2%} to {gain.max():+.2%}) |")


def fgsm_curves(images, labels, cfg: A.AugmentationConfig, *, pool_steps: int,
                n_attack: int | None = None, seed: int = 0) -> None:
    pool, test = A.holdout_split(len(labels), n_test=cfg.n_test)
    test = test[:n_attack]
    x_unseen, y_unseen = (t[:n_attack] for t in A.unseen_by_course_classifier(images, labels))
    start = time.perf_counter()
    rows = {"course classifier, FGSM (its unseen last 1,000)":
            A.accuracy_under_attack(metrics.load_classifier(), x_unseen, y_unseen, A.FGSM_EPS)}
    for name, adv in (("small CNN", 0.0), ("small CNN, adversarially trained", A.ADV_EPS)):
        model = A.train_classifier(images[pool], labels[pool],
                                   replace(A.POOL_CLASSIFIER, steps=pool_steps, adv_eps=adv),
                                   seed=seed)
        for attack in (A.fgsm, A.iterative_fgsm):
            rows[f"{name}, {attack.__name__} (held-out split)"] = A.accuracy_under_attack(
                model, images[test], labels[test], A.FGSM_EPS, attack=attack)
    print(f"\nAccuracy against eps (image units, [-1, 1]; eps / 2 on a [0, 1] scale); small CNN "
          f"trained on the {len(pool):,}-digit pool, {pool_steps} steps, adversarial "
          f"training at eps {A.ADV_EPS}; {time.perf_counter() - start:.0f} s")
    print("| classifier, attack | " + " | ".join(f"{e:g}" for e in A.FGSM_EPS) + " |")
    print("| --- |" + " --- |" * len(A.FGSM_EPS))
    for name, accs in rows.items():
        print(f"| {name} | " + " | ".join(f"{a:.1%}" for a in accs) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0-2", help="e.g. 0-2 or 0,3")
    parser.add_argument("--per-class", type=int, default=A.AugmentationConfig.per_class)
    parser.add_argument("--gan", default=A.AugmentationConfig.gan,
                        choices=("cdcgan", "cdcgan-projection"), help="lesson 8's conditional recipe")
    parser.add_argument("--gan-steps", type=int, default=A.AugmentationConfig.gan_steps)
    parser.add_argument("--gan-augment", default=A.AugmentationConfig.gan_augment,
                        help="DiffAugment for the GAN's D, e.g. translation,cutout (default none)")
    parser.add_argument("--classifier-steps", type=int, default=A.ClassifierConfig.steps)
    parser.add_argument("--share", type=float, default=A.ClassifierConfig.share,
                        help="share of GAN digits in each batch of the + GAN conditions")
    parser.add_argument("--gen-per-class", type=int, default=A.AugmentationConfig.gen_per_class)
    parser.add_argument("--pool-steps", type=int, default=A.POOL_CLASSIFIER.steps,
                        help="steps of the small CNN the attacks' table trains on the pool")
    parser.add_argument("--attack-digits", type=int, default=None,
                        help="attack only the first N digits of each split (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-fgsm", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg = A.AugmentationConfig(per_class=args.per_class, gan=args.gan, gan_steps=args.gan_steps,
                               gan_augment=args.gan_augment, gen_per_class=args.gen_per_class,
                               classifier=A.ClassifierConfig(steps=args.classifier_steps,
                                                             share=args.share))
    print(f"{torch.get_num_threads()} threads; {cfg}", flush=True)
    images, labels = data.load_mnist(source="bundled")
    augmentation_table(parse_seeds(args.seeds), cfg, images, labels)
    if not args.no_fgsm:
        fgsm_curves(images, labels, cfg, pool_steps=args.pool_steps, n_attack=args.attack_digits)


if __name__ == "__main__":
    main()
