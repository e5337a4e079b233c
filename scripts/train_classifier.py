"""Train the metric classifier and write ``gan_course/assets/mnist_classifier.pt``.

The classifier behind ``gan_course.metrics.mnist_scores`` (FID-like, IS-like and coverage
scores). It trains on the first 9,000 of the 10,000 bundled MNIST digits with random shifts of up
to two pixels, and reports its accuracy on the last 1,000. The file stores the weights, a small
metadata dict and the mean / covariance of the penultimate features of all 10,000 bundled digits
(the "real" statistics of the FID). A couple of minutes on a laptop CPU:

    python scripts/train_classifier.py
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from gan_course.data import load_mnist  # noqa: E402
from gan_course.metrics import (  # noqa: E402
    CLASSIFIER_PATH,
    CLASSIFIER_SHA256,
    MnistClassifier,
    feature_stats,
)
from gan_course.utils import seed_everything  # noqa: E402

N_VAL = 1000  # the last 1,000 bundled digits are held out for validation


def random_shift(x: Tensor, *, max_shift: int, generator: torch.Generator) -> Tensor:
    """Shift each image by its own random (dy, dx) in [-max_shift, max_shift], filling with -1.

    Args:
        x: images (B, 1, H, W) in [-1, 1] (background -1).
        max_shift: largest shift in pixels.
        generator: torch generator for the shifts.

    Returns:
        Shifted images, same shape as ``x``.
    """
    b, _, h, w = x.shape
    s = max_shift
    padded = F.pad(x, (s, s, s, s), value=-1.0)  # (B, 1, H + 2s, W + 2s)
    dy, dx = torch.randint(0, 2 * s + 1, (2, b), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, :, None]  # (B, H, 1)
    cols = (dx[:, None] + torch.arange(w))[:, None, :]  # (B, 1, W)
    return padded[torch.arange(b)[:, None, None], 0, rows, cols].unsqueeze(1)  # (B, 1, H, W)


@torch.no_grad()
def accuracy(model: MnistClassifier, images: Tensor, labels: Tensor) -> float:
    model.eval()
    predictions = torch.cat([model(batch).argmax(dim=1) for batch in images.split(500)])
    return (predictions == labels).double().mean().item()


def train(
    images: Tensor, labels: Tensor, *, epochs: int, batch_size: int, lr: float, seed: int,
) -> tuple[MnistClassifier, float]:
    """Train on all but the last N_VAL images; return the model and its validation accuracy."""
    generator = seed_everything(seed)
    x_train, y_train = images[:-N_VAL], labels[:-N_VAL]
    x_val, y_val = images[-N_VAL:], labels[-N_VAL:]
    model = MnistClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * (len(x_train) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)

    for epoch in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        n_batches, total_loss = len(x_train) // batch_size, 0.0  # drop the ragged last batch
        for i in range(n_batches):
            idx = order[i * batch_size:(i + 1) * batch_size]
            x = random_shift(x_train[idx], max_shift=2, generator=generator)
            loss = F.cross_entropy(model(x), y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            schedule.step()
            total_loss += loss.item()
        val_acc = accuracy(model, x_val, y_val)
        print(f"epoch {epoch + 1:2d}/{epochs}  loss {total_loss / n_batches:.4f}  "
              f"val acc {val_acc:.4f}  ({time.perf_counter() - start:.1f}s)")
    return model, val_acc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (other counts give slightly different weights)")
    parser.add_argument("--out", type=Path, default=CLASSIFIER_PATH)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"seed {args.seed}")

    images, labels = load_mnist(source="bundled")  # (10000, 1, 28, 28) in [-1, 1], (10000,)
    model, val_acc = train(images, labels, epochs=args.epochs, batch_size=args.batch_size,
                           lr=args.lr, seed=args.seed)

    # Statistics of the real digits for the FID: all 10,000, unshifted, in eval mode.
    model.eval()
    with torch.no_grad():
        feats = torch.cat([model.features(batch) for batch in images.split(500)])
    mu, sigma = feature_stats(feats)
    meta = {
        "val_accuracy": val_acc, "feature_dim": model.feature_dim, "n_train": len(images) - N_VAL,
        "n_val": N_VAL, "epochs": args.epochs, "seed": args.seed, "torch": str(torch.__version__),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({
        "state_dict": model.state_dict(), "meta": meta,
        "real_mu": torch.from_numpy(mu).float(), "real_sigma": torch.from_numpy(sigma).float(),
    }, args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"validation accuracy {val_acc:.4f}; wrote {args.out} "
          f"({args.out.stat().st_size / 1e3:.0f} kB), sha256 {digest}")
    if digest != CLASSIFIER_SHA256:
        print(f"set CLASSIFIER_SHA256 = {digest!r} in gan_course/metrics/mnist.py: the course checks "
              "the file against it on every load")


if __name__ == "__main__":
    main()
