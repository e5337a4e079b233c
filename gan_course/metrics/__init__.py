"""Numbers that say how close generated samples are to the data (lesson 09 takes them apart).

Three modules, from the simplest to the least transparent; everything is re-exported here, so
``gc.metrics.mode_stats`` and ``gc.metrics.mnist_scores`` work as before:

* `gan_course.metrics.toy`: 2-D toys (modes captured, high-quality share, KL / JS on a grid)
  and 1-D toys (JS on histogram bins, exact Wasserstein-1).
* `gan_course.metrics.scores`: on any features or class probabilities: the Frechet distance
  between fitted Gaussians, the inception score, precision and recall from k-nearest-neighbour
  manifolds.
* `gan_course.metrics.mnist`: the course's MNIST classifier and `mnist_scores` (FID-like,
  IS-like, precision, recall, class coverage) on its features.
"""

from gan_course.metrics import mnist, scores, toy
from gan_course.metrics.mnist import (
    CLASSIFIER_PATH,
    CLASSIFIER_SHA256,
    MnistClassifier,
    classifier_features,
    classifier_probs,
    load_classifier,
    mnist_scores,
)
from gan_course.metrics.scores import (
    feature_stats,
    frechet_distance,
    inception_score,
    precision_recall,
)
from gan_course.metrics.toy import js_divergence_1d, kl_js_grid, mode_stats, wasserstein_1d

# The names of the three modules' __all__, listed out (ruff reads a literal list only).
__all__ = [
    "mnist", "scores", "toy",
    "mode_stats", "kl_js_grid", "js_divergence_1d", "wasserstein_1d",
    "feature_stats", "frechet_distance", "inception_score", "precision_recall",
    "MnistClassifier", "CLASSIFIER_PATH", "CLASSIFIER_SHA256", "load_classifier",
    "classifier_features", "classifier_probs", "mnist_scores",
]
