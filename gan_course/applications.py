"""GANs at work, measured: data augmentation and adversarial examples (lesson 11).

The pieces of notebooks/11_applications.ipynb, kept here so the lesson and
``python -m benchmarks.augmentation`` run the same experiment:

* splits: a fixed held-out split of the bundled digits (`holdout_split`) and a scarce or
  imbalanced training subset drawn from the rest (`class_subset`);
* a small digit classifier (`DigitCNN`) and its training loop (`train_classifier`), which can mix
  generated digits into every batch at a given share (`mix_batch`), shift and rotate each image
  (`classic_augmentation`, torchvision.transforms.v2) and train on adversarial examples;
* the fast gradient sign method (`fgsm`), its iterative form, and accuracy under attack;
* `augmentation_run`: one seed of the lesson's table (real only, + classic, + GAN, + both), with
  the conditional GAN of lesson 8 trained on the same scarce subset only.

Images are (N, 1, 28, 28) floats in [-1, 1] (background -1), labels (N,) int64, as elsewhere in
the course.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.transforms import v2

from gan_course import data, metrics, presets, utils
from gan_course.training import Trainer

__all__ = [
    "holdout_split",
    "class_subset",
    "DigitCNN",
    "ClassifierConfig",
    "train_classifier",
    "predict",
    "accuracy",
    "per_class_accuracy",
    "classic_augmentation",
    "mix_batch",
    "fgsm",
    "iterative_fgsm",
    "accuracy_under_attack",
    "FGSM_EPS",
    "ADV_EPS",
    "POOL_CLASSIFIER",
    "unseen_by_course_classifier",
    "generate_digits",
    "CONDITIONS",
    "AugmentationConfig",
    "scarce_split",
    "scarce_gan",
    "compare_conditions",
    "augmentation_run",
]

N_CLASSES = 10


# --------------------------------------------------------------------------- splits


def holdout_split(n: int, *, n_test: int = 2000, seed: int = 0) -> tuple[Tensor, Tensor]:
    """A fixed random split of ``n`` indices into a training pool and a held-out test split.

    Random rather than the first / last rows: the bundled digits' first and second halves come
    from different writers (`metrics.mnist_scores` notes an FID of about 20 between them).

    Returns:
        ``(pool, test)``: sorted index tensors of sizes ``n - n_test`` and ``n_test``, disjoint.
    """
    if not 0 < n_test < n:
        raise ValueError(f"expected 0 < n_test < n = {n}, got n_test={n_test!r}")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(utils.check_seed(seed)))
    return order[n_test:].sort().values, order[:n_test].sort().values


def class_subset(labels: Tensor, counts: int | Sequence[int], *, among: Tensor | None = None,
                 generator: torch.Generator | None = None) -> Tensor:
    """Indices of a subset with ``counts[k]`` examples of each class k, drawn without replacement.

    Args:
        labels: (N,) integer labels in 0..n_classes - 1.
        counts: one count for every class (a scarce subset), or one per class (an imbalanced
            one, e.g. ``[200] * 9 + [4]``: the last class at 2% of the others).
        among: indices (M,) to draw from (a training pool); default all N.
        generator: torch generator for the draw.

    Returns:
        Sorted indices (sum of counts,) into ``labels``, all in ``among``.
    """
    n_classes = N_CLASSES if isinstance(counts, int) else len(counts)
    counts = [counts] * n_classes if isinstance(counts, int) else list(counts)
    if any(not isinstance(c, int) or c < 0 for c in counts):
        raise ValueError(f"expected counts >= 0 (ints), got {counts}")
    among = torch.arange(len(labels)) if among is None else among
    chosen = []
    for k, c in enumerate(counts):
        of_k = among[labels[among] == k]
        if c > len(of_k):
            raise ValueError(f"class {k}: asked for {c} examples, only {len(of_k)} to draw from")
        chosen.append(of_k[torch.randperm(len(of_k), generator=generator)[:c]])
    return torch.cat(chosen).sort().values


# --------------------------------------------------------------------------- the classifier


class DigitCNN(nn.Module):
    """A small CNN digit classifier: images (B, 1, 28, 28) in [-1, 1] -> logits (B, 10).

    Two 3x3 conv + max-pool stages and one linear layer (about 20k parameters), small enough to
    train many times in a lesson. No BatchNorm or dropout: train and eval mode are the same.
    """

    def __init__(self, *, channels: int = 16, n_classes: int = N_CLASSES) -> None:
        super().__init__()
        c = channels
        self.net = nn.Sequential(
            nn.Conv2d(1, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, c, 14, 14)
            nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 2c, 7, 7)
            nn.Flatten(), nn.Linear(2 * c * 7 * 7, n_classes))  # (B, 10)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


@dataclass(frozen=True)
class ClassifierConfig:
    """How `train_classifier` trains a `DigitCNN`.

    Attributes:
        steps: optimiser steps (batches drawn with replacement, so the count does not depend on
            the size of the training set).
        batch_size: images per step.
        lr: Adam's learning rate.
        share: share of each batch taken from the generated digits (when some are given).
        augment: shift and rotate every image of a batch (`classic_augmentation`).
        adv_eps: > 0 trains on clean and FGSM images of each batch, half and half (Goodfellow et
            al., 2015); the FGSM step in image units ([-1, 1]).
        channels: the CNN's first-layer channels.
    """

    steps: int = 400
    batch_size: int = 64
    lr: float = 2e-3
    share: float = 0.5
    augment: bool = False
    adv_eps: float = 0.0
    channels: int = 16

    def __post_init__(self) -> None:
        if not 0.0 <= self.share <= 1.0:
            raise ValueError(f"expected share in [0, 1], got {self.share!r}")
        if self.adv_eps < 0:
            raise ValueError(f"expected adv_eps >= 0, got {self.adv_eps!r}")


def classic_augmentation(*, degrees: float = 15.0, shift: float = 0.1) -> Callable[[Tensor], Tensor]:
    """Random rotations (up to ``degrees``) and shifts (up to ``shift`` of the width), per image.

    A torchvision.transforms.v2 ``RandomAffine``, applied image by image: called on a batch
    tensor, a v2 transform draws one set of parameters for the whole batch. The empty corners are
    filled with the background, -1. Draws from torch's global generator.

    Returns:
        A function images (B, 1, 28, 28) -> images (B, 1, 28, 28).
    """
    affine = v2.RandomAffine(degrees=degrees, translate=(shift, shift), fill=-1.0)
    return lambda x: torch.stack([affine(image) for image in x])


def mix_batch(x_real: Tensor, y_real: Tensor, x_gen: Tensor, y_gen: Tensor,
              share: float) -> tuple[Tensor, Tensor]:
    """A batch of len(x_real) images, the last round(share * B) of them generated.

    Args:
        x_real, y_real: a real batch (B, 1, 28, 28) and its labels (B,).
        x_gen, y_gen: a generated batch (at least round(share * B) rows) and its labels.
        share: the share of generated images, in [0, 1].

    Returns:
        ``(x, y)``: the first B - n real images, then the first n generated ones, with their
        labels; n = round(share * B).
    """
    n_gen = round(share * len(x_real))
    n_real = len(x_real) - n_gen
    return (torch.cat([x_real[:n_real], x_gen[:n_gen]]),
            torch.cat([y_real[:n_real], y_gen[:n_gen]]))


def fgsm(model: nn.Module, x: Tensor, y: Tensor, eps: float) -> Tensor:
    """The fast gradient sign method: x + eps * sign(grad_x J(x, y)), clamped to [-1, 1].

    J is the cross-entropy of ``model``'s logits against the true labels ``y``; one step of size
    ``eps`` (in image units: the range [-1, 1] is 2 wide) on every pixel, in the direction that
    raises the loss. The model's mode (train / eval) is left as it is.
    """
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():  # also under torch.no_grad(): the attack needs this one gradient
        loss = F.cross_entropy(model(x), y)
        (grad,) = torch.autograd.grad(loss, x)  # (B, 1, 28, 28)
    return (x + eps * grad.sign()).clamp(-1.0, 1.0).detach()


def train_classifier(x: Tensor, y: Tensor, config: ClassifierConfig | None = None, *,
                     generated: tuple[Tensor, Tensor] | None = None, seed: int = 0,
                     mix: Callable[..., tuple[Tensor, Tensor]] = mix_batch) -> DigitCNN:
    """Train a `DigitCNN` on (x, y), optionally mixing generated digits into each batch.

    Each step draws a batch of real images with replacement; with ``generated`` = (x_gen, y_gen)
    it replaces ``config.share`` of the batch by generated ones (``mix``, `mix_batch`); then
    (``config.augment``) shifts and rotates every image; then one Adam step on the cross-entropy
    (with ``config.adv_eps``, the mean of the clean and the FGSM batch's).

    Args:
        x, y: training images (N, 1, 28, 28) in [-1, 1] and labels (N,).
        config: a `ClassifierConfig` (defaults if None).
        generated: optional generated images and their labels.
        seed: seeds the weights, the batches and the augmentation.
        mix: ``mix(x_real, y_real, x_gen, y_gen, share) -> (x, y)``.

    Returns:
        The trained model, in eval mode.
    """
    cfg = config or ClassifierConfig()
    torch.manual_seed(utils.check_seed(seed))  # weights and the augmentation's draws
    model = DigitCNN(channels=cfg.channels)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    gen = torch.Generator().manual_seed(seed)  # the batches
    augment = classic_augmentation() if cfg.augment else None
    for _ in range(cfg.steps):
        idx = torch.randint(len(x), (cfg.batch_size,), generator=gen)
        xb, yb = x[idx], y[idx]
        if generated is not None and cfg.share > 0:
            jdx = torch.randint(len(generated[0]), (cfg.batch_size,), generator=gen)
            xb, yb = mix(xb, yb, generated[0][jdx], generated[1][jdx], cfg.share)
        if augment is not None:
            xb = augment(xb)
        loss = F.cross_entropy(model(xb), yb)
        if cfg.adv_eps > 0:
            loss = 0.5 * loss + 0.5 * F.cross_entropy(model(fgsm(model, xb, yb, cfg.adv_eps)), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model.eval()


@torch.no_grad()
def predict(model: nn.Module, x: Tensor, *, batch_size: int = 1000) -> Tensor:
    """The model's predicted classes (N,) for images (N, 1, 28, 28)."""
    return torch.cat([model(batch).argmax(dim=1) for batch in x.split(batch_size)])


def accuracy(model: nn.Module, x: Tensor, y: Tensor) -> float:
    """Share of images (N, 1, 28, 28) the model classifies as their label y (N,)."""
    return (predict(model, x) == y).float().mean().item()


def per_class_accuracy(predicted: Tensor, y: Tensor, n_classes: int = N_CLASSES) -> Tensor:
    """For each true class k, the share of its examples predicted as k: (n_classes,)."""
    return torch.stack([(predicted[y == k] == k).float().mean() for k in range(n_classes)])


def iterative_fgsm(model: nn.Module, x: Tensor, y: Tensor, eps: float, *,
                   steps: int = 10) -> Tensor:
    """FGSM in ``steps`` steps of eps / steps, each projected back within eps of x (per pixel)
    and into [-1, 1]: the basic iterative method (Kurakin et al., 2017). Same budget as one FGSM
    step, a stronger attack: it follows the loss where one linear step cannot."""
    x = x.detach()
    x_adv = x
    for _ in range(steps):
        x_adv = fgsm(model, x_adv, y, eps / steps)
        x_adv = torch.minimum(torch.maximum(x_adv, x - eps), x + eps)
    return x_adv


def accuracy_under_attack(model: nn.Module, x: Tensor, y: Tensor, eps: Sequence[float], *,
                          attack: Callable[..., Tensor] = fgsm,
                          batch_size: int = 500) -> list[float]:
    """Accuracy on attacked images, ``attack(model, x, y, eps)``, for each eps (0: clean)."""
    out = []
    for e in eps:
        right = sum(int((predict(model, attack(model, xb, yb, e)) == yb).sum())
                    for xb, yb in zip(x.split(batch_size), y.split(batch_size), strict=True))
        out.append(right / len(x))
    return out


# The FGSM curve's steps (image units; eps / 2 on a [0, 1] pixel scale: Goodfellow et al.'s MNIST
# eps of 0.25 is 0.5 here), and adversarial training's step: a classifier trained on the pool.
FGSM_EPS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
ADV_EPS = 0.3
POOL_CLASSIFIER = ClassifierConfig(steps=1000)


def unseen_by_course_classifier(images: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
    """The bundled digits the course's metric classifier never trained on (its last 1,000)."""
    n_train = int(metrics.load_classifier().meta["n_train"])
    return images[n_train:], labels[n_train:]


# --------------------------------------------------------------------------- GAN digits


def generate_digits(trainer: Trainer, per_class: int, *, seed: int = 0,
                    batch_size: int = 1000) -> tuple[Tensor, Tensor]:
    """``per_class`` digits of each class from a conditional trainer's G (its weight average).

    Returns:
        Images (n_classes * per_class, 1, 28, 28) in [-1, 1] and their requested labels.
    """
    gen = torch.Generator().manual_seed(utils.check_seed(seed))
    y = torch.arange(trainer.n_classes).repeat_interleave(per_class)  # 0, 0, ..., 9
    z = torch.randn(len(y), trainer.config.latent_dim, generator=gen)
    x = torch.cat([trainer.generate(zb, y=yb).clamp(-1, 1)
                   for zb, yb in zip(z.split(batch_size), y.split(batch_size), strict=True)])
    return x, y


# --------------------------------------------------------------------------- the experiment

CONDITIONS = ("real only", "+ classic", "+ GAN", "+ both")


@dataclass(frozen=True)
class AugmentationConfig:
    """One seed of lesson 11's augmentation table.

    Attributes:
        per_class: real training digits of each class (the scarce subset).
        n_test: size of the held-out split (fixed for every seed, disjoint from the pool).
        gan: key of `presets.MNIST_RECIPES` (a conditional recipe).
        gan_steps: the GAN's training steps on the scarce subset.
        gan_augment: DiffAugment policy for the GAN's D (`GANConfig.augment`, e.g.
            "translation,cutout"; "" for none, the recipe's own).
        gen_per_class: generated digits of each class in the pool the batches draw from.
        classifier: how each of the four classifiers trains (``augment`` is set per condition).
    """

    per_class: int = 20
    n_test: int = 2000
    gan: str = "cdcgan"
    gan_steps: int = 1000
    gan_augment: str = ""
    gen_per_class: int = 500
    classifier: ClassifierConfig = ClassifierConfig()


def scarce_split(labels: Tensor, seed: int, config: AugmentationConfig | None = None
                 ) -> tuple[Tensor, Tensor]:
    """``(subset, test)`` indices: the seed's scarce training subset and the fixed held-out split.

    The held-out split is the same for every seed (`holdout_split`, seed 0); the subset is drawn
    with ``seed`` from the rest, so the two never share a digit.
    """
    cfg = config or AugmentationConfig()
    pool, test = holdout_split(len(labels), n_test=cfg.n_test)
    subset = class_subset(labels, cfg.per_class, among=pool,
                          generator=torch.Generator().manual_seed(utils.check_seed(seed)))
    return subset, test


def scarce_gan(x: Tensor, y: Tensor, *, model: str = "cdcgan", seed: int = 0,
               device: torch.device | str = "cpu", **overrides) -> Trainer:
    """Lesson 8's conditional GAN (`presets.mnist_trainer`) with only (x, y) as its real data.

    Leaves torch's thread count as it is; ``overrides`` go to `presets.mnist_trainer` (e.g.
    ``augment="translation,cutout"``).
    """
    return presets.mnist_trainer(model, seed=seed, device=device, set_threads=False,
                                 real=data.TensorSampler(x, y), **overrides)


def compare_conditions(x: Tensor, y: Tensor, generated: tuple[Tensor, Tensor], x_test: Tensor,
                       config: AugmentationConfig | None = None, *, seed: int = 0,
                       progress: Callable[[str], None] | None = None) -> dict[str, Tensor]:
    """Train a classifier under each of `CONDITIONS`; its predictions (N,) on ``x_test``.

    "+ classic" shifts and rotates every image of each batch; "+ GAN" replaces
    ``config.classifier.share`` of each batch by ``generated`` digits; "+ both" does the two (the
    generated digits are shifted and rotated too). Every condition uses the same seed.
    """
    cfg = config or AugmentationConfig()
    predicted = {}
    for name in CONDITIONS:
        if progress is not None:
            progress(name)
        classic, gan = name in ("+ classic", "+ both"), name in ("+ GAN", "+ both")
        model = train_classifier(x, y, replace(cfg.classifier, augment=classic), seed=seed,
                                 generated=generated if gan else None)
        predicted[name] = predict(model, x_test)
    return predicted


def augmentation_run(seed: int, config: AugmentationConfig | None = None, *,
                     images: Tensor | None = None, labels: Tensor | None = None,
                     device: torch.device | str = "cpu",
                     progress: Callable[[str], None] | None = None) -> dict:
    """One seed of the table: the scarce subset, the GAN trained on it, four classifiers.

    `scarce_split`, then `scarce_gan` trained ``gan_steps`` steps, `generate_digits`, then
    `compare_conditions`, scored on the held-out split.

    Args:
        seed: draws the subset and seeds the GAN and the classifiers.
        config: an `AugmentationConfig` (defaults if None).
        images, labels: the digits (default: the bundled 10,000).
        device: where the GAN trains (the classifiers train on the CPU).
        progress: called with a short line before each stage.

    Returns:
        ``{"accuracy": {condition: float}, "predicted": {condition: (n_test,)}, "subset",
        "test": indices, "gan_read_as_asked": the share of GAN digits the course classifier
        reads as the class asked for, "gan_seconds": float, "config": dict}``.
    """
    cfg = config or AugmentationConfig()
    if images is None or labels is None:
        images, labels = data.load_mnist(source="bundled")
    say = progress or (lambda _: None)
    subset, test = scarce_split(labels, seed, cfg)
    x, y = images[subset], labels[subset]
    say(f"seed {seed}: the GAN on {len(subset)} digits")
    start = time.perf_counter()
    trainer = scarce_gan(x, y, model=cfg.gan, seed=seed, device=device, augment=cfg.gan_augment)
    trainer.train(cfg.gan_steps)
    x_gen, y_gen = generate_digits(trainer, cfg.gen_per_class, seed=seed)
    gan_seconds = time.perf_counter() - start
    read = (metrics.classifier_probs(x_gen).argmax(dim=1) == y_gen).float().mean().item()
    predicted = compare_conditions(x, y, (x_gen, y_gen), images[test], cfg, seed=seed,
                                   progress=lambda name: say(f"seed {seed}: classifier {name}"))
    accuracy = {name: (p == labels[test]).float().mean().item() for name, p in predicted.items()}
    return {"accuracy": accuracy, "predicted": predicted, "subset": subset, "test": test,
            "gan_read_as_asked": read, "gan_seconds": gan_seconds, "config": asdict(cfg)}
