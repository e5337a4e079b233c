"""Differentiable augmentation for D's inputs (DiffAugment, Zhao et al. 2020).

With a small data set D can learn the training images by heart: its scores then say "seen
before" rather than "looks real", and G's gradient gets worse. DiffAugment shows D every image,
real and fake alike, randomly shifted and with a square cut out, in D's step and in G's step. The
operations are differentiable, so G still learns through them, and since fakes get the same
augmentation, G is not taught to draw shifted or holed digits.

    x_aug = augment.apply(x, ("translation", "cutout"), generator=gen)  # (B, C, H, W) -> same

Both operations fill with -1, the background of the course's images in [-1, 1] (the paper fills
with 0, the middle of its images' range; for digits on black that would paint grey squares).
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["POLICIES", "parse", "apply", "translation", "cutout"]

POLICIES = ("translation", "cutout")
FILL = -1.0  # the background of images in [-1, 1]
SHIFT = 1 / 8  # translation: up to 1/8 of the side rounded (4 pixels of 28), as in the paper
CUT = 1 / 2  # cutout: a square of half the side (14 x 14 of 28 x 28), as in the paper


def parse(spec: str) -> tuple[str, ...]:
    """"translation,cutout" -> ("translation", "cutout"); "" -> (); ValueError for other names."""
    if not isinstance(spec, str):
        raise ValueError(f"augment: expected a comma-separated string of {POLICIES}, got {spec!r}")
    names = tuple(s.strip() for s in spec.split(",") if s.strip())
    bad = [n for n in names if n not in POLICIES]
    if bad or len(set(names)) != len(names):
        raise ValueError(f"augment: expected some of {POLICIES}, each once, separated by commas "
                         f"(or '' for none), got {spec!r}")
    return names


def _check_images(x: Tensor) -> None:
    if x.dim() != 4:
        raise ValueError(f"augmentation works on images (B, C, H, W), got a batch of shape "
                         f"{tuple(x.shape)}; the 2-D toys have nothing to shift")


def translation(x: Tensor, generator: torch.Generator | None = None, *, ratio: float = SHIFT) -> Tensor:
    """Each image moved by its own random (dy, dx), up to ``ratio`` of its side, filled with -1."""
    _check_images(x)
    B, _, H, W = x.shape
    sy, sx = int(H * ratio + 0.5), int(W * ratio + 0.5)
    dy = torch.randint(-sy, sy + 1, (B, 1), generator=generator).to(x.device)  # (B, 1)
    dx = torch.randint(-sx, sx + 1, (B, 1), generator=generator).to(x.device)
    padded = torch.nn.functional.pad(x, (sx, sx, sy, sy), value=FILL)  # (B, C, H + 2sy, W + 2sx)
    rows = torch.arange(H, device=x.device) + sy - dy  # (B, H): the padded row each output row reads
    cols = torch.arange(W, device=x.device) + sx - dx  # (B, W)
    b = torch.arange(B, device=x.device)[:, None, None, None]
    c = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
    return padded[b, c, rows[:, None, :, None], cols[:, None, None, :]]


def cutout(x: Tensor, generator: torch.Generator | None = None, *, ratio: float = CUT) -> Tensor:
    """Each image with a square of side ``ratio`` of its own set to -1 at a random centre (the
    square may hang over the edge, as in the paper)."""
    _check_images(x)
    B, _, H, W = x.shape
    h, w = int(H * ratio + 0.5), int(W * ratio + 0.5)
    cy = torch.randint(0, H + (1 - h % 2), (B, 1), generator=generator).to(x.device)  # (B, 1)
    cx = torch.randint(0, W + (1 - w % 2), (B, 1), generator=generator).to(x.device)
    rows = torch.arange(H, device=x.device) - cy + h // 2  # (B, H): row index inside the square
    cols = torch.arange(W, device=x.device) - cx + w // 2
    inside = ((rows >= 0) & (rows < h))[:, None, :, None] & ((cols >= 0) & (cols < w))[:, None, None, :]
    return x.masked_fill(inside, FILL)  # (B, C, H, W); the gradient is 0 inside the square


_OPS = {"translation": translation, "cutout": cutout}


def apply(x: Tensor, policy: tuple[str, ...] | str, generator: torch.Generator | None = None) -> Tensor:
    """``x`` with each operation of ``policy`` applied in turn (fresh randomness per image)."""
    names = parse(policy) if isinstance(policy, str) else policy
    for name in names:
        x = _OPS[name](x, generator)
    return x
