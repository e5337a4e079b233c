"""Reference answer for lesson 00 (welcome)."""

from __future__ import annotations

import torch

__all__ = ["scale_pixels"]


def scale_pixels(raw: torch.Tensor) -> torch.Tensor:
    """uint8 digits (N, 28, 28) in 0..255 -> float32 (N, 1, 28, 28) in [-1, 1]."""
    x = raw.float() / 127.5 - 1.0  # 0 -> -1 (black), 255 -> 1 (white)
    return x.unsqueeze(1)  # (N, 1, 28, 28): one channel, as conv layers expect
