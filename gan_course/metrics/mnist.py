"""MNIST scores from the course's small classifier: FID-like, IS-like, precision / recall, coverage.

A small CNN shipped with the course (``assets/mnist_classifier.pt``, rebuilt by
``python scripts/train_classifier.py``) reads the digits; its penultimate layer is the feature
space of the Frechet distance and of precision / recall (`gan_course.metrics.scores`), its class
probabilities give the inception score and the class coverage. Lesson 04 first uses the scores,
lesson 09 takes them apart.

Every function takes torch tensors or NumPy arrays of images and returns plain Python numbers
(or tensors of features / probabilities).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_course.metrics._arrays import ArrayLike
from gan_course.metrics.scores import (
    feature_stats,
    frechet_distance,
    inception_score,
    precision_recall,
)

__all__ = [
    "MnistClassifier",
    "CLASSIFIER_PATH",
    "CLASSIFIER_SHA256",
    "load_classifier",
    "classifier_features",
    "classifier_probs",
    "mnist_scores",
]

CLASSIFIER_PATH = Path(__file__).resolve().parents[1] / "assets" / "mnist_classifier.pt"
_REBUILD = "python scripts/train_classifier.py"
# sha256 of the shipped weights file, checked on load as the MNIST bundle's is: a flipped byte
# would otherwise shift every FID silently. The training script prints the new value.
CLASSIFIER_SHA256 = "bb82561a7c0db616f1aeb744f80c91e1f51ed74475ac1d9f67bd4d0103e3c4c4"




class MnistClassifier(nn.Module):
    """A small CNN for 28x28 digits; its penultimate layer is the feature space of the FID.

    Three 3x3 conv + max-pool stages, then a ``feature_dim`` ReLU layer and the 10 logits
    (about 100k parameters, 0.4 MB).

    Args:
        feature_dim: size of the penultimate (feature) layer.
        dropout: dropout before the last layer, active in training only.
    """

    def __init__(self, *, feature_dim: int = 128, dropout: float = 0.3) -> None:
        super().__init__()
        self.feature_dim = feature_dim
        self.conv = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 16, 14, 14)
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 32, 7, 7)
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 64, 3, 3)
        )
        self.fc = nn.Linear(64 * 3 * 3, feature_dim)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(feature_dim, 10)

    def features(self, x: Tensor) -> Tensor:
        """Images (B, 1, 28, 28) in [-1, 1] -> features (B, feature_dim), >= 0."""
        return F.relu(self.fc(self.conv(x).flatten(1)))  # (B, feature_dim)

    def forward(self, x: Tensor) -> Tensor:
        """Images (B, 1, 28, 28) in [-1, 1] -> class logits (B, 10)."""
        return self.head(self.dropout(self.features(x)))


@lru_cache(maxsize=1)
def _checkpoint() -> dict:
    """The shipped file: {"state_dict", "meta", "real_mu", "real_sigma"}."""
    if not CLASSIFIER_PATH.is_file():
        raise FileNotFoundError(
            f"expected the metric classifier at {CLASSIFIER_PATH}, got no file; "
            f"`{_REBUILD}` rebuilds it"
        )
    blob = CLASSIFIER_PATH.read_bytes()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != CLASSIFIER_SHA256:
        raise RuntimeError(
            f"expected the metric classifier {CLASSIFIER_PATH} to have sha256 {CLASSIFIER_SHA256}, "
            f"got {digest}: the file is damaged or stale; `{_REBUILD}` rebuilds it (then update "
            "CLASSIFIER_SHA256 in gan_course/metrics/mnist.py to the value it prints)"
        )
    try:
        ckpt = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
        missing = {"state_dict", "meta", "real_mu", "real_sigma"} - set(ckpt)
    except Exception as err:  # any unpickling failure means a bad file
        raise RuntimeError(
            f"could not read the metric classifier {CLASSIFIER_PATH} ({err}); `{_REBUILD}` rebuilds it"
        ) from err
    if missing:
        raise RuntimeError(
            f"expected keys {sorted(missing)} in {CLASSIFIER_PATH}; `{_REBUILD}` rebuilds it"
        )
    return ckpt


@lru_cache(maxsize=4)
def _classifier_on(device: str) -> MnistClassifier:
    ckpt = _checkpoint()
    model = MnistClassifier(feature_dim=int(ckpt["meta"]["feature_dim"]))
    try:
        model.load_state_dict(ckpt["state_dict"])
    except RuntimeError as err:
        raise RuntimeError(
            f"the metric classifier {CLASSIFIER_PATH} does not match MnistClassifier ({err}); "
            f"`{_REBUILD}` rebuilds it"
        ) from err
    model.requires_grad_(False)
    model.meta = dict(ckpt["meta"])
    return model.eval().to(device)


def load_classifier(*, device: str | torch.device = "cpu") -> MnistClassifier:
    """The shipped metric classifier, in eval mode, frozen; loaded once per device and cached.

    ``model.meta`` holds the training script's record (validation accuracy, feature size, seed,
    epochs). Treat the model as read-only: every caller shares it.

    Raises:
        FileNotFoundError / RuntimeError: the weights file is missing or unreadable; the message
            says that ``python scripts/train_classifier.py`` rebuilds it.
    """
    return _classifier_on(str(torch.device(device)))


def _as_images(x: ArrayLike, name: str = "x") -> Tensor:
    """uint8 (N, 28, 28) in 0..255 or float (N, [1,] 28, 28) in [-1, 1] -> float (N, 1, 28, 28)."""
    t = torch.from_numpy(np.asarray(x)) if isinstance(x, np.ndarray) else x
    if not isinstance(t, Tensor):
        raise TypeError(f"expected {name} as a tensor or NumPy array, got {type(x).__name__}")
    shape = tuple(t.shape)
    if t.dim() == 3:
        t = t.unsqueeze(1)
    if t.dim() != 4 or tuple(t.shape[1:]) != (1, 28, 28) or t.shape[0] == 0:
        raise ValueError(f"expected {name} of shape (N, 1, 28, 28) or (N, 28, 28), got {shape}")
    if t.dtype == torch.uint8:
        return t.float() / 127.5 - 1.0
    if not t.is_floating_point():
        raise ValueError(f"expected {name} as uint8 (0..255) or float in [-1, 1], got {t.dtype}")
    t = t.detach().float()
    if not torch.isfinite(t).all():
        raise ValueError(f"expected finite values in {name}, got NaN or inf")
    lo, hi = t.min().item(), t.max().item()
    if lo >= 0 and t.shape[0] >= 2:  # digits in [-1, 1] have a background at -1
        raise ValueError(
            f"expected float {name} in [-1, 1], got values in [{lo:.3g}, {hi:.3g}], none below "
            "0: these look like [0, 1] images (scored as they are, the FID is meaningless); "
            "map them with 2 * x - 1"
        )
    if lo < -1.001 or hi > 1.001:
        raise ValueError(
            f"expected float {name} in [-1, 1], got values in [{lo:.3g}, {hi:.3g}] "
            "(clamp with x.clamp(-1, 1), or map [0, 1] images with 2 * x - 1)"
        )
    return t


@torch.no_grad()
def _batched(
    x: ArrayLike, fn: Callable[[MnistClassifier, Tensor], Tensor], batch_size: int, name: str,
) -> Tensor:
    """Apply ``fn(model, batch)`` to the validated images batch by batch, without gradients."""
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"expected batch_size to be an int >= 1, got {batch_size!r}")
    images = _as_images(x, name)
    model = load_classifier(device=images.device)
    return torch.cat([fn(model, batch) for batch in images.split(batch_size)])


def _features(model: MnistClassifier, batch: Tensor) -> Tensor:
    return model.features(batch)


def classifier_features(x: ArrayLike, *, batch_size: int = 500) -> Tensor:
    """Penultimate features of the metric classifier.

    Args:
        x: images, float (N, 1, 28, 28) or (N, 28, 28) in [-1, 1], or uint8 (N, 28, 28).
        batch_size: images per forward pass.

    Returns:
        Features of shape (N, feature_dim), >= 0, on the device of ``x``.
    """
    return _batched(x, _features, batch_size, "x")


def classifier_probs(x: ArrayLike, *, batch_size: int = 500) -> Tensor:
    """Class probabilities p(y | x) of the metric classifier.

    Args:
        x: images, float (N, 1, 28, 28) or (N, 28, 28) in [-1, 1], or uint8 (N, 28, 28).
        batch_size: images per forward pass.

    Returns:
        Probabilities of shape (N, 10), rows summing to 1, on the device of ``x``.
    """
    return _batched(x, lambda model, batch: model(batch).softmax(dim=1), batch_size, "x")


# Which bundled digits stand for "real" in precision / recall: a fixed shuffle of all 10,000
# (seed 0), of which the first n are used, n = the number of fakes (equal sizes, as the paper).
_REFERENCE_SEED = 0


@lru_cache(maxsize=8)
def _reference_features(n: int, batch_size: int) -> Tensor:
    """Classifier features (n, D) of the first n bundled digits in the fixed shuffle."""
    from gan_course.data import load_mnist  # here: data needs nothing from metrics

    images, _ = load_mnist(source="bundled")
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(_REFERENCE_SEED))
    return classifier_features(images[order[:n]], batch_size=batch_size).double().cpu()


@torch.no_grad()
def mnist_scores(
    x_fake: ArrayLike, *, real: ArrayLike | None = None, coverage_share: float = 0.02,
    k: int = 3, batch_size: int = 500,
) -> dict:
    """FID-like, IS-like, precision, recall, coverage and confidence scores of generated digits.

    All of them come from the course's small classifier (about 98-99% accurate, trained on 9,000
    of the 10,000 bundled test digits), not from Inception-v3:

    * ``fid``: Frechet distance between Gaussians fitted to the classifier's penultimate features
      of ``x_fake`` and of the real digits (the 10,000 bundled images' statistics, stored with
      the weights, unless ``real`` is given). Lower is better; 0 means matching feature
      statistics. It shrinks with more samples (a finite-sample bias), so compare runs at the
      same N (lesson 09 measures the bias from 500 to 10,000 samples).
    * ``inception_score``: :func:`~gan_course.metrics.scores.inception_score` of the
      classifier's probabilities, between 1 (every image gets the same prediction) and 10
      (confident predictions, evenly spread over the classes).
    * ``precision`` and ``recall``: :func:`~gan_course.metrics.scores.precision_recall` on the
      same features with ``k`` neighbours, fakes against as many real digits (``n =
      min(N, len(real))``: the first n fakes against n real digits; without ``real`` the first
      n of a fixed shuffle of the 10,000 bundled digits). Precision: the share of fakes that
      look like some real digit; recall: the share of real digits that some fake resembles.
      Both depend on n: compare runs at the same N.
    * ``class_coverage``: number of classes that take at least ``coverage_share`` of the argmax
      predictions (default 2%: 20% of a uniform 10% share, the rule of ``mode_stats``).
    * ``class_hist``: the 10 shares of argmax predictions.
    * ``confidence``: mean max probability.

    Rough scale with the shipped weights, 5,000 images: two random halves of the real digits
    have FID about 1.5; the first vs the last 5,000 bundled digits (different writers) about 20;
    digits 0-4 only, or blurred digits, about 250; uniform noise about 1,000. Real digits have IS
    about 9.8, noise about 1.

    What they can tell: whether the samples look like digits *to this classifier*, whether all
    ten classes appear and in what proportions, and whether the feature statistics match those
    of real digits. What they cannot: these numbers are not comparable to published FID / IS
    values (which use Inception-v3 features on other data); a classifier of 9,000 digits can be
    fooled by images no human reads as digits (it calls uniform noise an "8" with 99%
    confidence, so ``confidence`` alone says little); memorised training digits would score
    perfectly; variety *within* a class shows only in the FID and the recall, and only as far
    as the features see it.

    Args:
        x_fake: generated images, float (N, 1, 28, 28) or (N, 28, 28) in [-1, 1], or uint8
            (N, 28, 28) in 0..255; N > k.
        real: optional real images in the same formats to compare against instead of the
            bundled digits (more than k of them).
        coverage_share: share of predictions a class needs to count as covered, in (0, 1].
        k: neighbours that set the radii of precision / recall.
        batch_size: images per forward pass.

    Returns:
        ``{"fid": float >= 0, "inception_score": float in [1, 10], "precision": float in
        [0, 1], "recall": float in [0, 1], "class_coverage": int in [0, 10], "class_hist": list
        of 10 floats summing to 1, "confidence": float in [0.1, 1]}``.
    """
    if not 0 < coverage_share <= 1:
        raise ValueError(f"expected coverage_share in (0, 1], got {coverage_share}")
    images = _as_images(x_fake, "x_fake")
    if images.shape[0] < max(2, k + 1):
        raise ValueError(f"expected more than k = {k} (and at least 2) images in x_fake, got "
                         f"{images.shape[0]}")
    # One pass gives both: the logits are the head applied to the features (no dropout in eval).
    feats = classifier_features(images, batch_size=batch_size).double().cpu()  # (N, D)
    model = load_classifier()
    probs = model.head(feats.float()).softmax(dim=1).double()  # (N, 10)

    if real is None:
        ckpt = _checkpoint()
        mu_real, sigma_real = ckpt["real_mu"].numpy(), ckpt["real_sigma"].numpy()
        n = min(len(feats), 10_000)
        feats_real = _reference_features(n, batch_size)
    else:
        all_real = _batched(real, _features, batch_size, "real").double().cpu()
        mu_real, sigma_real = feature_stats(all_real)
        n = min(len(feats), len(all_real))
        order = torch.randperm(len(all_real), generator=torch.Generator().manual_seed(0))
        feats_real = all_real[order[:n]]
    fid = frechet_distance(*feature_stats(feats), mu_real, sigma_real)
    pr = precision_recall(feats_real, feats[:n], k=k)

    hist = torch.bincount(probs.argmax(dim=1), minlength=10).double() / probs.shape[0]
    return {
        "fid": max(fid, 0.0),
        "inception_score": inception_score(probs),
        "precision": pr["precision"],
        "recall": pr["recall"],
        "class_coverage": int((hist >= coverage_share).sum()),
        "class_hist": [float(h) for h in hist],
        "confidence": float(probs.max(dim=1).values.mean()),
    }
