"""gan_course.metrics.mnist (the course classifier's scores) on real digits, noise and known cases."""

from __future__ import annotations

import pytest
import torch

from gan_course import metrics
from gan_course.metrics import mnist as mnist_metrics


@pytest.fixture(scope="module")
def real_digits() -> tuple[torch.Tensor, torch.Tensor]:
    from gan_course.data import load_mnist

    return load_mnist(source="bundled")



# ---- MNIST classifier scores -----------------------------------------------------------------


def test_classifier_outputs(real_digits):
    images, labels = real_digits
    probs = metrics.classifier_probs(images[-500:])
    feats = metrics.classifier_features(images[:7, 0])  # (N, 28, 28) works too
    assert probs.shape == (500, 10) and torch.allclose(probs.sum(1), torch.ones(500), atol=1e-5)
    assert (probs.argmax(1) == labels[-500:]).float().mean() > 0.97
    assert feats.shape == (7, metrics.load_classifier().feature_dim) and (feats >= 0).all()


def test_mnist_scores_real_digits_and_noise(real_digits):
    images, _ = real_digits
    g = torch.Generator().manual_seed(0)
    order = torch.randperm(len(images), generator=g)
    halves = metrics.mnist_scores(images[order[:3000]], real=images[order[3000:6000]])
    assert halves["inception_score"] > 8
    assert halves["class_coverage"] == 10
    assert halves["confidence"] > 0.95
    assert sum(halves["class_hist"]) == pytest.approx(1.0)
    noise = metrics.mnist_scores(torch.rand(1000, 1, 28, 28, generator=g) * 2 - 1)
    assert halves["fid"] < 5
    assert noise["fid"] > 100 * halves["fid"]
    assert noise["inception_score"] < 2
    # Two halves of the real digits cover each other's k-NN manifolds (0.89 both, measured);
    # no real digit's features lie near those of noise.
    assert halves["precision"] > 0.8 and halves["recall"] > 0.8
    assert noise["recall"] < 0.01


def test_mnist_scores_collapse_is_high_precision_low_recall(real_digits):
    images, labels = real_digits
    zeros = metrics.mnist_scores(images[labels == 0][:900])  # realistic digits of one class
    assert zeros["precision"] > 0.85 and zeros["recall"] < 0.2
    assert zeros["class_coverage"] == 1


def test_mnist_scores_precision_recall_are_those_of_the_features(real_digits):
    images, _ = real_digits
    fake, real = images[:300], images[5000:5400]  # 300 fakes: 300 of the 400 reals are used
    got = metrics.mnist_scores(fake, real=real)
    order = torch.randperm(400, generator=torch.Generator().manual_seed(0))
    f_real = metrics.classifier_features(real)[order[:300]]
    expected = metrics.precision_recall(f_real, metrics.classifier_features(fake), k=3)
    assert (got["precision"], got["recall"]) == pytest.approx(
        (expected["precision"], expected["recall"]), abs=1e-12)


def test_mnist_scores_one_repeated_digit(real_digits):
    images, _ = real_digits
    uint8 = ((images[0, 0] + 1) * 127.5).round().to(torch.uint8)
    scores = metrics.mnist_scores(uint8.expand(200, 28, 28))
    assert scores["inception_score"] == pytest.approx(1.0, abs=1e-6)
    assert scores["class_coverage"] == 1
    assert max(scores["class_hist"]) == 1.0
    assert scores["recall"] < 0.02  # 200 copies make a manifold of one point


@pytest.mark.parametrize("bad, message", [
    (torch.zeros(4, 3, 28, 28), r"expected x_fake of shape \(N, 1, 28, 28\) or \(N, 28, 28\)"),
    (torch.zeros(4, 32, 32), r"got \(4, 32, 32\)"),
    (torch.zeros(4, 28, 28, dtype=torch.int64), "uint8"),
    (torch.full((4, 28, 28), 3.0), r"in \[-1, 1\]"),
])
def test_mnist_scores_bad_inputs(bad, message):
    with pytest.raises(ValueError, match=message):
        metrics.mnist_scores(bad)



def test_missing_weights_name_the_rebuild_script(monkeypatch, tmp_path):
    monkeypatch.setattr(mnist_metrics, "CLASSIFIER_PATH", tmp_path / "absent.pt")
    mnist_metrics._checkpoint.cache_clear()
    mnist_metrics._classifier_on.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match="scripts/train_classifier.py"):
            metrics.load_classifier()
        (tmp_path / "absent.pt").write_bytes(b"not a checkpoint")
        with pytest.raises(RuntimeError, match="scripts/train_classifier.py"):
            metrics.load_classifier()
    finally:
        mnist_metrics._checkpoint.cache_clear()
        mnist_metrics._classifier_on.cache_clear()
