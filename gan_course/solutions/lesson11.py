"""Reference answers for lesson 11, GANs at work (notebooks/11_applications.ipynb).

The checks in `gan_course.checks.lesson11` compare the learner's functions with these. The
lesson's experiment runs the package's versions of the last two (`gan_course.applications`),
so they are the references here too.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_course.applications import mix_batch, per_class_accuracy

__all__ = ["targeted_fgsm", "mix_batch", "per_class_accuracy"]


def targeted_fgsm(model: nn.Module, x: Tensor, target: Tensor, eps: float) -> Tensor:
    """One FGSM step *towards* the classes ``target``: x - eps * sign(grad_x J(x, target)).

    J is the cross-entropy of the model's logits against the target labels (B,); stepping
    against its gradient makes the target more likely. Clamped to the image range [-1, 1].
    """
    x = x.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), target)
    (grad,) = torch.autograd.grad(loss, x)  # (B, 1, 28, 28)
    return (x - eps * grad.sign()).clamp(-1.0, 1.0).detach()
